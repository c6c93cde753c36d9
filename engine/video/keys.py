"""Where a video library's frame hashes are kept, and how a query finds seeds among them.

The hashes a library keeps for verification are held in growing arrays (Grown), so a row number finds
one directly. A few of them are also filed for seeding under their most robust bits (the lowest DCT
frequencies first). A query hash looks up its own key and the keys one flipped bit away; the key is as
long as the library is big (about log2 of its size), so a lookup returns a handful of rows whatever the
library's size: query time grows with the logarithm of the library, not with it.

While an index grows, the filed hashes are kept in sorted runs (SeedKeys: the whole reordered hash and
its row, 12 bytes). A segment file keeps them packed (SeedTable): a directory of where each key's
records start, and per record only what the key does not already say (the hash's other bits) and the
row, in as few bytes as the segment's size needs (9 bytes per record at 10 to 10,000 library hours).
Both find exactly the same seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.sorted_runs import SortedRuns

# Hash bits ordered from the lowest DCT frequency (most robust) up. Bit i of a hash (counted from the
# most significant) is coefficient (i // 8 + 1, i % 8 + 1).
_BIT_ORDER = sorted(range(64), key=lambda i: (i // 8 + i % 8, i))
KEY_BITS = 32
# A seed's row is (stored frame << COLUMN_BITS) | column of the frame's hashes.
COLUMN_BITS = 5


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


class Grown:
    """A growing array of rows (each of `shape`), so a row number finds its row directly."""

    def __init__(self, shape: tuple[int, ...], dtype) -> None:
        self._data = np.zeros((1024, *shape), dtype)
        self.size = 0

    def append(self, rows: np.ndarray) -> int:
        base = self.size
        if base + len(rows) > len(self._data):
            grown = np.zeros(
                (max(2 * len(self._data), base + len(rows)), *self._data.shape[1:]), self._data.dtype
            )
            grown[:base] = self._data[:base]
            self._data = grown
        self._data[base : base + len(rows)] = rows
        self.size += len(rows)
        return base

    @classmethod
    def from_array(cls, data: np.ndarray) -> Grown:
        grown = cls.__new__(cls)
        grown._data, grown.size = data, len(data)
        return grown

    def __getitem__(self, rows) -> np.ndarray:
        return self._data[rows]

    def used(self) -> np.ndarray:
        return self._data[: self.size]


@dataclass(frozen=True)
class Probes:
    """A query's lookups under keys of `bits` bits: each query hash's key and the keys one flipped bit
    away, in key order (sorted probes read the directory and the records in order), with the query
    hash each belongs to and that hash's 32 bits after the key (`heads`); a filed hash within
    `max_bits` is a seed. Made once per query and key length: every segment of a library keyed alike
    shares them."""

    ordered: np.ndarray
    bits: int
    max_bits: int
    keys: np.ndarray
    owners: np.ndarray
    heads: np.ndarray


def probes(ordered: np.ndarray, bits: int, max_bits: int) -> Probes:
    """The probes of these query hashes (in robust bit order) under `bits`-bit keys."""
    shift = np.uint64(64 - bits)
    flips = np.concatenate([[0], np.left_shift(1, np.arange(bits))]).astype(np.uint64)
    keys = ((ordered >> shift)[:, None] ^ flips[None, :]).reshape(-1)
    order = np.argsort(keys, kind="stable")
    owners = np.repeat(np.arange(len(ordered)), len(flips))[order]
    heads = ((ordered >> np.uint64(64 - bits - 32)) & np.uint64(2**32 - 1)).astype(np.uint32)
    return Probes(ordered, bits, max_bits, keys[order], owners, heads[owners])


class QueryProbes:
    """A query's hashes in robust bit order and their probes per key length, made on first use."""

    def __init__(self, codes: np.ndarray, max_bits: int) -> None:
        self.ordered = robust_order(codes)
        self.max_bits = max_bits
        self._made: dict[int, Probes] = {}

    def under(self, bits: int) -> Probes:
        if bits not in self._made:
            self._made[bits] = probes(self.ordered, bits, self.max_bits)
        return self._made[bits]


def _spans(first: np.ndarray, last: np.ndarray, max_rows_per_key: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions first[i] .. last[i]-1 of every probe i, flattened, and the probe of each; probes with
    more than `max_rows_per_key` positions are left out."""
    counts = (last - first).astype(np.int64)
    counts[counts > max_rows_per_key] = 0
    total = int(counts.sum())
    at = np.repeat(first.astype(np.int64) - np.cumsum(counts) + counts, counts) + np.arange(total)
    return at, np.repeat(np.arange(len(first)), counts)


def _in_order(owners: list, rows: list, distances: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeds as arrays, ordered by (query hash, row): the same seeds give the same order however
    they were stored."""
    if not rows:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    owner, row, distance = np.concatenate(owners), np.concatenate(rows), np.concatenate(distances)
    order = np.lexsort((row, owner))
    return owner[order], row[order], distance[order]


class SeedKeys(SortedRuns):
    """(hash in robust bit order, row) pairs in sorted runs (engine/sorted_runs.py), while the index
    grows."""

    def __init__(self) -> None:
        super().__init__(key_dtype=np.uint64)

    def seeds(self, lookups: Probes, max_rows_per_key: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows within `lookups.max_bits` of each query hash, found under the hash's key and every key
        one flipped bit away: (index into the query hashes, row, distance) per seed. Keys shared by
        more than `max_rows_per_key` rows (a common dark or flat picture) are not used."""
        shift = np.uint64(64 - lookups.bits)
        low = lookups.keys << shift
        high = low | ((np.uint64(1) << shift) - np.uint64(1))
        owners, found, distances = [], [], []
        for keys, rows in self.runs:
            first = np.searchsorted(keys, low, side="left")
            last = np.searchsorted(keys, high, side="right")
            at, probe = _spans(first, last, max_rows_per_key)
            owner = lookups.owners[probe]
            distance = np.bitwise_count(keys[at] ^ lookups.ordered[owner])
            close = distance <= lookups.max_bits
            owners.append(owner[close])
            found.append(rows[at][close].astype(np.int64))
            distances.append(distance[close])
        return _in_order(owners, found, distances)


class SeedTable:
    """Filed hashes of a segment, packed (see the module docstring). `seed_starts[key]` is where the
    records of a key start. A record is the 32 hash bits after the key (`seed_heads`, uint32), then the
    hash's remaining bits and the row, big-endian in as few bytes as they need (`seed_tails`, records x
    bytes); `seed_shape` is (key bits, row bits). A lookup reads the heads of its candidates first and
    the tails only of those the heads leave within reach (about a tenth)."""

    def __init__(self, arrays) -> None:
        self.starts = np.asarray(arrays["seed_starts"])
        self.heads, self.tails = np.asarray(arrays["seed_heads"]), np.asarray(arrays["seed_tails"])
        self.bits, self.row_bits = (int(n) for n in arrays["seed_shape"])
        self.size = len(self.heads)

    @staticmethod
    def pack(keys: np.ndarray, rows: np.ndarray, bits: int) -> dict[str, np.ndarray]:
        """The arrays of a table over `keys` (reordered hashes, sorted) and their rows."""
        row_bits = max(1, int(rows.max(initial=0)).bit_length())
        low_bits = 64 - bits - 32  # hash bits after the key and the head
        width = (low_bits + row_bits + 7) // 8
        starts = np.searchsorted(keys >> np.uint64(64 - bits), np.arange(2**bits + 1, dtype=np.uint64))
        heads = np.zeros(len(keys), np.uint32)
        tails = np.zeros((len(keys), width), np.uint8)
        for begin in range(0, len(keys), 1 << 22):
            part = slice(begin, begin + (1 << 22))
            heads[part] = (keys[part] >> np.uint64(low_bits)).astype(np.uint32)
            low = keys[part] & np.uint64(2**low_bits - 1)
            tail = (low << np.uint64(row_bits)) | rows[part].astype(np.uint64)
            tails[part] = tail.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 8 - width :]
        return {
            "seed_starts": starts.astype(np.uint32 if len(keys) < 2**32 else np.uint64),
            "seed_heads": heads,
            "seed_tails": tails,
            "seed_shape": np.array([bits, row_bits], np.int64),
        }

    def nbytes(self) -> int:
        return self.starts.nbytes + self.heads.nbytes + self.tails.nbytes

    def seeds(self, lookups: Probes, max_rows_per_key: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As SeedKeys.seeds (the key length is the one the table was packed for)."""
        if lookups.bits != self.bits:
            raise ValueError(f"this seed table is keyed by {self.bits} bits, not {lookups.bits}")
        keys = lookups.keys
        # Positions in 32 bits where they fit (half the memory traffic of the largest arrays here).
        position = np.int32 if self.size < 2**31 else np.int64
        first = self.starts[keys].astype(position)
        counts = self.starts[keys + np.uint64(1)].astype(position) - first
        counts[counts > max_rows_per_key] = 0
        ends = np.cumsum(counts, dtype=np.int64)
        total = int(ends[-1]) if len(ends) else 0
        at = np.repeat(first - (ends - counts).astype(position), counts) + np.arange(total, dtype=position)
        # A record's key is its query hash's but for the probe's flipped bit, so its head alone
        # bounds the distance: that leaves about a twentieth of the candidates, and the rest of the
        # work (which probe each is, its tail, the exact distance) is done on those.
        near = np.bitwise_count(self.heads[at] ^ np.repeat(lookups.heads, counts)) <= lookups.max_bits
        taken = np.flatnonzero(near)
        at, probe = at[taken], np.searchsorted(ends, taken, side="right")
        owner = lookups.owners[probe]
        known = (keys[probe] << np.uint64(32)) | self.heads[at].astype(np.uint64)
        low_bits = np.uint64(64 - self.bits - 32)
        width = self.tails.shape[1]
        padded = np.zeros((len(at), 8), np.uint8)
        padded[:, 8 - width :] = self.tails[at]
        tail = padded.view(">u8")[:, 0].astype(np.uint64)
        rows = tail & np.uint64(2**self.row_bits - 1)
        hashes = (known << low_bits) | (tail >> np.uint64(self.row_bits))
        distance = np.bitwise_count(hashes ^ lookups.ordered[owner])
        close = distance <= lookups.max_bits
        return _in_order([owner[close]], [rows[close].astype(np.int64)], [distance[close]])
