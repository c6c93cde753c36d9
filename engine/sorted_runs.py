"""An append-only multimap from integer keys to row numbers, kept as a few sorted runs.

Runs merge like a binary counter: adding an item sorts only its own keys, and every key is re-sorted
O(log n) times over the life of the index. Lookups binary-search each run; removed rows are filtered
by the caller (the index rebuilds when too many are dead).
"""

from __future__ import annotations

import numpy as np


class SortedRuns:
    def __init__(self, key_dtype=np.uint32) -> None:
        self.key_dtype = key_dtype
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.size = 0

    def add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order].astype(self.key_dtype), rows[order].astype(np.uint32)))
        self.size += len(keys)
        while len(self.runs) > 1 and len(self.runs[-1][0]) * 2 >= len(self.runs[-2][0]):
            (keys_a, rows_a), (keys_b, rows_b) = self.runs[-2], self.runs.pop()
            keys = np.concatenate([keys_a, keys_b])
            rows = np.concatenate([rows_a, rows_b])
            order = np.argsort(keys, kind="stable")
            self.runs[-1] = (keys[order], rows[order])

    @classmethod
    def from_run(cls, keys: np.ndarray, rows: np.ndarray) -> SortedRuns:
        """Runs over one already sorted run (as merged() made it), used in place."""
        runs = cls.__new__(cls)
        runs.key_dtype = keys.dtype
        runs.runs = [(keys, rows)] if len(keys) else []
        runs.size = len(keys)
        return runs

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        """All runs as one sorted run (keys, rows)."""
        if len(self.runs) == 1:
            return self.runs[0]
        if not self.runs:
            return np.zeros(0, self.key_dtype), np.zeros(0, np.uint32)
        keys = np.concatenate([k for k, _ in self.runs])
        rows = np.concatenate([r for _, r in self.runs])
        order = np.argsort(keys, kind="stable")
        return keys[order], rows[order]

    def lookup(self, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe index, row) for every stored key equal to a probe."""
        probe_at, rows, _ = self.lookup_prefix(probes, 0)
        return probe_at, rows

    def lookup_prefix(self, probes: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probe index, row, stored key) for every stored key whose bits above `shift` equal a probe
        (shift 0: keys equal to a probe)."""
        probe_at, rows, keys_found = [], [], []
        order = np.argsort(probes, kind="stable")  # sorted probes walk each run in order: cache-friendly
        low = probes[order].astype(np.int64) << shift
        for keys, run_rows in self.runs:
            start = np.searchsorted(keys, low.astype(self.key_dtype), side="left")
            stop = np.searchsorted(keys, (low + ((1 << shift) - 1)).astype(self.key_dtype), side="right")
            counts = stop - start
            hit = np.flatnonzero(counts)
            if len(hit) == 0:
                continue
            counts = counts[hit]
            positions = _spans(start[hit], counts)
            probe_at.append(np.repeat(order[hit], counts))
            rows.append(run_rows[positions])
            keys_found.append(keys[positions])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, self.key_dtype)
        return np.concatenate(probe_at), np.concatenate(rows), np.concatenate(keys_found)

    def nbytes(self) -> int:
        return sum(keys.nbytes + rows.nbytes for keys, rows in self.runs)


class KeyDirectory:
    """One sorted run of small integer keys (below 2**bits) as a directory: where each key's rows
    start, so a lookup is two reads per probe instead of a binary search. Worth it for big segments:
    the directory costs 4 bytes per possible key, the keys themselves are not kept. Each row may
    carry a tag (a few bits of the key beyond the directory's, one byte), returned with it."""

    def __init__(self, starts: np.ndarray, rows: np.ndarray, tags: np.ndarray | None = None) -> None:
        self.starts, self.rows, self.tags = starts, rows, tags
        self.size = len(rows)

    @classmethod
    def build(
        cls, keys: np.ndarray, rows: np.ndarray, bits: int, tags: np.ndarray | None = None
    ) -> KeyDirectory:
        """From a sorted run (keys ascending)."""
        starts = np.searchsorted(keys, np.arange((1 << bits) + 1, dtype=np.int64)).astype(np.uint32)
        return cls(starts, rows, tags)

    def lookup(self, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe index, row) for every stored key equal to a probe (probes below 2**bits)."""
        hit, positions = self.positions(probes)
        return hit, self.rows[positions]

    def positions(self, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe index, position in rows and tags) for every stored key equal to a probe."""
        hit, counts, positions = self.spans(probes)
        return np.repeat(hit, counts), positions

    def spans(self, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The probes with stored keys (their indexes), how many rows each has, and the positions of
        those rows (and tags), probe after probe."""
        start = self.starts[probes].astype(np.int64)
        counts = self.starts[probes + 1].astype(np.int64) - start
        hit = np.flatnonzero(counts)
        counts = counts[hit]
        return hit, counts, _spans(start[hit], counts)

    def nbytes(self) -> int:
        return self.starts.nbytes + self.rows.nbytes + (0 if self.tags is None else self.tags.nbytes)


def _spans(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """start .. start + count - 1 for every (start, count), concatenated."""
    firsts = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return firsts + np.arange(int(counts.sum()))
