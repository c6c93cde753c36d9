"""Query latency and memory of the video index against growing libraries of synthetic fingerprints.

Usage: python -m bench.scale_video [HOURS ...]   (default: 10 100 1000)

Synthetic library videos are made of shots of 2-8 s; within a shot every frame's hash (and every crop
variant's) stays within two bits of the shot's own, as real footage does, and shots are unrelated. The
query is 60 s cut from one of them with 6 of 64 bits flipped in every frame (a heavy re-encode flips
2-6). Reports the median of 5 queries, the index's memory per library hour, and whether the copy was
found at the right place. Issue #3 asks for <= 1 s at 1,000 hours and at most 2x more time for 10x
more library.
"""

from __future__ import annotations

import sys
import time
from statistics import median

import numpy as np

from engine.base import Fingerprint, pack_arrays
from engine.video.fingerprinter import VideoFingerprinter
from engine.video.frames import CROP_VARIANTS, SAMPLE_FPS

VARIANTS = 1 + len(CROP_VARIANTS)
ITEM_SECONDS = 600


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


def main(hours_list: list[float]) -> None:
    rng = np.random.default_rng(1)
    index = VideoFingerprinter().new_index()
    loaded_s = 0.0
    item = 0
    print("| library hours | query (60 s) median | index memory | per library hour | copy found at 200 s |")
    print("|---|---|---|---|---|")
    for hours in hours_list:
        while loaded_s < hours * 3600:
            index.add(f"v{item}", as_fingerprint(synthetic_video(rng, ITEM_SECONDS)))
            item += 1
            loaded_s += ITEM_SECONDS
        target = synthetic_video(np.random.default_rng(item), ITEM_SECONDS)
        index.add("target", as_fingerprint(target))
        start = 200 * int(SAMPLE_FPS)
        query = {k: v[start : start + 60 * int(SAMPLE_FPS)].copy() for k, v in target.items()}
        query["times"] = query["times"] - query["times"][0]
        query["codes"] ^= _bits(rng, query["codes"].shape, 6)
        fingerprint = as_fingerprint(query)
        times, found = [], False
        for _ in range(5):
            started = time.perf_counter()
            matches = index.search(fingerprint)
            times.append(time.perf_counter() - started)
            found = (
                bool(matches)
                and matches[0].key == "target"
                and abs(matches[0].segments["video"][0].library_start - 200) < 1
            )
        index.remove("target")
        memory = index.memory_bytes()
        print(
            f"| {hours:g} | {1000 * median(times):.0f} ms | {memory / 1e6:.0f} MB "
            f"| {memory / 1e6 / hours:.2f} MB | {found} |",
            flush=True,
        )


if __name__ == "__main__":
    main([float(h) for h in sys.argv[1:]] or [10, 100, 1000])
