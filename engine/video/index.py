"""The video index: frame hashes of every library video, searched in two steps.

1. Seeds (engine/video/keys.py). A query hash looks up its key and the keys one flipped bit away;
   filed library hashes within MAX_BITS of it are seeds. Seeds of one video that put the query's start
   at about the same library time form a window; the best-supported windows are verified.
2. Verification (engine/video/verify.py). Around each window the query's hashes are compared with
   the library video's hashes of that stretch, and the close pairs are aligned in time into copied
   segments. A copy needs one seed to be found; verification recovers the frames the seed lookup
   missed.

What a library keeps of a video (its layout; the query keeps all of its frames and hashes): the whole
picture and its fixed parts of every FRAME_EVERY-th firm frame, the crop grid of every GRID_EVERY-th
of those, and seeds for fewer still (FIXED_SEED_EVERY, GRID_SEED_EVERY). A query sampled at 5 frames
a second then still has a frame within a tenth of a second of every stored one. See docs/evaluation.md
for what each rate costs and gives.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.base import Fingerprint, Hit, Index, Segment, unpack_arrays
from engine.segments import SegmentError
from engine.video.frames import (
    CONFIDENT_FIRM_BITS,
    FIRST_GRID_COLUMN,
    MIN_FIRM_BITS,
    QUERY_VARIANTS,
    RICH_DETAIL,
)
from engine.video.keys import COLUMN_BITS, KEY_BITS, Grown, QueryProbes, SeedKeys, SeedTable, robust_order
from engine.video.verify import MAX_BITS, TOLERANCE_S, Query, Stretch, closest_needed, distinct, verify

# The layout (see the module docstring), in firm sampled frames (5 a second) and stored frames.
# Every frame is stored, as before issue #15: the sparser layout tried (2, 3, 2, 2: 1.86 MB per library
# hour) kept seed 7's F1 (0.928) but lost the held-out seed 11's (0.917 -> 0.894: crops, fps changes,
# overlays), and a middle one (1, 2, 2, 3) lost seed 7's (0.914). Seeding fewer is what the memory
# (the hot seed records) allows: the 90% corner parts of every 2nd frame and the crop grid of every 8th
# (instead of every frame and every 5th: 2.21 -> 1.60 MB hot per library hour) kept F1 on the corpus set
# and seed 11 and raised seed 7's (0.923 -> 0.930): verification still compares every stored frame.
# docs/evaluation.md has the figures.
FRAME_EVERY = 1
GRID_EVERY = 1
# Per fixed column: the whole picture, then CROP_VARIANTS (90% centre, 90% corners, 80%, 70% centre).
FIXED_SEED_EVERY = (1, 1, 2, 2, 2, 2, 1, 1)
GRID_SEED_EVERY = 8
GRID_COLUMNS = 24
_ARRAYS = (
    "codes",
    "grid",
    "times",
    "bases",
    "grid_bases",
    "layout",
    "seed_starts",
    "seed_heads",
    "seed_tails",
    "seed_shape",
)


@dataclass
class _Item:
    key: Hashable
    base: int  # first stored frame (global; a seed's row is stored frame << COLUMN_BITS | column)
    frames: int  # stored frames
    grid_base: int  # first grid frame (global); grid frame g of the item is its stored frame g * GRID_EVERY


class _FrozenItems:
    """The videos of an index opened from a segment, made on demand from its arrays."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.bases, self.grid_bases = arrays["bases"], arrays["grid_bases"]

    def __getitem__(self, slot: int) -> _Item:
        base = int(self.bases[slot])
        return _Item(slot, base, int(self.bases[slot + 1]) - base, int(self.grid_bases[slot]))

    def __len__(self) -> int:
        return len(self.bases) - 1


@dataclass(frozen=True)
class _Window:
    """A stretch of one library video that seeds put the query in, worth verifying."""

    slot: int
    start: float
    end: float
    seeded: set[int]  # library columns (descriptions of a frame) its seeds came from


class VideoIndex(Index):
    """Frame hashes of all library videos; see the module docstring for how a query is answered."""

    # 50 synthetic hours: 734 MB peak resident for a 309 MB file, the interpreter included
    # (`bench/scale_video.py 50 --segment-hours 50 --build-only`, 2026-12-03).
    BUILD_MEMORY_PER_FILE_BYTE = 2.5

    # Seed lookup: the key keeps about log2(library seeds) - KEY_SLACK bits (a few rows per key).
    KEY_SLACK = 3
    MIN_KEY_BITS = 10
    # A key shared by more rows than this (a common dark or flat picture) is not used for seeding.
    MAX_ROWS_PER_KEY = 4096
    # Verification looks at the library around each seed: the query's span under a ±10% speed change.
    WINDOW_PAD_S = 5.0
    MAX_WINDOWS = 10
    # Windows seeded by fewer query frames than this share of the best-seeded window's are not
    # verified: a copied passage with a twentieth of the seeded frames of the query's best one is
    # lost, and the chance windows (their number grows with the library) cost nothing.
    MIN_SUPPORT_SHARE = 0.05
    # Share of its query frames a segment may have in common with a stronger one of the same video.
    MAX_SHARED = 0.2
    # A window whose seeds are all one picture needs a seed this close to be verified.
    STRONG_SEED_BITS = 4
    DISTINCT_SEED_BITS = 6

    def __init__(self) -> None:
        self._frozen = False
        self._items: list[_Item | None] | _FrozenItems = []
        self._slot_of: dict[Hashable, int] = {}
        self._bases = np.zeros(0, np.int64)
        self._alive = np.zeros(0, bool)
        self._codes = Grown((FIRST_GRID_COLUMN,), np.uint64)
        self._grid = Grown((GRID_COLUMNS,), np.uint64)
        self._times = Grown((), np.float32)
        self._grid_every = GRID_EVERY
        self._keys: SeedKeys | SeedTable = SeedKeys()
        self._dead_frames = 0

    def __len__(self) -> int:
        return len(self._items) if self._frozen else len(self._slot_of)

    # -- segments ----------------------------------------------------------------------------------

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        if self._frozen:
            return list(range(len(self))), dict(self._arrays)
        if self._dead_frames or len(self._slot_of) != len(self._items):
            self._rebuild()
        items = [item for item in self._items if item is not None]
        keys, rows = self._keys.merged()
        arrays = {"codes": self._codes.used(), "grid": self._grid.used(), "times": self._times.used()}
        arrays["bases"] = np.array([item.base for item in items] + [self._codes.size], np.int64)
        arrays["grid_bases"] = np.array([item.grid_base for item in items] + [self._grid.size], np.int64)
        arrays["layout"] = np.array([self._grid_every], np.int64)
        arrays.update(SeedTable.pack(keys, rows, self._key_bits()))
        return [item.key for item in items], arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> VideoIndex:
        missing = [name for name in _ARRAYS if name not in arrays]
        if missing:
            raise SegmentError(f"a video index segment of another layout (no {', '.join(missing)})")
        index = cls()
        index._frozen = True
        # Plain arrays over the memory map (numpy's memmap type costs time on every indexing).
        arrays = index._arrays = {name: np.asarray(arrays[name]) for name in _ARRAYS}
        index._items = _FrozenItems(arrays)
        index._bases = arrays["bases"][:-1]
        index._alive = np.ones(len(index._bases), bool)
        index._codes = Grown.from_array(arrays["codes"])
        index._grid = Grown.from_array(arrays["grid"])
        index._times = Grown.from_array(arrays["times"])
        index._grid_every = int(arrays["layout"][0])
        index._keys = SeedTable(arrays)
        return index

    def _refuse_if_frozen(self) -> None:
        if self._frozen:
            raise TypeError("a video index opened from a segment is read-only")

    # -- filling ---------------------------------------------------------------------------------

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        self._refuse_if_frozen()
        if key in self._slot_of:
            self.remove(key)
        arrays = unpack_arrays(fingerprint)
        keep = np.nonzero(arrays["information"] >= MIN_FIRM_BITS)[0]
        # Verification finds stretches by binary search on time: keep frames in time order even if
        # a damaged file delivered them out of order.
        keep = keep[np.argsort(arrays["times"][keep], kind="stable")][::FRAME_EVERY]
        codes = arrays["codes"][keep]
        if codes.shape[1] != FIRST_GRID_COLUMN + GRID_COLUMNS:
            raise ValueError(f"a video fingerprint with {codes.shape[1]} hashes per frame, not 32")
        self._add(
            key,
            codes[:, :FIRST_GRID_COLUMN],
            codes[:: self._grid_every, FIRST_GRID_COLUMN:],
            arrays["times"][keep],
        )

    def _add(self, key: Hashable, codes: np.ndarray, grid: np.ndarray, times: np.ndarray) -> None:
        item = _Item(key, self._codes.append(codes), len(codes), self._grid.append(grid))
        self._times.append(times.astype(np.float32))
        if (item.base + item.frames) << COLUMN_BITS >= 2**32:
            raise OverflowError("a video index holds at most 2**27 stored frames (about 15,000 hours)")
        self._slot_of[key] = len(self._items)
        self._items.append(item)
        self._bases = np.append(self._bases, item.base)
        self._alive = np.append(self._alive, True)
        # Seeds: each fixed column of every FIXED_SEED_EVERY[column]-th stored frame, the grid of every
        # GRID_SEED_EVERY-th grid frame. A copy needs a few seeds, not one per frame.
        fixed = [np.arange(0, len(codes), every) for every in FIXED_SEED_EVERY]
        fixed_rows = [((item.base + frames) << COLUMN_BITS) | column for column, frames in enumerate(fixed)]
        fixed_hashes = [codes[frames, column] for column, frames in enumerate(fixed)]
        grid_frames = np.arange(0, len(grid), GRID_SEED_EVERY)
        grid_rows = ((item.base + grid_frames * self._grid_every)[:, None] << COLUMN_BITS) | (
            FIRST_GRID_COLUMN + np.arange(grid.shape[1])
        )
        hashes = np.concatenate([*fixed_hashes, grid[grid_frames].reshape(-1)])
        self._keys.add(robust_order(hashes), np.concatenate([*fixed_rows, grid_rows.reshape(-1)]))

    def remove(self, key: Hashable) -> None:
        self._refuse_if_frozen()
        slot = self._slot_of.pop(key, None)
        if slot is None:
            return
        item = self._items[slot]
        self._dead_frames += item.frames
        self._items[slot] = None
        self._alive[slot] = False
        if self._dead_frames > self._codes.size // 2:
            self._rebuild()

    def _rebuild(self) -> None:
        """Drop removed videos' frames for good (amortised: only once half of all frames are dead)."""
        old, items = (
            (self._codes, self._grid, self._times),
            [item for item in self._items if item is not None],
        )
        self.__init__()
        for item in items:
            codes, grid, times = self._stored(item, old)
            self._add(item.key, codes, grid, times)

    def _stored(self, item: _Item, arrays=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """An item's stored hashes, grid hashes and times."""
        codes, grid, times = arrays or (self._codes, self._grid, self._times)
        grid_frames = -(-item.frames // self._grid_every)
        return (
            codes[item.base : item.base + item.frames],
            grid[item.grid_base : item.grid_base + grid_frames],
            times[item.base : item.base + item.frames],
        )

    def memory_bytes(self) -> int:
        """Bytes of everything the index holds (a segment file holds the same, packed smaller)."""
        arrays = self.export()[1] if self._frozen else None
        if arrays is not None:
            return sum(a.nbytes for a in arrays.values())
        held = (self._codes.used(), self._grid.used(), self._times.used(), self._bases)
        return sum(a.nbytes for a in held) + self._keys.nbytes()

    def hot_bytes(self) -> int:
        """What every search touches: the seeds, the times (a seed's library time) and the item table;
        the hashes kept for verification are read only around the few windows verified."""
        arrays = self.export()[1]
        cold = arrays["codes"].nbytes + arrays["grid"].nbytes
        return sum(a.nbytes for a in arrays.values()) - cold

    def _key_bits(self) -> int:
        return int(np.clip(np.log2(max(2, self._keys.size)) - self.KEY_SLACK, self.MIN_KEY_BITS, KEY_BITS))

    # -- searching -------------------------------------------------------------------------------

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        return self.search_parts([self], fingerprint, limit)[0]

    @classmethod
    def search_parts(cls, parts: list[Index], fingerprint: Fingerprint, limit: int = 20) -> list[list[Hit]]:
        """One query against a library held in several parts (segments), answered as one index would:
        the query is prepared once, and the windows of all parts are ranked together, so only the
        library's best few are verified (per part, every part would verify its own chance windows)."""
        query = as_query(unpack_arrays(fingerprint))
        if query is None:
            return [[] for _ in parts]
        # The query's hashes are put in key order once, and looked up the same way in every part keyed
        # alike (parts of one size): per part, only its own records are read.
        lookups = QueryProbes(np.concatenate(query.code_sets), MAX_BITS)
        ranked = []
        for number, part in enumerate(parts):
            if len(part):
                found = part._ranked(query, lookups)
                ranked += [(votes, support, number, window) for votes, support, window in found]
        ranked.sort(key=lambda ranked_window: -ranked_window[0])
        # Next to a well-supported window, ones with a few scattered seeds are chance (their number
        # grows with the library); verifying them would make query time grow with it too.
        floor = cls.MIN_SUPPORT_SHARE * max((support for _, support, _, _ in ranked), default=0)
        closest = closest_needed(sum(part._times.size for part in parts))
        candidates: list[dict[int, list]] = [{} for _ in parts]
        for _, support, number, window in ranked[: cls.MAX_WINDOWS]:
            part = parts[number]
            stretch = (
                part._stretch(part._items[window.slot], window.start, window.end)
                if support >= floor
                else None
            )
            if stretch is not None:
                candidates[number].setdefault(window.slot, []).extend(
                    verify(query, stretch, window.seeded, closest)
                )
        answers = []
        for part, found_in_part in zip(parts, candidates, strict=True):
            hits = [part._hit(slot, found, len(query.times)) for slot, found in found_in_part.items()]
            hits = sorted((hit for hit in hits if hit is not None), key=lambda hit: -hit.similarity)
            answers.append(hits[:limit])
        return answers

    def _stretch(self, item: _Item, start: float, end: float) -> Stretch | None:
        """The item's stored hashes between two library times."""
        codes, grid, times = self._stored(item)
        first, last = np.searchsorted(times, (start, end))
        if last <= first:
            return None
        every = self._grid_every
        grid_first, grid_last = -(-first // every), -(-last // every)
        grid_times = times[grid_first * every : grid_last * every : every]
        return Stretch(codes[first:last], times[first:last], grid[grid_first:grid_last], grid_times)

    def _hit(self, slot: int, found: list[tuple[int, np.ndarray, Segment]], frames: int) -> Hit | None:
        """Strongest segments first; a segment whose query frames a stronger one (another offset in the
        same video: a similar shot elsewhere) already explains is dropped."""
        covered = np.zeros(frames)
        segments = []
        for _, inside, segment in sorted(found, key=lambda c: -c[0]):
            if (covered[inside] > 0).mean() > self.MAX_SHARED:
                continue
            covered[inside] = np.maximum(covered[inside], segment.similarity)
            segments.append(segment)
        if not segments:
            return None
        segments.sort(key=lambda s: (s.start, s.library_start))
        edits = list(dict.fromkeys(segment.edit for segment in segments if segment.edit))
        return Hit(self._items[slot].key, round(float(covered.mean()), 4), {"video": segments}, changes=edits)

    def _ranked(self, query: Query, lookups: QueryProbes) -> list[tuple[int, int, _Window]]:
        """The stretches seeds put the query in, with their votes and support (seeded query frames)."""
        frames, codes, slots, distances, starts, columns = self._seeds(query, lookups)
        if len(slots) == 0:
            return []
        times = query.times
        span = float(times[-1] - times[0])
        pad = self.WINDOW_PAD_S + 0.1 * span
        # Seeds of one video that put the query's start at about the same time (a speed change of 10%
        # spreads them by a tenth of the query's length) form one window.
        order = np.lexsort((starts, slots))
        slots, starts, distances, codes = slots[order], starts[order], distances[order], codes[order]
        columns, frames = columns[order], frames[order]
        opens = np.concatenate([[True], (np.diff(slots) != 0) | (np.diff(starts) > TOLERANCE_S + 0.1 * span)])
        begins = np.nonzero(opens)[0]
        ends = np.append(begins[1:], len(slots))
        # Evidence: one near-identical frame, or frames of at least two visibly different pictures.
        # At 1,000 hours an unrelated shot within 12 bits of a query shot is common, and it seeds
        # every frame of the shot; that is still one coincidence, not several. (Most windows of a
        # large library are one chance seed: they are passed over here, before any loop.)
        strong = np.minimum.reduceat(distances, begins) <= self.STRONG_SEED_BITS
        several = ends - begins >= 2
        kept = strong | several
        ranked = []
        for begin, end, sure in zip(begins[kept].tolist(), ends[kept].tolist(), strong[kept], strict=True):
            if not sure and distinct(codes[begin:end], self.DISTINCT_SEED_BITS, 2) < 2:
                continue
            votes = int((MAX_BITS + 1 - distances[begin:end]).sum())
            seeded = set(np.unique(columns[begin:end]).tolist())
            support = len(np.unique(frames[begin:end]))
            window = _Window(int(slots[begin]), starts[begin] - pad, starts[end - 1] + span + pad, seeded)
            ranked.append((votes, support, window))
        return ranked

    def _seeds(self, query: Query, lookups: QueryProbes | None = None) -> tuple[np.ndarray, ...]:
        """Seeds in live videos: (query frame, query hash, slot, distance, library time the seed puts the
        query's start at, which description of its library frame the seed is)."""
        lookups = lookups or QueryProbes(np.concatenate(query.code_sets), MAX_BITS)
        q_frames = np.concatenate([np.arange(len(codes)) for codes in query.code_sets])
        q_codes = lookups.ordered
        owners, rows, distances = self._keys.seeds(lookups.under(self._key_bits()), self.MAX_ROWS_PER_KEY)
        stored, columns = rows >> COLUMN_BITS, rows & (2**COLUMN_BITS - 1)
        slots = np.searchsorted(self._bases, stored, side="right") - 1
        alive = self._alive[slots]
        owners, stored, slots, distances, columns = (
            a[alive] for a in (owners, stored, slots, distances, columns)
        )
        library_times = self._times[stored].astype(np.float64)
        frames = q_frames[owners]
        return frames, q_codes[owners], slots, distances, library_times - query.times[frames], columns


def as_query(arrays: dict[str, np.ndarray]) -> Query | None:
    """Every description of the query (whole picture, its centre, upper part, mirrored, and each box
    that may be a picture-in-picture inset) of its frames firm enough to carry a match."""
    keep = arrays["information"] >= MIN_FIRM_BITS
    times = arrays["times"][keep].astype(np.float64)
    if len(times) == 0:
        return None
    confident = arrays["information"][keep] >= CONFIDENT_FIRM_BITS
    detailed = arrays["detail"][keep] >= RICH_DETAIL if "detail" in arrays else np.zeros(len(times), bool)
    step = float(np.median(np.diff(arrays["times"]))) if len(arrays["times"]) > 1 else 0.2
    code_sets = [arrays["codes"][keep][:, v] for v in QUERY_VARIANTS] + [arrays["codes_mirrored"][keep]]
    reach: list[list[int] | None] = [None, None] + [[v] for v in QUERY_VARIANTS[2:]] + [[]]
    certain = len(code_sets)  # descriptions from here on are guesses (inset boxes)
    if "has_inset" in arrays:
        # Each box that may be an inset is searched as a picture of its own (where a run of frames
        # has no such box, the whole picture stands in: nothing new).
        boxed, inset_codes = arrays["has_inset"][keep], arrays["codes_inset"][keep]
        for column in np.nonzero(boxed.any(axis=0))[0]:
            code_sets.append(np.where(boxed[:, column], inset_codes[:, column], code_sets[0]))
            reach.append([])
    return Query(code_sets, reach, certain, times, confident, detailed, step)
