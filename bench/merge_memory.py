"""Memory a segment build holds per byte of the file it writes: what bounds a merge
(Index.BUILD_MEMORY_PER_FILE_BYTE, libraries/indexing/merge.py).

Usage: python -m bench.merge_memory [--pictures 20000 100000] [--builds held streamed]

For each count, a fresh process builds and writes one image segment the way a merge does
(Index.build_export, then engine.segments.write_segment), its items made one by one as a merge reads
them from the rows (never all held by the caller): "held" is the base class's build (every item
added to an index, then exported), "streamed" the image index's own (keypoints written to scratch
files as they come). Memory is the process's anonymous resident memory (RssAnon, sampled every
20 ms: page-cache pages of the files are not counted, the kernel can drop them), its peak above what
it held before the build. Items: 600 keypoints with random sparse descriptors and points and a random
hash, about the size of a real picture's fingerprint; such descriptors give each item its full
176 distinct codes, the most postings a picture can have.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

KEYPOINTS = 600


def _anonymous_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise RuntimeError("no RssAnon in /proc/self/status")


class PeakMemory:
    """The peak anonymous memory a block adds to the process (RssAnon sampled every 20 ms from a
    thread), in bytes: `with PeakMemory() as memory: ...`, then `memory.added`."""

    def __enter__(self) -> PeakMemory:
        self.baseline = self.peak = _anonymous_kb()
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _anonymous_kb())
            time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._sampler.join()
        self.peak = max(self.peak, _anonymous_kb())
        self.added = (self.peak - self.baseline) * 1024


def synthetic_pictures(count: int, seed: int = 7):
    """(key, image fingerprint) of `count` pictures of 600 random keypoints, made one by one."""
    from engine.base import Fingerprint, pack_arrays
    from engine.image.fingerprinter import ImageFingerprinter
    from engine.image.words import DESCRIPTOR_SIZE

    fingerprinter = ImageFingerprinter()
    rng = np.random.default_rng(seed)
    for number in range(count):
        data = pack_arrays(
            hash=rng.integers(0, 256, 32, dtype=np.uint8),
            points=(rng.random((KEYPOINTS, 2)) * 600).astype(np.float16),
            descriptors=sparse_descriptors(rng, DESCRIPTOR_SIZE),
        )
        yield f"item-{number}", Fingerprint(fingerprinter.name, fingerprinter.version, data)


def sparse_descriptors(rng, size: int) -> np.ndarray:
    """KEYPOINTS random descriptors of `size` bytes, 30% of their values non-zero: SIFT rows are
    sparse, and so these fall in 176 distinct words of 176 filed (uniform random rows are so alike as
    RootSIFT that they gave 114 words and 161 codes: fewer postings than a real picture's)."""
    values = rng.integers(0, 256, (KEYPOINTS, size), dtype=np.uint8)
    return np.where(rng.random((KEYPOINTS, size)) < 0.3, values, 0).astype(np.uint8)


def _build(count: int, how: str, folder: Path) -> dict:
    """One build in this process (run as a child): peak anonymous memory over the file's size."""
    from engine.base import Index
    from engine.image.index import ImageIndex
    from engine.segments import write_segment

    items = synthetic_pictures(count)
    next(synthetic_pictures(1))  # imports and first allocations before the baseline
    with PeakMemory() as memory:
        started = time.perf_counter()
        if how == "held":
            keys, arrays = Index.build_export.__func__(ImageIndex, items, folder / "scratch")
        else:
            keys, arrays = ImageIndex.build_export(items, folder / "scratch")
        keys_array = np.frombuffer(b"".join(k.encode().ljust(16)[:16] for k in keys), np.uint8).reshape(
            -1, 16
        )
        written = write_segment(folder / "segment.seg", keys_array, arrays, {"items": len(keys)})
        seconds = time.perf_counter() - started
    return {
        "pictures": count,
        "how": how,
        "file_bytes": written.size,
        "peak_bytes": memory.added,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pictures", type=int, nargs="*", default=[20_000, 100_000])
    parser.add_argument("--builds", nargs="*", default=["held", "streamed"], choices=["held", "streamed"])
    parser.add_argument("--child", nargs=2, metavar=("COUNT", "HOW"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory(dir=Path(__file__).parent / "data") as folder:
            print(json.dumps(_build(int(args.child[0]), args.child[1], Path(folder))))
        return
    print("# Memory a segment build holds per file byte\n")
    print(
        f"Generated by `python -m bench.merge_memory` on {platform.node()}, {time.strftime('%Y-%m-%d')}, "
        f"Python {platform.python_version()}.\n"
    )
    print("| build | pictures | file MB | peak anonymous memory MB | per file byte | seconds |")
    print("|---|---|---|---|---|---|", flush=True)
    for count in args.pictures:
        for how in args.builds:
            done = subprocess.run(
                [sys.executable, "-m", "bench.merge_memory", "--child", str(count), how],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            size, peak = result["file_bytes"], result["peak_bytes"]
            print(
                f"| {how} | {count:,} | {size / 1e6:,.0f} | {peak / 1e6:,.0f} | {peak / size:.2f} "
                f"| {result['seconds']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
