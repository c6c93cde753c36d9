"""Audio search latency and index memory as the library grows to 100 and 1,000 hours.

Usage: python -m bench.scale_audio BENCH_DIR [HOURS ...]   (default 100 1000)

The library is the benchmark's 96 real tracks (7.6 h). Distractors that must not match are made from
them, as the issue allows: each track time-reversed, at speeds 1.0, 0.9 and 1.1 (re-pitched), and
fingerprinted for real (about 23 h). Beyond that, copies of those fingerprints are added with every
code XORed with a fixed random 16-bit mask per copy: the same code statistics, runs and key spread as
real audio, but content that matches nothing. Queries: the benchmark's 10 s positive queries in four
conditions (clean, white noise 0 dB, mp3 32k, speed +5%), fingerprinted from their files; latency is
fingerprinting (decode included) plus search, and the search alone is reported too, as wall time and
as this process's CPU time (the search is one thread: on a machine shared with other work, the CPU
time is what the search itself costs). One process, one run.

The library is searched as the portal searches it: written as segment files (engine/segments.py) of at
most SEGMENT_HOURS each (`--segment-hours`, default: one segment for the whole library, what merges
end with) under BENCH_DIR/../audio-segments (or `--segments FOLDER`; emptied first), memory-mapped
and searched through a SegmentSet. Index size is the segment files' size.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from bench.eval_audio import library_fingerprints  # noqa: E402
from engine.audio.codes import RATE, analyse  # noqa: E402
from engine.audio.fingerprinter import AudioFingerprinter  # noqa: E402
from engine.base import Fingerprint, MediaInput, pack_arrays, unpack_arrays  # noqa: E402
from engine.decode import sound_samples  # noqa: E402
from engine.segment_set import SegmentSet  # noqa: E402
from engine.segments import open_segment, write_segment  # noqa: E402

CONDITIONS = ("clean", "wn0", "mp3_32k", "speed_p5")
SPEEDS = (1.0, 0.9, 1.1)


def distractors(bench: Path, rows: list[dict]) -> list[dict[str, np.ndarray]]:
    cache = bench.resolve().parent / "audio-fingerprints" / "distractors-v1"
    cache.mkdir(parents=True, exist_ok=True)
    made = []
    for row in rows:
        audio = None
        for speed in SPEEDS:
            stored = cache / f"rev{int(speed * 100)}_{row['id']}.npz"
            if not stored.exists():
                if audio is None:
                    audio = sound_samples(bench / row["path"], RATE)[::-1]
                played = np.interp(np.arange(0, len(audio) - 1, speed), np.arange(len(audio)), audio)
                arrays = analyse([played.astype(np.float32)], query=False)
                stored.write_bytes(pack_arrays(**arrays))
            with np.load(stored) as loaded:
                made.append({name: loaded[name] for name in loaded.files})
    return made


def _key(text: str) -> bytes:
    return text.encode()[:16].ljust(16, b"\0")


class SegmentedLibrary:
    """Items added to an in-memory index, written out as a segment file every `hours` hours."""

    def __init__(self, fingerprinter: AudioFingerprinter, folder: Path, hours: float) -> None:
        self.fingerprinter, self.folder, self.limit = fingerprinter, folder, hours * 3600
        shutil.rmtree(folder, ignore_errors=True)
        self.set = SegmentSet(fingerprinter.index_class)
        self.index, self.seconds, self.bytes, self.items = fingerprinter.new_index(), 0.0, 0, 0
        self.total_hours = 0.0

    def add(self, key: str, fingerprint: Fingerprint, seconds: float) -> None:
        self.index.add(key, fingerprint)
        self.seconds += seconds
        self.items += 1
        if self.seconds >= self.limit:
            self.flush()

    def flush(self) -> None:
        if len(self.index) == 0:
            return
        keys, arrays = self.index.export()
        encoded = np.frombuffer(b"".join(_key(k) for k in keys), np.uint8).reshape(-1, 16)
        name = f"part{len(self.set.parts)}"
        written = write_segment(self.folder / f"{name}.seg", encoded, arrays, {})
        self.set.add_segment(name, 0, open_segment(written.path, written.sha256))
        self.bytes += written.size
        self.index, self.seconds = self.fingerprinter.new_index(), 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bench", type=Path)
    parser.add_argument("hours", type=float, nargs="*", default=[100.0, 1000.0])
    parser.add_argument("--segment-hours", type=float, default=1e9)
    parser.add_argument("--segments", type=Path, help="folder for the segment files (emptied first)")
    args = parser.parse_args()
    bench, targets = args.bench, args.hours
    fingerprinter = AudioFingerprinter()
    with open(bench / "corpus.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["role"] == "library"]
    library = library_fingerprints(bench, fingerprinter)
    extra = distractors(bench, rows)
    with open(bench / "queries.csv", newline="") as handle:
        queries = [
            q
            for q in csv.DictReader(handle)
            if q["role"] == "pos" and q["dur"] == "10" and q["cond"] in CONDITIONS
        ]
    queries = queries[::2]
    print(f"# Audio search at scale ({len(queries)} queries of 10 s: {', '.join(CONDITIONS)})\n")
    print(
        "| library hours | items | segments | index MB | MB per hour | top-1 right "
        "| fingerprint+search p50 / p95 ms | search alone p50 / p95 ms | search CPU p50 / p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for hours in targets:
        folder = args.segments or bench.resolve().parent / "audio-segments"
        built = _build(fingerprinter, library, extra, hours, folder, args)
        _measure(fingerprinter, built, queries, bench)


def _build(fingerprinter, library, extra, hours, folder, args) -> SegmentedLibrary:
    built = SegmentedLibrary(fingerprinter, folder, args.segment_hours)
    rng = np.random.default_rng(1)
    total = 0.0
    for key, fingerprint in library.items():
        seconds = float(unpack_arrays(fingerprint)["duration"])
        built.add(key, fingerprint, seconds)
        total += seconds
    copy = 0
    while total < hours * 3600:
        mask = np.uint16(0 if copy == 0 else rng.integers(1, 1 << 16))
        for number, arrays in enumerate(extra):
            if total >= hours * 3600:
                break
            data = pack_arrays(
                codes=arrays["codes"] ^ mask, level=arrays["level"], duration=arrays["duration"]
            )
            fingerprint = Fingerprint(fingerprinter.name, fingerprinter.version, data)
            built.add(f"d{copy}-{number}", fingerprint, float(arrays["duration"]))
            total += float(arrays["duration"])
        copy += 1
    built.flush()
    built.total_hours = total / 3600
    return built


def _measure(fingerprinter, built: SegmentedLibrary, queries, bench: Path) -> None:
    total, alone, cpu, right = [], [], [], 0
    for query in queries:
        began = time.perf_counter()
        fingerprint = fingerprinter.extract(MediaInput(path=bench / query["path"]))
        searched, cpu_began = time.perf_counter(), time.process_time()
        matches = built.set.search(fingerprint, limit=5)
        done = time.perf_counter()
        cpu.append(time.process_time() - cpu_began)
        total.append(done - began)
        alone.append(done - searched)
        right += bool(matches) and matches[0].key == _key(query["item"])
    megabytes = built.bytes / 1e6

    def p(values, q):
        return 1000 * float(np.percentile(values, q))

    print(
        f"| {built.total_hours:.0f} | {built.items} | {len(built.set.parts)} | {megabytes:.0f} "
        f"| {megabytes / built.total_hours:.2f} | {right}/{len(queries)} "
        f"| {statistics.median(total) * 1000:.0f} / {p(total, 95):.0f} "
        f"| {statistics.median(alone) * 1000:.0f} / {p(alone, 95):.0f} "
        f"| {statistics.median(cpu) * 1000:.0f} / {p(cpu, 95):.0f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
