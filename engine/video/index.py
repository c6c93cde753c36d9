"""The video index: frame hashes of every library video, searched in two steps.

1. Seeds (engine/video/keys.py). A query hash looks up its key and the keys one flipped bit away in
   sorted runs; rows within MAX_BITS of it are seeds. Seeds of one video that put the query's start at
   about the same library time form a window; the best-supported windows are verified.
2. Verification (engine/video/verify.py). Around each window the query's hashes are compared with
   every hash of that stretch of the library video, and the close pairs are aligned in time into
   copied segments. A copy needs one seed to be found; verification recovers the frames the seed
   lookup missed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.base import Fingerprint, Hit, Index, Segment, unpack_arrays
from engine.video.frames import CONFIDENT_FIRM_BITS, MIN_FIRM_BITS, QUERY_VARIANTS, RICH_DETAIL
from engine.video.keys import KEY_BITS, Rows, SeedKeys, robust_order
from engine.video.verify import MAX_BITS, TOLERANCE_S, Query, Stretch, distinct, verify


@dataclass
class _Item:
    key: Hashable
    base: int  # first global row (row = base + frame * variants + variant)
    variants: int
    times: np.ndarray  # (frames,) float32 seconds; only frames firm enough to carry a match


class _FrozenItems:
    """The videos of an index opened from a segment, made on demand from its arrays."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.bases, self.variants = arrays["bases"], arrays["variants"]
        self.time_bases, self.times = arrays["time_bases"], arrays["times"]

    def __getitem__(self, slot: int) -> _Item:
        begin, end = int(self.time_bases[slot]), int(self.time_bases[slot + 1])
        return _Item(slot, int(self.bases[slot]), int(self.variants[slot]), self.times[begin:end])

    def __len__(self) -> int:
        return len(self.bases)


@dataclass(frozen=True)
class _Window:
    """A stretch of one library video that seeds put the query in, worth verifying."""

    slot: int
    start: float
    end: float
    seeded: set[int]  # library columns (descriptions of a frame) its seeds came from


class VideoIndex(Index):
    """Frame hashes of all library videos; see the module docstring for how a query is answered."""

    # Seed lookup: the key keeps about log2(library rows) - KEY_SLACK bits (a few rows per key).
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
        self._rows = Rows()
        self._keys = SeedKeys()
        self._dead_rows = 0

    def __len__(self) -> int:
        return len(self._items) if self._frozen else len(self._slot_of)

    # -- segments ----------------------------------------------------------------------------------

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        if not self._frozen and (self._dead_rows or len(self._slot_of) != len(self._items)):
            self._rebuild()
        keys, rows = self._keys.merged()
        arrays = {"codes": self._rows[: self._rows.size], "seed_keys": keys, "seed_rows": rows}
        if isinstance(self._items, _FrozenItems):
            frozen = self._items
            arrays.update(bases=frozen.bases, variants=frozen.variants)
            arrays.update(time_bases=frozen.time_bases, times=frozen.times)
            return list(range(len(self))), arrays
        items = [item for item in self._items if item is not None]
        time_bases = np.zeros(len(items) + 1, np.int64)
        time_bases[1:] = np.cumsum([len(item.times) for item in items])
        arrays.update(
            bases=np.array([item.base for item in items], np.int64),
            variants=np.array([item.variants for item in items], np.int32),
            time_bases=time_bases,
            times=np.concatenate([item.times for item in items]) if items else np.zeros(0, np.float32),
        )
        return [item.key for item in items], arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> VideoIndex:
        index = cls()
        index._frozen = True
        index._items = _FrozenItems(arrays)
        index._bases = arrays["bases"]
        index._alive = np.ones(len(arrays["bases"]), bool)
        index._rows = Rows.from_array(arrays["codes"])
        index._keys = SeedKeys.from_run(arrays["seed_keys"], arrays["seed_rows"])
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
        keep = keep[np.argsort(arrays["times"][keep], kind="stable")]
        codes = arrays["codes"][keep]
        self._add(_Item(key, 0, codes.shape[1], arrays["times"][keep].astype(np.float32)), codes)

    def _add(self, item: _Item, codes: np.ndarray) -> None:
        codes = np.ascontiguousarray(codes)
        item.base = self._rows.append(codes.reshape(-1))
        self._slot_of[item.key] = len(self._items)
        self._items.append(item)
        self._bases = np.append(self._bases, item.base)
        self._alive = np.append(self._alive, True)
        self._keys.add_codes(codes, item.base)

    def remove(self, key: Hashable) -> None:
        self._refuse_if_frozen()
        slot = self._slot_of.pop(key, None)
        if slot is None:
            return
        item = self._items[slot]
        self._dead_rows += len(item.times) * item.variants
        self._items[slot] = None
        self._alive[slot] = False
        if self._dead_rows > self._rows.size // 2:
            self._rebuild()

    def _rebuild(self) -> None:
        """Drop removed videos' rows for good (amortised: only once half of all rows are dead)."""
        old_rows, items = self._rows, [item for item in self._items if item is not None]
        self.__init__()
        for item in items:
            codes = old_rows[np.arange(item.base, item.base + len(item.times) * item.variants)]
            self._add(item, codes.reshape(len(item.times), item.variants))

    def _codes_of(self, item: _Item) -> np.ndarray:
        return self._rows[item.base : item.base + len(item.times) * item.variants].reshape(-1, item.variants)

    def memory_bytes(self) -> int:
        times = sum(item.times.nbytes for item in self._items if item is not None)
        return self._rows.nbytes() + self._keys.nbytes() + times + self._bases.nbytes

    # -- searching -------------------------------------------------------------------------------

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        query = _query(unpack_arrays(fingerprint))
        if len(self) == 0 or query is None:
            return []
        candidates: dict[int, list[tuple[int, np.ndarray, Segment]]] = {}
        for window in self._windows(query):
            item = self._items[window.slot]
            first, last = np.searchsorted(item.times, (window.start, window.end))
            if last > first:
                stretch = Stretch(self._codes_of(item)[first:last], item.times[first:last])
                candidates.setdefault(window.slot, []).extend(verify(query, stretch, window.seeded))
        hits = []
        for slot, found in candidates.items():
            hit = self._hit(slot, found, len(query.times))
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda hit: -hit.similarity)
        return hits[:limit]

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
        return Hit(self._items[slot].key, round(float(covered.mean()), 4), {"video": segments})

    def _windows(self, query: Query) -> list[_Window]:
        """The stretches worth verifying, best supported first."""
        frames, codes, slots, distances, starts, columns = self._seeds(query)
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
        bounds = np.append(np.nonzero(opens)[0], len(slots))
        ranked = []
        for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            # Evidence: one near-identical frame, or frames of at least two visibly different
            # pictures. At 1,000 hours an unrelated shot within 12 bits of a query shot is common,
            # and it seeds every frame of the shot; that is still one coincidence, not several.
            best = int(distances[begin:end].min())
            if best > self.STRONG_SEED_BITS and distinct(codes[begin:end], self.DISTINCT_SEED_BITS, 2) < 2:
                continue
            votes = int((MAX_BITS + 1 - distances[begin:end]).sum())
            seeded = set(np.unique(columns[begin:end]).tolist())
            support = len(np.unique(frames[begin:end]))
            window = _Window(int(slots[begin]), starts[begin] - pad, starts[end - 1] + span + pad, seeded)
            ranked.append((votes, support, window))
        ranked.sort(key=lambda ranked_window: -ranked_window[0])
        # Next to a well-supported window, ones with a few scattered seeds are chance (their number
        # grows with the library); verifying them would make query time grow with it too.
        floor = self.MIN_SUPPORT_SHARE * max((support for _, support, _ in ranked), default=0)
        return [window for _, support, window in ranked[: self.MAX_WINDOWS] if support >= floor]

    def _seeds(self, query: Query) -> tuple[np.ndarray, ...]:
        """Seeds in live videos: (query frame, query hash, slot, distance, library time the seed puts the
        query's start at, which description of its library frame the seed is)."""
        bits = int(np.clip(np.log2(max(2, self._keys.size)) - self.KEY_SLACK, self.MIN_KEY_BITS, KEY_BITS))
        q_frames = np.concatenate([np.arange(len(codes)) for codes in query.code_sets])
        q_codes = robust_order(np.concatenate(query.code_sets))
        owners, rows, distances = self._keys.seeds(q_codes, bits, MAX_BITS, self.MAX_ROWS_PER_KEY)
        slots = np.searchsorted(self._bases, rows, side="right") - 1
        alive = self._alive[slots]
        owners, rows, slots, distances = owners[alive], rows[alive], slots[alive], distances[alive]
        library_times = np.empty(len(rows))
        columns = np.empty(len(rows), np.int64)
        for slot in np.unique(slots).tolist():
            item, mine = self._items[slot], slots == slot
            library_times[mine] = item.times[(rows[mine] - item.base) // item.variants]
            columns[mine] = (rows[mine] - item.base) % item.variants
        frames = q_frames[owners]
        return frames, q_codes[owners], slots, distances, library_times - query.times[frames], columns


def _query(arrays: dict[str, np.ndarray]) -> Query | None:
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
