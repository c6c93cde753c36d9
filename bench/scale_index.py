"""The shared index across worker processes: memory of several workers, restart time, freshness, and
per-job overhead against library size (issue #15).

Usage: python -m bench.scale_index WORKDIR [--video-hours 1000] [--text-items 100000] [--workers 4]

Runs the portal's own code on a throwaway data directory in WORKDIR (SQLite, file storage):

- per-job overhead: a text library of 10 items and one of N items (fingerprint rows inserted in bulk,
  the index built by `rebuild`, as bulk import will): time to get a current library index before a
  search (what every job pays), and beside it what main paid before segments (listing every
  fingerprint row's media and id).
- memory: a video library of H synthetic hours (bench/scale_video.py's fingerprints, written as
  100-hour segments); W worker processes each open it, warm it (every page touched, as a busy worker
  would) and answer a 60 s query; their total PSS (/proc/PID/smaps_rollup) against one worker's.
- restart: a new worker process, from its start to its first answered query on that library.
- freshness: a worker holding the index answers a query right after another process saved the item.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _setup(workdir: Path) -> None:
    os.environ["DNAPORTAL_DATA_DIR"] = str(workdir / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnaportal.settings")
    import django

    django.setup()
    from dnaportal import datadir

    datadir.ensure()


def _pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- building the libraries ------------------------------------------------------------------------


def _text_library(name: str, items: int):
    from engine import registry
    from engine.base import MediaInput
    from engine.extract import fingerprint_input
    from libraries.indexing.rebuild import rebuild
    from libraries.models import Library, Media, StoredFingerprint

    [(fingerprinter, _)] = registry.for_kind("text")
    library = Library.objects.create(name=name, media_type="text")
    for start in range(0, items, 5000):
        media, rows = [], []
        for n in range(start, min(items, start + 5000)):
            text = f"item {n} " + " ".join(f"w{(n * 7919 + i * 104729) % 100003}" for i in range(40))
            [fp] = fingerprint_input("text", MediaInput(text=text), query=False).fingerprints
            item = Media(library=library, primary_key=f"k{n}", media_type="text", text=text, sha256="-")
            media.append(item)
            rows.append(
                StoredFingerprint(
                    media=item,
                    library=library,
                    fingerprinter=fp.fingerprinter,
                    version=fp.version,
                    data=fp.data,
                )
            )
        Media.objects.bulk_create(media)
        StoredFingerprint.objects.bulk_create(rows)
    rebuild(library.id, fingerprinter, reason="benchmark library")
    return library, fingerprinter


def _video_library(hours: float):
    import numpy as np
    from django.db import transaction

    from bench.scale_video import ITEM_SECONDS, as_fingerprint, synthetic_video
    from engine.video.fingerprinter import VideoFingerprinter
    from libraries.indexing.manifest import build_segment, next_generation, register
    from libraries.models import Library

    fingerprinter = VideoFingerprinter()
    library = Library.objects.create(name="video", media_type="video")
    rng = np.random.default_rng(1)
    per_segment = int(100 * 3600 / ITEM_SECONDS)
    total = int(hours * 3600 / ITEM_SECONDS)
    size = 0
    for start in range(0, total, per_segment):
        items = [
            (uuid.uuid4(), as_fingerprint(synthetic_video(rng, ITEM_SECONDS)))
            for _ in range(start, min(total, start + per_segment))
        ]
        new = build_segment(library.id, fingerprinter, items)
        with transaction.atomic():
            register(library.id, fingerprinter, new, next_generation(library.id))
        size += new.written.size
    return library, size


# -- the worker processes -----------------------------------------------------------------------------


def worker(workdir: Path) -> None:
    """A stand-in worker: reads commands on stdin, answers one JSON line each."""
    started = time.perf_counter()
    _setup(workdir)
    import numpy as np

    from bench.scale_video import as_fingerprint, synthetic_video
    from engine import registry
    from engine.base import MediaInput
    from engine.extract import fingerprint_input
    from engine.video.fingerprinter import VideoFingerprinter
    from libraries.indexing.reader import library_index
    from libraries.models import Library

    query = synthetic_video(np.random.default_rng(99), 60)
    ready = time.perf_counter() - started  # interpreter, Django and the engine imported
    for line in sys.stdin:
        command, *args = line.split()
        library = Library.objects.get(name=args[0])
        if command == "video":
            fp = as_fingerprint(query)
            hits = library_index(library, registry.named(fp.fingerprinter)).search(fp)
            answer = {"hits": len(hits), "ready_s": ready, "since_start_s": time.perf_counter() - started}
        elif command == "warm":
            index = library_index(library, registry.named(VideoFingerprinter.name))
            answer = {"touched_mb": index.warm() / 1e6}
        elif command == "text":
            [fp] = fingerprint_input("text", MediaInput(text=" ".join(args[1:])), query=True).fingerprints
            hits = library_index(library, registry.named(fp.fingerprinter)).search(fp)
            answer = {"hits": [str(h.key) for h in hits]}
        elif command == "pid":
            answer = {"pid": os.getpid()}
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)


class Worker:
    def __init__(self, workdir: Path):
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.scale_index", str(workdir), "--worker"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        )

    def ask(self, line: str) -> dict:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


# -- the measurements ---------------------------------------------------------------------------------


def per_job_overhead(items: int) -> list[str]:
    from libraries.indexing.reader import library_index
    from libraries.models import StoredFingerprint

    rows = []
    for size in (10, items):
        library, fingerprinter = _text_library(f"text-{size}", size)
        library_index(library, fingerprinter)  # catch up once, as a worker's first job does
        times, listing = [], []
        for _ in range(200):
            started = time.perf_counter()
            library_index(library, fingerprinter)
            times.append(time.perf_counter() - started)
        for _ in range(5):
            started = time.perf_counter()
            dict(StoredFingerprint.objects.filter(library=library).values_list("media_id", "id"))
            listing.append(time.perf_counter() - started)
        rows.append(
            f"| {size:,} items | {1e3 * statistics.median(times):.2f} ms "
            f"| {1e3 * statistics.median(listing):.1f} ms |"
        )
    return rows


def memory_and_restart(workdir: Path, hours: float, workers: int) -> list[str]:
    library, size = _video_library(hours)
    lines = [
        f"video library: {hours:g} h synthetic, {size / 1e6:.0f} MB of segment files "
        f"({size / 1e6 / hours:.2f} MB/h)"
    ]
    one = Worker(workdir)
    one.ask("warm video")
    one.ask("video video")
    alone = _pss_mb(one.ask("pid video")["pid"])
    one.stop()
    many = [Worker(workdir) for _ in range(workers)]
    for w in many:
        w.ask("warm video")
        w.ask("video video")
    total = sum(_pss_mb(w.ask("pid video")["pid"]) for w in many)
    for w in many:
        w.stop()
    lines.append(
        f"PSS: one worker alone {alone:.0f} MB; {workers} workers together {total:.0f} MB "
        f"= {total / alone:.2f}x one"
    )
    restarts = []
    for _ in range(3):
        w = Worker(workdir)
        answer = w.ask("video video")
        restarts.append((time.perf_counter() - w.started, answer["ready_s"]))
        w.stop()
    lines.append(
        "restart: process start to first answered 60 s query (of which starting Python, Django and the "
        "engine): "
        + ", ".join(f"{total:.2f} s ({ready:.2f} s)" for total, ready in restarts)
        + " (warm page cache)"
    )
    return lines


def freshness(workdir: Path) -> list[str]:
    from engine.base import MediaInput
    from engine.extract import fingerprint_input
    from libraries import services
    from libraries.models import Library

    library = Library.objects.get(name="text-10")
    holder = Worker(workdir)
    holder.ask("text text-10 " + " ".join(f"warm{i}" for i in range(20)))
    delays = []
    for n in range(10):
        text = f"fresh item {n} " + " ".join(f"z{(n * 31 + i * 17) % 997}" for i in range(40))
        [fp] = fingerprint_input("text", MediaInput(text=text), query=False).fingerprints
        media = services.save_media(
            library=library, primary_key=f"fresh{n}", media_type="text", fingerprints=[fp], text=text
        )
        saved = time.perf_counter()
        hits = holder.ask(f"text text-10 {text}")["hits"]
        delays.append((time.perf_counter() - saved, media.id.hex in [uuid.UUID(h).hex for h in hits]))
    holder.stop()
    found = sum(ok for _, ok in delays)
    worst = max(d for d, _ in delays)
    return [
        f"freshness: {found}/10 items found by another worker's next query after their save "
        f"committed; slowest {1e3 * worst:.0f} ms (query included)"
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--video-hours", type=float, default=1000)
    parser.add_argument("--text-items", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.worker:
        return worker(args.workdir)
    args.workdir.mkdir(parents=True, exist_ok=True)
    assert not (args.workdir / "data").exists(), "WORKDIR must be new"
    _setup(args.workdir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print("| library | getting a current index per job | listing every row (main before segments) |")
    print("|---|---|---|")
    for row in per_job_overhead(args.text_items):
        print(row, flush=True)
    for line in freshness(args.workdir) + memory_and_restart(args.workdir, args.video_hours, args.workers):
        print(f"- {line}", flush=True)


if __name__ == "__main__":
    main()
