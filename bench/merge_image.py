"""A real image merge: N pictures' fingerprint rows in the database, in eight segments, merged by
libraries.indexing.merge as the background task merges them.

Usage: python -m bench.merge_image WORKDIR [--pictures 200000]

Runs the portal's own code on a throwaway data directory in WORKDIR (SQLite, file storage): the rows
are inserted in bulk (bench/merge_memory.py's synthetic pictures: 600 random keypoints each, the most
postings a picture can have), written as eight segments by `build_segment`, then merged by
`merge.merge` (reading the rows back, building streamed, leasing its inputs). Reported: the merge's
seconds and pictures a second, its peak anonymous memory (RssAnon, sampled every 20 ms) against the
file it wrote, and what it leaves: the active segments and any scratch folder. Needs ~5x the
merged file's size in free disk (rows, inputs, new file, scratch).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench.merge_memory import PeakMemory, synthetic_pictures


def _setup(workdir: Path) -> None:
    os.environ["DNAPORTAL_DATA_DIR"] = str(workdir / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnaportal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from dnaportal import datadir

    datadir.ensure()
    call_command("migrate", verbosity=0)


def _library(pictures: int):
    """An image library of `pictures` fingerprint rows, in eight segments."""
    from django.db import transaction

    from engine import registry
    from libraries.indexing.manifest import build_segment, next_generation, register
    from libraries.indexing.rows import fingerprints_of
    from libraries.models import Library, Media, StoredFingerprint

    [(fingerprinter, _)] = registry.for_kind("image")
    library = Library.objects.create(name=f"merge-{pictures}", media_type="image")
    keys, media, rows = [], [], []
    for key, fingerprint in synthetic_pictures(pictures):
        item = Media(library=library, primary_key=key, media_type="image", sha256="-")
        media.append(item)
        rows.append(
            StoredFingerprint(
                media=item,
                library=library,
                fingerprinter=fingerprint.fingerprinter,
                version=fingerprint.version,
                data=fingerprint.data,
            )
        )
        keys.append(item.id)
        if len(media) == 2000:
            Media.objects.bulk_create(media)
            StoredFingerprint.objects.bulk_create(rows)
            media, rows = [], []
    Media.objects.bulk_create(media)
    StoredFingerprint.objects.bulk_create(rows)
    for part in range(8):
        share = keys[part * pictures // 8 : (part + 1) * pictures // 8]
        new = build_segment(library.id, fingerprinter, fingerprints_of(library.id, fingerprinter, share))
        with transaction.atomic():
            register(library.id, fingerprinter, new, next_generation(library.id))
    return library, fingerprinter


def _merge(library_id: str) -> dict:
    """The library's merge, in a fresh process (the set-up's freed memory is not reused)."""
    from engine import registry
    from libraries.indexing import files, merge
    from libraries.indexing.manifest import active_segments
    from libraries.models import Library

    library = Library.objects.get(pk=library_id)
    [(fingerprinter, _)] = registry.for_kind("image")
    inputs = merge.plan(
        list(active_segments(library.id, fingerprinter)), merge.max_segment_bytes(fingerprinter)
    )
    assert len(inputs) == 8, f"the eight segments are not one full level: {len(inputs)}"
    with PeakMemory() as memory:
        started, cpu = time.perf_counter(), time.process_time()
        merged = merge.merge(library.id, fingerprinter, inputs)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    folder = files.path_to_write(library.id, "x").parent
    return {
        "inputs_bytes": sum(segment.size_bytes for segment in inputs),
        "file_bytes": merged.size_bytes,
        "seconds": seconds,
        "cpu": cpu,
        "peak_bytes": memory.added,
        "active": [segment.items for segment in active_segments(library.id, fingerprinter)],
        "scratch_left": [path.name for path in folder.iterdir() if path.name.endswith(".scratch")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--pictures", type=int, default=200_000)
    parser.add_argument("--child", metavar="LIBRARY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _setup(args.workdir)
    if args.child:
        print(json.dumps(_merge(args.child)))
        return
    started = time.perf_counter()
    library, _ = _library(args.pictures)
    built = time.perf_counter() - started
    done = subprocess.run(
        [sys.executable, "-m", "bench.merge_image", str(args.workdir), "--child", str(library.id)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print("# A real image merge\n")
    print(
        f"Generated by `python -m bench.merge_image WORKDIR --pictures {args.pictures}` on "
        f"{platform.node()}, {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, CPUs "
        f"allowed: {sorted(os.sched_getaffinity(0))}. Library set up (rows inserted, eight segments "
        f"written) in {built:.0f} s.\n"
    )
    print(
        "| pictures | inputs MB | merged file MB | seconds | CPU s | pictures / s | peak memory MB "
        "| per file byte | left |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    size, peak = result["file_bytes"], result["peak_bytes"]
    print(
        f"| {args.pictures:,} | {result['inputs_bytes'] / 1e6:,.0f} | {size / 1e6:,.0f} "
        f"| {result['seconds']:.0f} | {result['cpu']:.0f} | {args.pictures / result['seconds']:,.0f} "
        f"| {peak / 1e6:,.0f} | {peak / size:.2f} | segments of {result['active']} items, "
        f"{len(result['scratch_left'])} scratch folders |"
    )


if __name__ == "__main__":
    main()
