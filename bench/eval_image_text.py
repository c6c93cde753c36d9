"""Quality and speed of the image and text fingerprinters on the shared corpus benchmark.

Usage: python -m bench.eval_image_text CORPUS_DIR [--out docs/eval/image-text-seed1234.md]

CORPUS_DIR is what bench/build_corpus.sh wrote (library/, query/, ground_truth.json). The engine is
used directly (no database): the job pipeline adds storage around it, not matching.

Image: a query counts as found when the best match is the right library item. Text: a query's truth
matches (one or two library items) are found when that item is among the matches; passages are scored
with the VCSL segment metric on (query characters) x (library characters). Negatives: a false alarm is
any match at all.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path
from statistics import median

from bench.metrics import (
    boundary_errors,
    expected_boxes,
    med,
    predicted_boxes,
    query_pairs,
    search_timed,
    segment_scores,
)
from engine.base import MediaInput
from engine.image.fingerprinter import ImageFingerprinter
from engine.text.fingerprinter import TextFingerprinter


def _load(corpus: Path) -> dict:
    return json.loads((corpus / "ground_truth.json").read_text())


def evaluate_images(corpus: Path, truth: dict) -> dict:
    fingerprinter = ImageFingerprinter()
    index = fingerprinter.new_index()
    extract_s = []
    for item in truth["library"]:
        if item["modality"] != "image":
            continue
        started = time.perf_counter()
        fingerprint = fingerprinter.extract(MediaInput(path=corpus / item["path"]))
        extract_s.append(time.perf_counter() - started)
        index.add(item["id"], fingerprint)
    per_op: dict[str, list[bool]] = defaultdict(list)
    found = positives = false_alarms = negatives = wrong = 0
    search_s, similarities_true, similarities_false = [], [], []
    for query in truth["queries"]:
        if query["modality"] != "image":
            continue
        fingerprint = fingerprinter.extract(MediaInput(path=corpus / query["path"]))
        started = time.perf_counter()
        matches = index.search(fingerprint)
        search_s.append(time.perf_counter() - started)
        if query["negative"]:
            negatives += 1
            if matches:
                false_alarms += 1
                similarities_false.append(matches[0].similarity)
            continue
        positives += 1
        expected = query["matches"][0]["library_id"]
        ok = bool(matches) and matches[0].key == expected
        wrong += bool(matches) and not ok
        found += ok
        if ok:
            similarities_true.append(matches[0].similarity)
        for op in {t["op"] for t in query["transforms"] if t["op"] != "save"}:
            per_op[op].append(ok)
    return {
        "library": len(extract_s),
        "positives": positives,
        "negatives": negatives,
        "recall": found / positives,
        "wrong_item": wrong,
        "false_alarm_rate": false_alarms / negatives if negatives else 0.0,
        "false_alarm_max_similarity": max(similarities_false, default=None),
        "median_similarity_found": med(similarities_true),
        "per_op": {op: (sum(v) / len(v), len(v)) for op, v in sorted(per_op.items())},
        "extract_ms_median": 1000 * median(extract_s),
        "search_ms_median": 1000 * median(search_s),
    }


def evaluate_texts(corpus: Path, truth: dict) -> dict:
    fingerprinter = TextFingerprinter()
    index = fingerprinter.new_index()
    extract_s = []
    for item in truth["library"]:
        if item["modality"] != "text":
            continue
        text = (corpus / item["path"]).read_text(encoding="utf-8")
        started = time.perf_counter()
        index.add(item["id"], fingerprinter.from_text(text))
        extract_s.append((time.perf_counter() - started) / max(1, len(text)) * 1e6)
    pairs_all, pairs_by_op = [], defaultdict(list)
    found_by_op: dict[str, list[bool]] = defaultdict(list)
    found = truths = false_alarms = negatives = refused = 0
    search_s = []
    for query in truth["queries"]:
        if query["modality"] != "text":
            continue
        text = (corpus / query["path"]).read_text(encoding="utf-8")
        matches, was_refused = search_timed(index, lambda text=text: fingerprinter.from_text(text), search_s)
        refused += was_refused
        predicted = predicted_boxes(matches, "text")
        expected = expected_boxes(query)
        pairs = query_pairs(predicted, expected)
        if query["negative"]:
            negatives += 1
            false_alarms += bool(matches)
        else:
            ops = {t["op"] for t in query["transforms"]}
            for key in expected:
                truths += 1
                found += key in predicted
                for op in ops:
                    found_by_op[op].append(key in predicted)
            for op in ops:
                pairs_by_op[op].extend(pairs)
        pairs_all.extend(pairs)
    overall = segment_scores(pairs_all)
    return {
        "library": len(extract_s),
        "truth_matches": truths,
        "negatives": negatives,
        "refused_queries": refused,
        "item_recall": found / truths,
        "false_alarm_rate": false_alarms / negatives if negatives else 0.0,
        "segment": overall,
        "boundary_error_median_chars": med(boundary_errors(pairs_all)),
        "per_op": {
            op: (sum(v) / len(v), segment_scores(pairs_by_op[op]).f1, len(v))
            for op, v in sorted(found_by_op.items())
        },
        "extract_us_per_char": median(extract_s),
        "search_ms_median": 1000 * median(search_s),
    }


def render(corpus: Path, truth: dict, image: dict, text: dict) -> str:
    seed = truth.get("seed")
    lines = [
        f"# Image and text fingerprints on the shared corpus (seed {seed})",
        "",
        f"Generated by `python -m bench.eval_image_text {corpus.name}` on {platform.node() or 'a machine'}, "
        f"Python {platform.python_version()}, one process. Corpus: `../shared/corpus/build_corpus.py "
        f"--seed {seed} --modalities image,text` (via `bench/build_corpus.sh`).",
        "",
        "## Image",
        "",
        f"{image['library']} library images, {image['positives']} transformed copies, "
        f"{image['negatives']} negatives (other images, also transformed).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| recall (best match is the right item) | {image['recall']:.3f} |",
        f"| copies whose best match was a wrong item | {image['wrong_item']} |",
        f"| false alarms on negatives | {image['false_alarm_rate']:.3f} "
        f"(highest similarity of a false alarm: {image['false_alarm_max_similarity']}) |",
        f"| median similarity of found copies | {image['median_similarity_found']:.2f} |",
        f"| fingerprint time per image (median, decode included) | {image['extract_ms_median']:.1f} ms |",
        f"| search time per query (median, {image['library']}-item library) "
        f"| {image['search_ms_median']:.1f} ms |",
        "",
        "Recall by transformation (a query usually combines 2-3 of them, so each row includes the others):",
        "",
        "| transformation | recall | queries |",
        "|---|---|---|",
    ]
    lines += [f"| {op} | {r:.3f} | {n} |" for op, (r, n) in image["per_op"].items()]
    seg = text["segment"]
    lines += [
        "",
        "## Text",
        "",
        f"{text['library']} library texts, {text['truth_matches']} copied passages in the queries, "
        f"{text['negatives']} negative queries.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| passage recall (the right item is matched) | {text['item_recall']:.3f} |",
        "| segment precision / recall / F1 (VCSL metric, characters) "
        f"| {seg.precision:.3f} / {seg.recall:.3f} / {seg.f1:.3f} |",
        f"| median boundary error (library side) | {text['boundary_error_median_chars']:.0f} characters |",
        f"| false alarms on negatives | {text['false_alarm_rate']:.3f} |",
        f"| queries refused (fewer than 5 words) | {text['refused_queries']} |",
        f"| fingerprint time | {text['extract_us_per_char']:.2f} µs per character |",
        f"| search time per query (median) | {text['search_ms_median']:.1f} ms |",
        "",
        "| transformation | passage recall | segment F1 | passages |",
        "|---|---|---|---|",
    ]
    lines += [f"| {op} | {r:.3f} | {f1:.3f} | {n} |" for op, (r, f1, n) in text["per_op"].items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    truth = _load(args.corpus)
    image = evaluate_images(args.corpus, truth)
    text = evaluate_texts(args.corpus, truth)
    report = render(args.corpus, truth, image, text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
