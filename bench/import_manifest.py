"""Peak memory of reading a bulk-import manifest into its batch, by manifest size: streamed, it should
not grow with the rows (issue #16: a 1,000,000-row manifest).

Usage: python -m bench.import_manifest [ROWS ...]   (default: 10000 1000000)

Each size runs in a fresh process on a fresh data directory (SQLite): it writes a CSV manifest of ROWS
rows (every row names one small file under the import root, under its own key), starts a batch and
reads the whole manifest into items, chunk by chunk, as the command does before and while it submits.
Nothing is fingerprinted (that is the workers' part and does not depend on the manifest's size).
Reports rows, seconds, rows per second, peak resident memory of the process (ru_maxrss), and the
database's size.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one(rows: int) -> dict:
    data = Path(tempfile.mkdtemp(prefix="dna-import-bench-"))
    os.environ["DNAPORTAL_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnaportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from imports import reading, services
    from libraries.models import Library

    root = Path(settings.IMPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    (root / "one.jpg").write_bytes(b"\xff\xd8\xff")
    manifest = data / "manifest.csv"
    with open(manifest, "w", encoding="utf-8") as out:
        out.write("primary_key,path,user_data\n")
        for number in range(rows):
            out.write(f"item-{number:07d},one.jpg,row {number}\n")
    library = Library.objects.create(name="bench", media_type="image")
    batch = services.start_batch(library=library, source=manifest)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    reading.prepare(batch)
    rows_in = reading.unread_rows(batch)
    while not batch.read_done:
        reading.read_chunk(batch, rows_in)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "items": batch.items.count(),
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb_before_reading": round(before / 1024, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "database_mb": round((data / "dnaportal.sqlite3").stat().st_size / 1e6, 1),
        "manifest_mb": round(manifest.stat().st_size / 1e6, 1),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(_one(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [10_000, 1_000_000]
    print(
        "| manifest rows | manifest | items made | seconds | rows/s "
        "| peak memory before reading | peak memory | database |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for rows in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.import_manifest", "--one", str(rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {r['rows']:,} | {r['manifest_mb']} MB | {r['items']:,} | {r['seconds']} "
            f"| {r['rows_per_second']:,} | {r['peak_rss_mb_before_reading']} MB | {r['peak_rss_mb']} MB "
            f"| {r['database_mb']} MB |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
