"""Run DNA Portal's audio engine over an audio benchmark and score it with the shared harness.

    python -m bench.eval_audio BENCH_DIR [--limit N] [--conditions clean wn0 ...]

BENCH_DIR is what bench/make_audio_queries.py made (corpus.csv, queries.csv). The library items are
fingerprinted (cached under BENCH_DIR/../audio-fingerprints/v<version>/), indexed, and every query
is fingerprinted and searched from its file, decode included; latency_s is that time. The top match's
offset is the library time its line puts at the query's first sample. Writes BENCH_DIR/portal.pred.csv
and runs ../shared/corpus/audio-bench/score.py on it.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from engine.audio.fingerprinter import AudioFingerprinter
from engine.base import Fingerprint, MediaInput

SCORER = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "audio-bench" / "score.py"


def library_fingerprints(bench: Path, fingerprinter: AudioFingerprinter) -> dict[str, Fingerprint]:
    cache = bench.resolve().parent / "audio-fingerprints" / f"v{fingerprinter.version}"
    cache.mkdir(parents=True, exist_ok=True)
    found = {}
    with open(bench / "corpus.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["role"] == "library"]
    for row in rows:
        stored = cache / f"{row['id']}.npz"
        if not stored.exists():
            fingerprint = fingerprinter.extract(MediaInput(path=bench / row["path"]), query=False)
            stored.with_suffix(".part").write_bytes(fingerprint.data)
            os.replace(stored.with_suffix(".part"), stored)
        found[row["id"]] = Fingerprint(fingerprinter.name, fingerprinter.version, stored.read_bytes())
    return found


def predict(bench: Path, queries: list[dict], index, fingerprinter) -> list[dict]:
    rows = []
    for number, query in enumerate(queries):
        began = time.perf_counter()
        matches = index.search(fingerprinter.extract(MediaInput(path=bench / query["path"])), limit=5)
        latency = time.perf_counter() - began
        row = {
            "qid": query["qid"],
            "pred_item": "",
            "pred_offset_s": "",
            "score": "",
            "latency_s": f"{latency:.4f}",
            "seconds": "",
            "similarity": "",
        }
        if matches:
            best = matches[0]
            segment = max(best.segments["audio"], key=lambda s: (s.similarity, s.end - s.start))
            scale = (segment.library_end - segment.library_start) / max(segment.end - segment.start, 1e-9)
            row.update(
                pred_item=best.key,
                pred_offset_s=f"{segment.library_start - scale * segment.start:.3f}",
                # Evidence: similarity x seconds, what the engine's own threshold is on.
                score=f"{segment.similarity * (segment.end - segment.start):.4f}",
                seconds=f"{segment.end - segment.start:.2f}",
                similarity=f"{segment.similarity:.4f}",
            )
        rows.append(row)
        if number % 200 == 0:
            print(f"{number}/{len(queries)} queries", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--limit", type=int, help="every n-th query only (quick looks)")
    parser.add_argument("--conditions", nargs="*")
    parser.add_argument("--out", type=Path, help="also write the scorer's report here")
    args = parser.parse_args()
    fingerprinter = AudioFingerprinter()
    index = fingerprinter.new_index()
    for key, fingerprint in library_fingerprints(args.bench_dir, fingerprinter).items():
        index.add(key, fingerprint)
    with open(args.bench_dir / "queries.csv", newline="") as handle:
        queries = list(csv.DictReader(handle))
    if args.conditions:
        queries = [q for q in queries if q["cond"] in args.conditions]
    if args.limit:
        queries = queries[:: args.limit]
    rows = predict(args.bench_dir, queries, index, fingerprinter)
    pred = args.bench_dir / "portal.pred.csv"
    with open(pred, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    env = dict(os.environ, BENCH_DIR=str(args.bench_dir.resolve()))
    report = subprocess.run(
        [sys.executable, str(SCORER), "--pred", str(pred.resolve())], env=env, capture_output=True, text=True
    )
    print(report.stdout + report.stderr)
    if args.out:
        args.out.write_text(report.stdout)


if __name__ == "__main__":
    main()
