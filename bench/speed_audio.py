"""Audio fingerprinting speed, decode included, against plain decoding of the same files, in one run.

Usage: taskset -c 0 python -m bench.speed_audio BENCH_DIR [--files N]

Takes the first N library files of the audio benchmark (FLAC, 44.1 kHz) and, for each, times:
- plain decoding: PyAV / FFmpeg decoding every packet, no resampling (what any player must do);
- decode + resample to 8 kHz mono: the engine's decoder path alone (engine/decode.py);
- a library fingerprint (AudioFingerprinter.extract(query=False)), decode included;
- a query fingerprint (extract(query=True): 9 band-scale variants and weak bits), decode included.
Speeds are seconds of audio per second of wall time ("x realtime"); run pinned to one core.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import av  # noqa: E402
import numpy as np  # noqa: E402

from engine.audio.codes import RATE  # noqa: E402
from engine.audio.fingerprinter import AudioFingerprinter  # noqa: E402
from engine.base import MediaInput, Need, Sink, Source  # noqa: E402
from engine.decode import Want, decode_streams  # noqa: E402


def plain_decode(path: Path) -> None:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        stream.thread_type = "NONE"
        for _ in container.decode(stream):
            pass


class _Drop(Sink):
    def feed(self, seconds, chunk) -> None:
        pass


def engine_decode(path: Path) -> None:
    decode_streams(path, [Want(Source.SOUND, _Drop(), Need.REQUIRED, RATE)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--files", type=int, default=12)
    args = parser.parse_args()
    with open(args.bench_dir / "corpus.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["role"] == "library"][: args.files]
    fingerprinter = AudioFingerprinter()
    steps = {
        "plain decode (no resampling)": plain_decode,
        "decode + resample to 8 kHz mono": engine_decode,
        "library fingerprint, decode included": lambda p: fingerprinter.extract(
            MediaInput(path=p), query=False
        ),
        "query fingerprint (9 variants), decode included": lambda p: fingerprinter.extract(
            MediaInput(path=p), query=True
        ),
    }
    spent = dict.fromkeys(steps, 0.0)
    audio_seconds = 0.0
    for row in rows:
        path = args.bench_dir / row["path"]
        audio_seconds += float(row["duration_s"])
        for name, step in steps.items():  # interleaved, so drifts in machine load hit every step alike
            began = time.process_time()
            step(path)
            spent[name] += time.process_time() - began
    print(
        f"# Audio fingerprinting speed ({len(rows)} files, {audio_seconds / 60:.1f} min of FLAC 44.1 kHz)\n"
    )
    print("CPU time on one core (`taskset -c 0`), numpy/BLAS single-threaded.\n")
    print("| step | CPU s | x realtime | time / plain decode |")
    print("|---|---|---|---|")
    base = spent["plain decode (no resampling)"]
    for name, seconds in spent.items():
        print(f"| {name} | {seconds:.2f} | {audio_seconds / seconds:.0f}x | {seconds / base:.2f} |")
    print(f"\nnumpy {np.__version__}, PyAV {av.__version__}")


if __name__ == "__main__":
    main()
