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

    def extend(self, q: float, m: float) -> None:
        self.q_end = max(self.q_end, q)
        self.m_end = max(self.m_end, m)
        self.hits += 1
        self.last_offset = m - q


def chain_hits(q: np.ndarray, m: np.ndarray, *, max_gap: float, max_drift: float, min_hits: int) -> list[Run]:
    """Group hits (q[i], m[i]) into diagonal runs; return runs with at least `min_hits` hits."""
    if len(q) == 0:
        return []
    order = np.lexsort((m, q))
    q_sorted, m_sorted = q[order].tolist(), m[order].tolist()
    active: list[Run] = []
    done: list[Run] = []
    for qi, mi in zip(q_sorted, m_sorted, strict=True):
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
            best.extend(qi, mi)
        else:
            active.append(Run(qi, qi, mi, mi, 1, offset))
    done.extend(active)
    runs = [run for run in done if run.hits >= min_hits]
    runs.sort(key=lambda run: (run.q_start, run.m_start))
    return runs
