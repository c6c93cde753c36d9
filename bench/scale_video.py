"""Query latency and memory of the video index against growing libraries of synthetic fingerprints.

Usage: python -m bench.scale_video [HOURS ...]   (default: 1 10 100)

Synthetic library videos are random walks in hash space (consecutive frames differ by a few bits,
as real footage does); the query is 60 s cut from one of them with 3 of 64 bits flipped per frame.
Reports the median of 5 queries, the index's array memory per library hour, and whether the copy was
found. Issue #3 asks for <= 1 s at 1,000 hours and at most 2x more time for 10x more library.
"""

from __future__ import annotations

import sys
import time
from statistics import median

import numpy as np

from dnaportal.engine.base import Fingerprint, pack_arrays
from dnaportal.engine.video import CROP_VARIANTS, SAMPLE_FPS, VideoFingerprinter

VARIANTS = 1 + len(CROP_VARIANTS)
ITEM_SECONDS = 600


def synthetic_video(rng: np.random.Generator, seconds: float) -> dict:
    frames = int(seconds * SAMPLE_FPS)
    flips = rng.integers(0, 64, size=(frames, 4))
    steps = np.zeros(frames, np.uint64)
    for column in range(flips.shape[1]):
        steps ^= np.left_shift(np.uint64(1), flips[:, column].astype(np.uint64))
    codes = np.bitwise_xor.accumulate(steps) ^ rng.integers(0, 2**63, dtype=np.uint64)
    variants = np.stack(
        [codes ^ rng.integers(0, 2**63, dtype=np.uint64) if v else codes for v in range(VARIANTS)], 1
    )
    return {
        "times": (np.arange(frames) / SAMPLE_FPS).astype(np.float32),
        "codes": variants,
        "codes_mirrored": rng.integers(0, 2**63, size=frames, dtype=np.uint64),
        "information": np.full(frames, 60, np.uint8),
    }


def as_fingerprint(arrays: dict) -> Fingerprint:
    return Fingerprint(VideoFingerprinter.name, VideoFingerprinter.version, pack_arrays(**arrays))


def main(hours_list: list[float]) -> None:
    rng = np.random.default_rng(1)
    index = VideoFingerprinter().new_index()
    loaded_s = 0.0
    item = 0
    print("| library hours | query (60 s) median | index arrays | per library hour | copy found |")
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
        noise = np.left_shift(
            np.uint64(1), rng.integers(0, 64, size=(len(query["times"]), 3)).astype(np.uint64)
        )
        query["codes"][:, 0] ^= np.bitwise_xor.reduce(noise, axis=1)
        fingerprint = as_fingerprint(query)
        times, found = [], False
        for _ in range(5):
            started = time.perf_counter()
            matches = index.search(fingerprint)
            times.append(time.perf_counter() - started)
            found = bool(matches) and matches[0].key == "target"
        index.remove("target")
        codes, owners, stamps = index._arrays()
        memory = codes.nbytes + owners.nbytes + stamps.nbytes
        print(
            f"| {hours:g} | {1000 * median(times):.0f} ms | {memory / 1e6:.0f} MB "
            f"| {memory / 1e6 / hours:.1f} MB | {found} |",
            flush=True,
        )


if __name__ == "__main__":
    main([float(h) for h in sys.argv[1:]] or [1, 10, 100])
