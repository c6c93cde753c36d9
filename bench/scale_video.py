"""Query latency and index size of the video index against growing libraries of synthetic fingerprints.

Usage: python -m bench.scale_video [HOURS ...] [--segment-hours 1000] [--data DIR] [--jobs 2] [--build-only]
                                  [--real BENCH_DIR [--cache DIR]]
(default: 10 100 1000 10000 hours; build with --build-only on all cores first, then measure under
`taskset -c 0` for one core's query times)

Synthetic library videos are made of shots of 2-8 s; within a shot every frame's hash (and every crop
variant's) stays within two bits of the shot's own, as real footage does, and shots are unrelated. The
query is 60 s cut from one of them with 6 of 64 bits flipped in every frame (a heavy re-encode flips
2-6).

The library is written as segment files (engine/segments.py) of at most --segment-hours each, kept in
--data (bench/data is not in git) and reused by later runs of the same layout; they are opened
memory-mapped and searched together through engine/segment_set.SegmentSet, as the platform searches a
library. The copied video is saved last, in a small segment of its own, as a newly saved item is.
Reports the first query's time and the median of 5, the bytes per library hour of the segment files
(everything they hold) and of what every search touches (hot: VideoIndex.hot_bytes), and whether the
copy was found at the right place.

Real queries (--real, a benchmark in the corpus format such as bench/build_video_bench.py's): its
library videos are saved in a segment of their own beside the synthetic hours, and its queries (real
edited copies and negatives) are searched in the whole library; their segment F1, false alarms and
search times are reported beside those of the same queries in the benchmark's library alone. Whatever
the synthetic hours add can only be chance matches (they hold no copy of a real video).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import median

import numpy as np

from bench.eval_video import evaluate, library_index
from engine import segments
from engine.base import Fingerprint, pack_arrays
from engine.segment_set import SegmentSet
from engine.video import index as video_index
from engine.video.fingerprinter import VideoFingerprinter
from engine.video.frames import CROP_VARIANTS, SAMPLE_FPS
from engine.video.index import VideoIndex

VARIANTS = 1 + len(CROP_VARIANTS)
ITEM_SECONDS = 600
# Segment files are named by the layout they hold, so a run after a layout change builds anew.
_LAYOUT = (
    video_index.FRAME_EVERY,
    video_index.GRID_EVERY,
    video_index.FIXED_SEED_EVERY,
    video_index.GRID_SEED_EVERY,
)
LAYOUT = "layout-" + "-".join("".join(map(str, np.ravel(n))) for n in _LAYOUT)


def _bits(rng: np.random.Generator, shape: tuple, count: int) -> np.ndarray:
    """`count` random one-bits (possibly coinciding) per element."""
    out = np.zeros(shape, np.uint64)
    for _ in range(count):
        out ^= np.left_shift(np.uint64(1), rng.integers(0, 64, size=shape).astype(np.uint64))
    return out


def synthetic_video(rng: np.random.Generator, seconds: float) -> dict:
    frames = int(seconds * SAMPLE_FPS)
    cuts = np.cumsum(rng.integers(int(2 * SAMPLE_FPS), int(8 * SAMPLE_FPS), size=frames))
    shot = np.searchsorted(cuts[cuts < frames], np.arange(frames), side="right")
    shots = int(shot.max()) + 1
    bases = rng.integers(0, 2**64, size=(shots, VARIANTS + 1), dtype=np.uint64)
    codes = bases[shot] ^ _bits(rng, (frames, VARIANTS + 1), 2)
    return {
        "times": (np.arange(frames) / SAMPLE_FPS).astype(np.float32),
        "codes": codes[:, :VARIANTS].copy(),
        "codes_mirrored": codes[:, VARIANTS].copy(),
        "information": np.full(frames, 60, np.uint8),
    }


def as_fingerprint(arrays: dict) -> Fingerprint:
    return Fingerprint(VideoFingerprinter.name, VideoFingerprinter.version, pack_arrays(**arrays))


def _write(index: VideoIndex, path: Path) -> Path:
    keys, arrays = index.export()
    encoded = np.array([str(key).encode().ljust(16)[:16] for key in keys], "S16").view(np.uint8)
    segments.write_segment(path, encoded.reshape(len(keys), 16), arrays, {"layout": LAYOUT})
    return path


def build_segment(folder: Path, number: int, hours: float) -> Path:
    """Segment `number` of `hours` synthetic library hours (reused when already on disk)."""
    path = folder / f"{LAYOUT}-{number:03d}-{hours:g}h.seg"
    if path.is_file():
        return path
    rng = np.random.default_rng((1, number))
    index = VideoIndex()
    for item in range(math.ceil(hours * 3600 / ITEM_SECONDS)):
        index.add(f"s{number}v{item}", as_fingerprint(synthetic_video(rng, ITEM_SECONDS)))
    return _write(index, path)


def _plan(hours: float, segment_hours: float) -> list[tuple[int, float]]:
    """(segment number, hours) of a library of `hours`: full segments, then the rest."""
    full, rest = divmod(hours, segment_hours)
    plan = [(number, segment_hours) for number in range(int(full))]
    return plan + ([(int(full), rest)] if rest else [])


def _query(rng: np.random.Generator, folder: Path, tag: str) -> tuple[Fingerprint, Path]:
    """The copied video's own segment and a 60 s query cut from it at 200 s."""
    target = synthetic_video(np.random.default_rng(12345), ITEM_SECONDS)
    index = VideoIndex()
    index.add("target", as_fingerprint(target))
    path = _write(index, folder / f"{LAYOUT}-target-{tag}.seg")
    start = 200 * int(SAMPLE_FPS)
    query = {k: v[start : start + 60 * int(SAMPLE_FPS)].copy() for k, v in target.items()}
    query["times"] = query["times"] - query["times"][0]
    query["codes"] ^= _bits(rng, query["codes"].shape, 6)
    return as_fingerprint(query), path


class _Named:
    """A segment set answering with item keys as str (the benchmark's ids), as eval_video expects."""

    def __init__(self, library: SegmentSet) -> None:
        self.library = library

    def __len__(self) -> int:
        return len(self.library)

    def search(self, fingerprint: Fingerprint) -> list:
        hits = self.library.search(fingerprint)
        for hit in hits:
            hit.key = hit.key.rstrip().decode()
        return hits


def real_segment(bench: Path, folder: Path, cache: Path | None) -> Path:
    """The real benchmark's library videos as one segment (their ids as keys, at most 16 bytes)."""
    truth = json.loads((bench / "ground_truth.json").read_text())
    index, _ = library_index(bench, truth, cache)
    if any(len(item["id"].encode()) > 16 for item in truth["library"]):
        raise SystemExit("library ids longer than 16 bytes would be cut in the segment's key table")
    return _write(index, folder / f"{LAYOUT}-real-{bench.name}.seg")


def real_row(label: str, bench: Path, library: SegmentSet, cache: Path | None) -> str:
    truth = json.loads((bench / "ground_truth.json").read_text())
    result = evaluate(bench, truth, cache, index=_Named(library))
    return (
        f"| {label} | {result['queries']} | {result['segment'].f1:.3f} | {result['false_alarm_rate']:.3f} "
        f"({result['negatives']} negatives) | {result['search_ms_median']:.0f} ms |"
    )


def measure(
    hours: float, folder: Path, segment_hours: float, jobs: int, real: Path | None = None
) -> tuple[str, SegmentSet]:
    plan = _plan(hours, segment_hours)
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        paths = list(pool.map(build_segment, [folder] * len(plan), *zip(*plan, strict=True)))
    built_s = time.perf_counter() - started
    query, target = _query(np.random.default_rng(2), folder, f"{hours:g}")
    library = SegmentSet(VideoIndex)
    for number, path in enumerate([*paths, target] + ([real] if real else [])):
        library.add_segment(str(number), number, segments.open_segment(path))
    file_bytes = sum(path.stat().st_size for path in paths)
    times, found = [], False
    for _ in range(6):
        started = time.perf_counter()
        hits = library.search(query)
        times.append(time.perf_counter() - started)
        found = bool(hits) and hits[0].key.rstrip() == b"target"
        found = found and abs(hits[0].segments["video"][0].library_start - 200) < 1
    hot = sum(library.parts[str(n)].index.hot_bytes() for n in range(len(paths)))
    row = (
        f"| {hours:g} | {len(paths)} | {1000 * times[0]:.0f} ms | {1000 * median(times[1:]):.0f} ms "
        f"| {file_bytes / 1e6 / hours:.2f} MB | {hot / 1e6 / hours:.2f} MB | {file_bytes / 1e9:.2f} GB "
        f"| {found} | {built_s:.0f} s |"
    )
    return row, library


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("hours", nargs="*", type=float, default=[10, 100, 1000, 10000])
    parser.add_argument("--segment-hours", type=float, default=1000)
    parser.add_argument("--data", type=Path, default=Path("bench/data/video-scale"))
    parser.add_argument("--jobs", type=int, default=2, help="processes building segments")
    parser.add_argument("--build-only", action="store_true", help="build the segment files, measure nothing")
    parser.add_argument("--real", type=Path, help="a video benchmark (corpus format) to ask too")
    parser.add_argument("--cache", type=Path, help="keep the real videos' fingerprints here (eval_video's)")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        plan = sorted({part for hours in args.hours for part in _plan(hours, args.segment_hours)})
        with ProcessPoolExecutor(args.jobs) as pool:
            list(pool.map(build_segment, [args.data] * len(plan), *zip(*plan, strict=True)))
        return
    print(
        "| library hours | segments | first query (60 s) | query median | file per library hour "
        "| hot per library hour | files | copy found at 200 s | build (new segments) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    real = real_segment(args.real, args.data, args.cache) if args.real else None
    real_rows = []
    for hours in args.hours:
        row, library = measure(hours, args.data, args.segment_hours, args.jobs, real)
        print(row, flush=True)
        if real:
            real_rows.append(real_row(f"{hours:g} h + the benchmark's", args.real, library, args.cache))
    if real:
        alone = SegmentSet(VideoIndex)
        alone.add_segment("real", 0, segments.open_segment(real))
        print(f"\nReal queries ({args.real.name}):\n")
        print("| library | queries | segment F1 | false alarms | search median |")
        print("|---|---|---|---|---|")
        print(real_row("the benchmark's alone", args.real, alone, args.cache))
        print("\n".join(real_rows))


if __name__ == "__main__":
    main()
