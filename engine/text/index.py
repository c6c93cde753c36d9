"""The text index: every library text's shingles in sorted runs, looked up by binary search; hits on
one diagonal (a constant offset) are chained into copied passages (engine/align.py)."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from engine.align import chain_hits
from engine.base import Fingerprint, Hit, Index, Segment, unpack_arrays
from engine.text.shingles import SHINGLE_WORDS


class TextIndex(Index):
    # Shingles found in more places than this are boilerplate (licences, stock phrases): no evidence.
    MAX_POSTINGS = 64
    # A copied passage needs this many shared shingles on one diagonal (>= 8 words in a row).
    MIN_HITS = 4
    MAX_GAP_WORDS = 12
    MAX_DRIFT_WORDS = 3
    MERGE_RUNS = 4

    def __init__(self) -> None:
        self._keys: list[Hashable] = []
        self._slot_of: dict[Hashable, int] = {}
        self._offsets: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self._slot_of)

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        if key in self._slot_of:
            self.remove(key)
        arrays = unpack_arrays(fingerprint)
        slot = len(self._keys)
        self._keys.append(key)
        self._slot_of[key] = slot
        self._offsets[slot] = (arrays["starts"], arrays["ends"])
        shingles = arrays["shingles"]
        positions = np.arange(len(shingles), dtype=np.int32)
        self._pending.append((shingles, np.full(len(shingles), slot, np.int32), positions))

    def remove(self, key: Hashable) -> None:
        slot = self._slot_of.pop(key, None)
        if slot is not None:
            self._offsets.pop(slot, None)

    def _sorted_runs(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        # Log-structured: new items form a small sorted run; runs merge when there are too many.
        if self._pending:
            self._runs.append(self._sort(self._pending))
            self._pending = []
        if len(self._runs) > self.MERGE_RUNS:
            self._runs = [self._sort(self._runs)]
        return self._runs

    def _sort(self, parts):
        hashes = np.concatenate([p[0] for p in parts])
        slots = np.concatenate([p[1] for p in parts])
        positions = np.concatenate([p[2] for p in parts])
        keep = np.isin(slots, np.fromiter(self._offsets.keys(), np.int32, len(self._offsets)))
        hashes, slots, positions = hashes[keep], slots[keep], positions[keep]
        order = np.argsort(hashes, kind="stable")
        return hashes[order], slots[order], positions[order]

    def _hits(self, shingles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        q_parts, s_parts, m_parts = [], [], []
        query_positions = np.arange(len(shingles), dtype=np.int64)
        for hashes, slots, positions in self._sorted_runs():
            lo = np.searchsorted(hashes, shingles, "left")
            hi = np.searchsorted(hashes, shingles, "right")
            counts = hi - lo
            counts[counts > self.MAX_POSTINGS] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            starts = np.repeat(lo, counts)
            within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
            index = starts + within
            q_parts.append(np.repeat(query_positions, counts))
            s_parts.append(slots[index])
            m_parts.append(positions[index])
        if not q_parts:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        return np.concatenate(q_parts), np.concatenate(s_parts), np.concatenate(m_parts)

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        query = unpack_arrays(fingerprint)
        shingles, q_starts, q_ends = query["shingles"], query["starts"], query["ends"]
        if not self._slot_of or len(shingles) == 0:
            return []
        q_hits, slot_hits, m_hits = self._hits(shingles)
        k = SHINGLE_WORDS
        words = len(q_starts)
        matches = []
        for slot in np.unique(slot_hits):
            offsets = self._offsets.get(int(slot))
            chosen = slot_hits == slot
            if offsets is None or int(chosen.sum()) < self.MIN_HITS:
                continue
            runs = chain_hits(
                q_hits[chosen],
                m_hits[chosen],
                max_gap=self.MAX_GAP_WORDS,
                max_drift=self.MAX_DRIFT_WORDS,
                min_hits=self.MIN_HITS,
            )
            if not runs:
                continue
            m_starts, m_ends = offsets
            covered = np.zeros(words, np.float64)
            segments = []
            for run in runs:
                q0, q1 = int(run.q_start), int(run.q_end) + k - 1
                m0, m1 = int(run.m_start), int(run.m_end) + k - 1
                similarity = min(1.0, run.hits / (run.q_end - run.q_start + 1))
                covered[q0 : q1 + 1] = np.maximum(covered[q0 : q1 + 1], similarity)
                segments.append(
                    Segment(
                        float(q_starts[q0]),
                        float(q_ends[q1]),
                        float(m_starts[m0]),
                        float(m_ends[m1]),
                        round(similarity, 4),
                    )
                )
            similarity = round(float(covered.mean()), 4)
            matches.append(Hit(self._keys[int(slot)], similarity, {"text": segments}))
        matches.sort(key=lambda match: -match.similarity)
        return matches[:limit]
