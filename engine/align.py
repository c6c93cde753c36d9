"""Hits to segments: chain matching positions that lie on one diagonal (a constant offset).

A hit says "query position q looks like library position m". A copied stretch shows up as many hits
with nearly the same offset m - q, close together in q. Chaining tolerates small drifts (insertions
and deletions in text, frame jitter in time media) and gaps (typos, overlays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Run:
    q_start: float
    q_end: float
    m_start: float
    m_end: float
    hits: int
    last_offset: float
    # Indices (into the arrays given to chain_hits) of the hits in this run.
    members: list[int]
    # Library seconds per query second of the line the run lies on (hough_runs).
    scale: float = 1.0

    def extend(self, q: float, m: float, index: int) -> None:
        self.q_end = max(self.q_end, q)
        self.m_end = max(self.m_end, m)
        self.hits += 1
        self.last_offset = m - q
        self.members.append(index)


def chain_hits(q: np.ndarray, m: np.ndarray, *, max_gap: float, max_drift: float, min_hits: int) -> list[Run]:
    """Group hits (q[i], m[i]) into diagonal runs; return runs with at least `min_hits` hits."""
    if len(q) == 0:
        return []
    order = np.lexsort((m, q))
    q_sorted, m_sorted = q[order].tolist(), m[order].tolist()
    active: list[Run] = []
    done: list[Run] = []
    for index, qi, mi in zip(order.tolist(), q_sorted, m_sorted, strict=True):
        offset = mi - qi
        still_active = []
        best: Run | None = None
        for run in active:
            if qi - run.q_end > max_gap:
                done.append(run)
                continue
            still_active.append(run)
            drift = abs(offset - run.last_offset)
            if drift <= max_drift and mi >= run.m_end - max_drift:
                if best is None or drift < abs(offset - best.last_offset):
                    best = run
        active = still_active
        if best is not None:
            best.extend(qi, mi, index)
        else:
            active.append(Run(qi, qi, mi, mi, 1, offset, [index]))
    done.extend(active)
    runs = [run for run in done if run.hits >= min_hits]
    runs.sort(key=lambda run: (run.q_start, run.m_start))
    return runs


# Time scales tried by `hough_runs`: library seconds per query second (speed changes up to ±10%).
SPEED_SCALES = (0.9, 0.93, 0.96, 1.0, 1.04, 1.07, 1.1)


def hough_runs(
    q: np.ndarray,
    m: np.ndarray,
    weight: np.ndarray,
    *,
    scales: tuple[float, ...] = SPEED_SCALES,
    bin_width: float,
    tolerance: float,
    max_gap: float,
    min_frames: int,
    max_runs: int = 20,
) -> list[Run]:
    """Copied stretches as lines m = scale * q + offset found by voting.

    Each hit votes (with its weight) for the offset it implies under each scale; the strongest
    (scale, offset) line takes the hits within `tolerance` of it, which split into runs wherever the
    query side has a gap over `max_gap`. Repeated until no line has enough support, so a query holding
    several copied passages yields several runs (each query frame serves one line). Unlike chaining, a line
    cannot wander: hits that agree only locally (similar-looking shots elsewhere) do not form runs.
    """
    runs: list[Run] = []
    remaining = np.arange(len(q))
    for _ in range(max_runs):
        if len(remaining) < min_frames:
            break
        best = None
        for scale in scales:
            offsets = m[remaining] - scale * q[remaining]
            bins = np.floor(offsets / bin_width).astype(np.int64)
            low = bins.min()
            votes = np.bincount(bins - low, weights=weight[remaining])
            votes = votes + np.concatenate([[0.0], votes[:-1]])  # a line may straddle two bins
            peak = int(np.argmax(votes))
            if best is None or votes[peak] > best[0]:
                best = (votes[peak], scale, (peak + low) * bin_width)
        support, scale, offset = best
        if support < min_frames * 0.5:
            break
        residual = m[remaining] - scale * q[remaining] - offset
        near = np.abs(residual) <= tolerance + bin_width
        if not near.any():
            break
        offset = offset + float(np.median(residual[near]))
        inliers = remaining[np.abs(m[remaining] - scale * q[remaining] - offset) <= tolerance]
        if len(inliers) == 0:
            remaining = remaining[~near]
            continue
        order = inliers[np.argsort(q[inliers], kind="stable")]
        breaks = np.nonzero(np.diff(q[order]) > max_gap)[0] + 1
        for group in np.split(order, breaks):
            if len(np.unique(q[group])) >= min_frames:
                runs.append(
                    Run(
                        float(q[group].min()),
                        float(q[group].max()),
                        # Master bounds from the fitted line: single hits may sit a tolerance off.
                        float(scale * q[group].min() + offset),
                        float(scale * q[group].max() + offset),
                        len(group),
                        offset,
                        group.tolist(),
                        scale,
                    )
                )
        # A query frame explained by this line is spent: its other hits (the same shot matching a
        # similar moment a little earlier or later) must not make shadow runs.
        remaining = remaining[~np.isin(q[remaining], q[inliers])]
    runs.sort(key=lambda run: (run.q_start, run.m_start))
    return runs
