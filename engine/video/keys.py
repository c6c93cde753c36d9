"""Where a video library's frame hashes are kept, and how a query finds seeds among them.

Every library hash is kept in one growing array (Rows), so a global row number finds it directly, and
is also filed under its most robust bits (the lowest DCT frequencies first) in sorted runs (SeedKeys).
A query hash looks up its own key and the keys one flipped bit away; the key is as long as the library
is big (about log2 of its size), so a lookup returns a handful of rows whatever the library's size and
costs a binary search: query time grows with the logarithm of the library, not with it.
"""

from __future__ import annotations

import numpy as np

from engine.sorted_runs import SortedRuns
from engine.video.frames import FIRST_GRID_COLUMN

# Hash bits ordered from the lowest DCT frequency (most robust) up. Bit i of a hash (counted from the
# most significant) is coefficient (i // 8 + 1, i % 8 + 1).
_BIT_ORDER = sorted(range(64), key=lambda i: (i // 8 + i % 8, i))
KEY_BITS = 32
# Crop-grid hashes are filed for seeding once per this many sampled frames (once a second).
GRID_KEY_EVERY = 5


def robust_order(codes: np.ndarray) -> np.ndarray:
    """Each hash with its bits reordered, most robust first: its leading bits are then a key, and
    Hamming distances between reordered hashes are those between the hashes."""
    as_bytes = np.ascontiguousarray(codes, dtype=">u8").view(np.uint8).reshape(-1, 8)
    bits = np.unpackbits(as_bytes, axis=1)[:, _BIT_ORDER]
    packed = np.ascontiguousarray(np.packbits(bits, axis=1))
    return packed.view(">u8").reshape(np.shape(codes)).astype(np.uint64)


def robust_key(codes: np.ndarray) -> np.ndarray:
    """The KEY_BITS most robust bits of each hash, most robust first, as uint32."""
    return (robust_order(codes) >> np.uint64(64 - KEY_BITS)).astype(np.uint32)


class Rows:
    """All library hashes in one growing array, so a global row number finds its hash directly."""

    def __init__(self) -> None:
        self._codes = np.zeros(1024, np.uint64)
        self.size = 0

    def append(self, codes: np.ndarray) -> int:
        base = self.size
        if base + len(codes) > len(self._codes):
            grown = np.zeros(max(2 * len(self._codes), base + len(codes)), np.uint64)
            grown[:base] = self._codes[:base]
            self._codes = grown
        self._codes[base : base + len(codes)] = codes
        self.size += len(codes)
        return base

    @classmethod
    def from_array(cls, codes: np.ndarray) -> Rows:
        rows = cls.__new__(cls)
        rows._codes, rows.size = codes, len(codes)
        return rows

    def __getitem__(self, rows) -> np.ndarray:
        return self._codes[rows]

    def nbytes(self) -> int:
        return self.size * 8


class SeedKeys(SortedRuns):
    """(hash in robust bit order, row) pairs in sorted runs (engine/sorted_runs.py)."""

    def __init__(self) -> None:
        super().__init__(key_dtype=np.uint64)

    def add_codes(self, codes: np.ndarray, base: int) -> None:
        """File `codes` (a video's hashes, frame by frame) under their keys. Crop-grid parts are
        filed for every GRID_KEY_EVERY-th frame only: a copy needs a few seeds, not one per frame,
        and the grid is most of the hashes (verification still compares all of them)."""
        frames, variants = codes.shape
        filed = np.ones(codes.shape, bool)
        filed[:, FIRST_GRID_COLUMN:] = (np.arange(frames) % GRID_KEY_EVERY == 0)[:, None]
        at = np.flatnonzero(filed)
        # The run holds the reordered hashes themselves, sorted: a lookup reads its candidates'
        # hashes where it found them instead of gathering them from all over the rows (at 1,000
        # hours that gather was most of the query time).
        self.add(robust_order(codes.reshape(-1)[at]), base + at)

    def seeds(
        self, ordered: np.ndarray, bits: int, max_bits: int, max_rows_per_key: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows within `max_bits` of each query hash (`ordered`: hashes in robust bit order), found
        under the hash's leading `bits` bits and every key one flipped bit away: (index into
        `ordered`, row, distance) per seed. Keys shared by more than `max_rows_per_key` rows (a
        common dark or flat picture) are not used."""
        shift = np.uint64(64 - bits)
        flips = np.concatenate([[0], np.left_shift(1, np.arange(bits))]).astype(np.uint64)
        probes = ((ordered >> shift)[:, None] ^ flips[None, :]).reshape(-1)
        # In key order: numpy's binary search narrows each search from the last one, so sorted
        # probes touch far less memory than random ones (4x faster on a 70M-key run).
        order = np.argsort(probes, kind="stable")
        probes = probes[order]
        probe_owner = np.repeat(np.arange(len(ordered)), len(flips))[order]
        low = probes << shift
        high = low | ((np.uint64(1) << shift) - np.uint64(1))
        owners, found, distances = [], [], []
        for keys, rows in self.runs:
            lo = np.searchsorted(keys, low, side="left")
            hi = np.searchsorted(keys, high, side="right")
            counts = hi - lo
            counts[counts > max_rows_per_key] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
            owner = probe_owner[np.repeat(np.arange(len(probes)), counts)]
            distance = np.bitwise_count(keys[at] ^ ordered[owner])
            close = distance <= max_bits
            owners.append(owner[close])
            found.append(rows[at][close].astype(np.int64))
            distances.append(distance[close])
        if not found:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        return np.concatenate(owners), np.concatenate(found), np.concatenate(distances)
