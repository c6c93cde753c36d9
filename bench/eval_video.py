"""Video copy detection quality on a benchmark in the shared corpus format (ground_truth.json).

Usage: python -m bench.eval_video BENCH_DIR [--out docs/eval/video-....md] [--cache DIR]

With --cache, each file's fingerprint is kept in DIR (keyed by its path, size, modification time and
the fingerprinter's version) and read back on later runs: index changes are then measured in seconds.

Scores: the VCSL segment metric (bench/metrics.py) over (query seconds) x (library seconds) boxes;
recall per transformation = share of the truth pairs of queries with that edit whose segment recall is
at least 0.5; video-level false rejection (a truth pair with no predicted segment) and false alarm
(a negative query with any match) rates; median boundary error in seconds (library side).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from collections import defaultdict
from pathlib import Path
from statistics import median

from bench.metrics import (
    boundary_errors,
    expected_boxes,
    med,
    pair_scores,
    predicted_boxes,
    query_pairs,
    search_timed,
    segment_scores,
)
from engine.base import Fingerprint, MediaError, MediaInput
from engine.video.fingerprinter import VideoFingerprinter


def cached_extract(fingerprinter: VideoFingerprinter, path: Path, cache: Path | None) -> Fingerprint:
    """The file's fingerprint, from `cache` when it was made before by this fingerprinter version."""
    if cache is None:
        return fingerprinter.extract(MediaInput(path=path))
    status = path.stat()
    name = f"{path.resolve()} {status.st_size} {status.st_mtime_ns} {fingerprinter.version}"
    stem = cache / hashlib.sha256(name.encode()).hexdigest()[:32]
    if stem.with_suffix(".json").is_file():
        meta = json.loads(stem.with_suffix(".json").read_text())
        if "refused" in meta:
            raise MediaError(meta["refused"], meta["code"])
        data = stem.with_suffix(".npz").read_bytes()
        return Fingerprint(fingerprinter.name, fingerprinter.version, data, meta)
    cache.mkdir(parents=True, exist_ok=True)
    try:
        fingerprint = fingerprinter.extract(MediaInput(path=path))
    except MediaError as exc:
        stem.with_suffix(".json").write_text(json.dumps({"refused": exc.message, "code": exc.code}))
        raise
    stem.with_suffix(".npz").write_bytes(fingerprint.data)
    stem.with_suffix(".json").write_text(json.dumps(fingerprint.meta))
    return fingerprint


def library_index(bench: Path, truth: dict, cache: Path | None = None) -> tuple:
    """(index of the benchmark's library videos, their hours)."""
    fingerprinter = VideoFingerprinter()
    index = fingerprinter.new_index()
    library_seconds = 0.0
    for item in truth["library"]:
        if item["modality"] != "video":
            continue
        fingerprint = cached_extract(fingerprinter, bench / item["path"], cache)
        library_seconds += fingerprint.meta["duration"]
        index.add(item["id"], fingerprint)
    return index, library_seconds / 3600


def evaluate(bench: Path, truth: dict, cache: Path | None = None, index=None) -> dict:
    """Scores of the benchmark's queries searched in `index` (an object with search(fingerprint)),
    by default an index of the benchmark's own library."""
    fingerprinter = VideoFingerprinter()
    library_hours = None
    if index is None:
        index, library_hours = library_index(bench, truth, cache)
    pairs_all = []
    recall_by_op: dict[str, list[bool]] = defaultdict(list)
    false_alarms = negatives = rejected = truths = errors = 0
    search_s = []
    for query in truth["queries"]:
        if query["modality"] != "video":
            continue
        path = bench / query["path"]
        matches, unreadable = search_timed(
            index,
            lambda path=path: cached_extract(fingerprinter, path, cache),
            search_s,
        )
        errors += unreadable
        predicted = predicted_boxes(matches, "video")
        expected = expected_boxes(query)
        if query["negative"]:
            negatives += 1
            false_alarms += bool(matches)
        pairs = query_pairs(predicted, expected)
        pairs_all.extend(pairs)
        ops = {t["op"] for t in query["transforms"] if t["op"] not in ("normalize",)} or {"excerpt_only"}
        for key, boxes in expected.items():
            truths += 1
            rejected += key not in predicted
            _, recall = pair_scores(predicted.get(key, []), boxes)
            found = (recall or 0.0) >= 0.5
            for op in ops:
                recall_by_op[op].append(found)
            if len(ops) >= 2:
                # Issue #3 sets a goal for combinations of two edits as a group.
                recall_by_op["(two or more edits combined)"].append(found)
    scores = segment_scores(pairs_all)
    return {
        "library_items": len(index),
        "library_hours": library_hours,
        "queries": sum(1 for q in truth["queries"] if q["modality"] == "video"),
        "negatives": negatives,
        "truth_pairs": truths,
        "segment": scores,
        "false_rejection_rate": rejected / truths if truths else 0.0,
        "false_alarm_rate": false_alarms / negatives if negatives else 0.0,
        "boundary_error_s": med(boundary_errors(pairs_all)),
        "recall_by_op": {op: (sum(v) / len(v), len(v)) for op, v in sorted(recall_by_op.items())},
        "search_ms_median": 1000 * median(search_s) if search_s else float("nan"),
        "unreadable_queries": errors,
    }


def render(name: str, result: dict, note: str) -> str:
    seg = result["segment"]
    lines = [
        f"# Video copy detection: {name}",
        "",
        f"Generated by `python -m bench.eval_video` on Python {platform.python_version()}. {note}",
        "",
        f"{result['library_items']} library videos ({result['library_hours']:.2f} h), "
        f"{result['queries']} queries "
        f"({result['negatives']} negative), {result['truth_pairs']} copied query-library pairs.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| segment F1 / precision / recall (VCSL) | {seg.f1:.3f} / {seg.precision:.3f} / {seg.recall:.3f} |",
        f"| video-level false rejection rate | {result['false_rejection_rate']:.3f} |",
        f"| false alarms on negative queries | {result['false_alarm_rate']:.3f} |",
        f"| median boundary error (library side) | {result['boundary_error_s']:.2f} s |",
        f"| search time per query (median) | {result['search_ms_median']:.1f} ms |",
        f"| unreadable queries | {result['unreadable_queries']} |",
        "",
        "Recall by transformation (share of copied pairs found with segment recall >= 0.5):",
        "",
        "| transformation | recall | pairs |",
        "|---|---|---|",
    ]
    lines += [f"| {op} | {r:.3f} | {n} |" for op, (r, n) in result["recall_by_op"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("bench", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--name", default="")
    parser.add_argument("--note", default="")
    parser.add_argument("--cache", type=Path, help="keep fingerprints here and reuse them")
    args = parser.parse_args(argv)
    truth = json.loads((args.bench / "ground_truth.json").read_text())
    result = evaluate(args.bench, truth, args.cache)
    report = render(args.name or args.bench.name, result, args.note)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
