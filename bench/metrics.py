"""Scoring shared by the benchmarks.

`segment_scores` is the VCSL segment metric (He et al., "A Large-scale Comprehensive Dataset and
Copy-overlap Aware Evaluation Protocol for Segment-level Video Copy Detection", CVPR 2022), as stated
in issue #3: boxes are (query start, end) x (reference start, end); a prediction hits a truth box when
their overlap has positive area; precision and recall per axis from overlap lengths, pair P = Pq x Pr,
pair R = Rq x Rr; pairs with predictions but no truth have P = 0 (and are left out of recall), pairs
with truth but no prediction have R = 0 (left out of precision). Units are whatever the boxes use
(seconds, characters).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from statistics import mean, median

Box = tuple[float, float, float, float]  # q_start, q_end, r_start, r_end


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _hits(p: Box, g: Box) -> bool:
    return _overlap(p[0], p[1], g[0], g[1]) > 0 and _overlap(p[2], p[3], g[2], g[3]) > 0


def _axis_share(boxes: list[Box], others: list[Box], axis: int) -> float:
    """Summed overlap of each box with the boxes it hits, on one axis, over the boxes' summed length."""
    lo, hi = (0, 1) if axis == 0 else (2, 3)
    covered = total = 0.0
    for box in boxes:
        length = box[hi] - box[lo]
        total += length
        hit = sum(_overlap(box[lo], box[hi], o[lo], o[hi]) for o in others if _hits(box, o))
        covered += min(length, hit)
    return covered / total if total > 0 else 0.0


def pair_scores(predicted: list[Box], truth: list[Box]) -> tuple[float | None, float | None]:
    """(precision, recall) of one query-reference pair; None where the pair does not count."""
    precision = recall = None
    if predicted:
        precision = _axis_share(predicted, truth, 0) * _axis_share(predicted, truth, 1) if truth else 0.0
    if truth:
        recall = _axis_share(truth, predicted, 0) * _axis_share(truth, predicted, 1) if predicted else 0.0
    return precision, recall


@dataclass
class SegmentScores:
    precision: float
    recall: float
    f1: float
    pairs_predicted: int
    pairs_true: int


def segment_scores(pairs: Iterable[tuple[list[Box], list[Box]]]) -> SegmentScores:
    precisions, recalls = [], []
    for predicted, truth in pairs:
        p, r = pair_scores(predicted, truth)
        if p is not None:
            precisions.append(p)
        if r is not None:
            recalls.append(r)
    p = mean(precisions) if precisions else 0.0
    r = mean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return SegmentScores(p, r, f1, len(precisions), len(recalls))


def boundary_errors(pairs: Iterable[tuple[list[Box], list[Box]]]) -> list[float]:
    """For each truth box hit by a prediction: |start error| and |end error| on the reference axis,
    taking the hitting predictions' union extent."""
    errors = []
    for predicted, truth in pairs:
        for g in truth:
            hitting = [p for p in predicted if _hits(p, g)]
            if hitting:
                errors.append(abs(min(p[2] for p in hitting) - g[2]))
                errors.append(abs(max(p[3] for p in hitting) - g[3]))
    return errors


def med(values: list[float]) -> float:
    return median(values) if values else float("nan")


def predicted_boxes(matches, track: str) -> dict:
    """Engine matches -> {library key: [boxes]} for one segment track ("video", "text", ...)."""
    return {
        m.key: [(s.start, s.end, s.library_start, s.library_end) for s in m.segments[track]] for m in matches
    }


def expected_boxes(query: dict) -> dict:
    """A ground-truth query (corpus format) -> {library id: [boxes]}."""
    expected: dict[str, list[Box]] = defaultdict(list)
    for m in query["matches"]:
        start = m.get("query_start", 0.0)
        expected[m["library_id"]].append((start, m["query_end"], m["library_start"], m["library_end"]))
    return expected


def query_pairs(predicted: dict, expected: dict) -> list[tuple[list[Box], list[Box]]]:
    """Every (query, library item) pair that has predictions or truth."""
    pairs = [(predicted.get(key, []), boxes) for key, boxes in expected.items()]
    return pairs + [(boxes, []) for key, boxes in predicted.items() if key not in expected]


def search_timed(index, make_fingerprint: Callable, search_times: list[float]) -> tuple[list, bool]:
    """(matches, refused): fingerprint a query and search, timing the search only. A query the
    fingerprinter refuses (MediaError) has no matches."""
    from engine.base import MediaError

    try:
        fingerprint = make_fingerprint()
    except MediaError:
        return [], True
    started = time.perf_counter()
    matches = index.search(fingerprint)
    search_times.append(time.perf_counter() - started)
    return matches, False
