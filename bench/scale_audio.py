"""Audio search latency and index memory as the library grows to 100 and 1,000 hours.

Usage: python -m bench.scale_audio BENCH_DIR [HOURS ...]   (default 100 1000)

The library is the benchmark's 96 real tracks (7.6 h). Distractors that must not match are made from
them, as the issue allows: each track time-reversed, at speeds 1.0, 0.9 and 1.1 (re-pitched), and
fingerprinted for real (about 23 h). Beyond that, copies of those fingerprints are added with every
code XORed with a fixed random 16-bit mask per copy: the same code statistics, runs and key spread as
real audio, but content that matches nothing. Queries: the benchmark's 10 s positive queries in four
conditions (clean, white noise 0 dB, mp3 32k, speed +5%), fingerprinted from their files; latency is
fingerprinting (decode included) plus search, and the search alone is reported too. One process,
one run; index memory is AudioIndex.memory_bytes().
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
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


def main() -> None:
    bench = Path(sys.argv[1])
    targets = [float(h) for h in sys.argv[2:]] or [100.0, 1000.0]
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
        "| library hours | items | index MB | MB per hour | top-1 right | fingerprint+search p50 / p95 ms "
        "| search alone p50 / p95 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(1)
    for hours in targets:
        index = fingerprinter.new_index()
        seconds = 0.0
        for key, fingerprint in library.items():
            index.add(key, fingerprint)
            seconds += float(unpack_arrays(fingerprint)["duration"])
        copy = 0
        while seconds < hours * 3600:
            mask = np.uint16(0 if copy == 0 else rng.integers(1, 1 << 16))
            for number, arrays in enumerate(extra):
                if seconds >= hours * 3600:
                    break
                data = pack_arrays(
                    codes=arrays["codes"] ^ mask, level=arrays["level"], duration=arrays["duration"]
                )
                index.add(
                    f"distractor-{copy}-{number}",
                    Fingerprint(fingerprinter.name, fingerprinter.version, data),
                )
                seconds += float(arrays["duration"])
            copy += 1
        total, alone, right = [], [], 0
        for query in queries:
            began = time.perf_counter()
            fingerprint = fingerprinter.extract(MediaInput(path=bench / query["path"]))
            searched = time.perf_counter()
            matches = index.search(fingerprint, limit=5)
            done = time.perf_counter()
            total.append(done - began)
            alone.append(done - searched)
            right += bool(matches) and matches[0].key == query["item"]
        megabytes = index.memory_bytes() / 1e6

        def p(values, q):
            return 1000 * float(np.percentile(values, q))

        print(
            f"| {seconds / 3600:.0f} | {len(index)} | {megabytes:.0f} | {megabytes / (seconds / 3600):.2f} "
            f"| {right}/{len(queries)} | {statistics.median(total) * 1000:.0f} / {p(total, 95):.0f} "
            f"| {statistics.median(alone) * 1000:.0f} / {p(alone, 95):.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
