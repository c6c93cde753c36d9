"""The video index: frame hashes of every library video, searched in two steps.

1. Seeds. Every library hash is also filed under its most robust bits (the lowest DCT frequencies
   first) in sorted arrays. A query hash looks up its own key and the keys one flipped bit away; the
   key is as long as the library is big (about log2 of its size), so a lookup returns a handful of
   rows whatever the library's size and costs a binary search: query time grows with the logarithm
   of the library, not with it. Rows within MAX_BITS of the query hash are seeds.
2. Verification. Around each seed's time offset, the query's hashes are compared with every hash of
   that stretch of the library video (exactly, vectorised), and the close pairs are aligned in time
   (engine/align.py) into copied segments. A copy needs one seed to be found; verification then
   recovers the frames the seed lookup missed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from dnaportal.engine.align import hough_runs
from dnaportal.engine.base import Fingerprint, Index, Match, Segment, unpack_arrays
from dnaportal.engine.sorted_runs import SortedRuns
from dnaportal.engine.video import (
    CONFIDENT_FIRM_BITS,
    FIRST_GRID_COLUMN,
    MIN_FIRM_BITS,
    QUERY_VARIANTS,
    RICH_DETAIL,
)

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


@dataclass
class _Item:
    key: Hashable
    base: int  # first global row (row = base + frame * variants + variant)
    variants: int
    times: np.ndarray  # (frames,) float32 seconds; only frames firm enough to carry a match


class _Rows:
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

    def __getitem__(self, rows) -> np.ndarray:
        return self._codes[rows]

    def nbytes(self) -> int:
        return self.size * 8


class _Keys(SortedRuns):
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


class VideoIndex(Index):
    """Frame hashes of all library videos; see the module docstring for how a query is answered."""

    # Frame pairs within this many bits (of 64) are hits.
    MAX_BITS = 12
    # A query frame keeps at most this many library hits (a static library shot matches many frames);
    # each hit votes with 1/(hits of its frame), so ambiguous frames count for little.
    HITS_PER_FRAME = 8
    MAX_GAP_S = 2.5
    BIN_S = 0.4
    TOLERANCE_S = 0.6
    MIN_HITS = 6
    # Hits must come from this many visibly different query frames: a static card, a colour bar or a
    # fade repeated over seconds carries no evidence of copying.
    MIN_DISTINCT_FRAMES = 2
    DISTINCT_BITS = 6
    # Shorter matches are not reported: a second or two of similar pictures proves little.
    MIN_SEGMENT_S = 2.0
    QUERY_CHUNK = 64
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
    # Along a found line, frames this close keep a segment going (see _verify).
    LOOSE_BITS = 16
    # Share of its query frames a segment may have in common with a stronger one of the same video.
    MAX_SHARED = 0.2
    # A window whose seeds are all one picture needs a seed this close to be verified.
    STRONG_SEED_BITS = 4
    # A segment seen only inside a guessed picture-in-picture box must be at least this long.
    GUESSED_MIN_SEGMENT_S = 5.0
    # A segment of one unchanging, textured picture (a static camera) must match this closely.
    STILL_MAX_BITS = 6

    def __init__(self) -> None:
        self._items: list[_Item | None] = []
        self._slot_of: dict[Hashable, int] = {}
        self._bases = np.zeros(0, np.int64)
        self._alive = np.zeros(0, bool)
        self._rows = _Rows()
        self._keys = _Keys()
        self._dead_rows = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    # -- filling ---------------------------------------------------------------------------------

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
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

    def _slots_of_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._bases, rows, side="right") - 1

    def memory_bytes(self) -> int:
        times = sum(item.times.nbytes for item in self._items if item is not None)
        return self._rows.nbytes() + self._keys.nbytes() + times + self._bases.nbytes

    # -- searching -------------------------------------------------------------------------------

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Match]:
        query = unpack_arrays(fingerprint)
        keep = query["information"] >= MIN_FIRM_BITS
        times = query["times"][keep].astype(np.float64)
        if not self._slot_of or len(times) == 0:
            return []
        confident = query["information"][keep] >= CONFIDENT_FIRM_BITS
        detailed = query["detail"][keep] >= RICH_DETAIL if "detail" in query else np.zeros(len(times), bool)
        step = float(np.median(np.diff(query["times"]))) if len(query["times"]) > 1 else 0.2
        # Every query description (whole picture, its centre, mirrored) is looked up and aligned together.
        # Which library columns each description is compared with in verification: None for the
        # whole picture and the central 80% (fixed parts and the seeded crop grid), else the fixed
        # parts and the listed ones.
        code_sets = [query["codes"][keep][:, v] for v in QUERY_VARIANTS] + [query["codes_mirrored"][keep]]
        reach = [None, None] + [[v] for v in QUERY_VARIANTS[2:]] + [[]]
        certain = len(code_sets)  # descriptions from here on are guesses (inset boxes)
        if "has_inset" in query:
            # Each box that may be a picture-in-picture inset is searched as a picture of its own
            # (where a run of frames has no such box, the whole picture stands in: nothing new).
            boxed, inset_codes = query["has_inset"][keep], query["codes_inset"][keep]
            for column in np.nonzero(boxed.any(axis=0))[0]:
                code_sets.append(np.where(boxed[:, column], inset_codes[:, column], code_sets[0]))
                reach.append([])
        candidates: dict[int, list[tuple[int, np.ndarray, Segment]]] = {}
        for slot, start, end, seeded in self._seed_windows(code_sets, times):
            verified = self._verify(
                slot, (start, end), seeded, (code_sets, reach, certain), times, (confident, detailed), step
            )
            candidates.setdefault(slot, []).extend(verified)
        matches = []
        for slot, found in candidates.items():
            # Strongest first; a segment whose query frames a stronger one (another offset in the same
            # video: a similar shot elsewhere) already explains is dropped.
            covered = np.zeros(len(times))
            segments = []
            for _, inside, segment in sorted(found, key=lambda c: -c[0]):
                if (covered[inside] > 0).mean() > self.MAX_SHARED:
                    continue
                covered[inside] = np.maximum(covered[inside], segment.similarity)
                segments.append(segment)
            if segments:
                segments.sort(key=lambda s: (s.start, s.master_start))
                similarity = round(float(covered.mean()), 4)
                matches.append(Match(self._items[slot].key, similarity, {"video": segments}))
        matches.sort(key=lambda match: -match.similarity)
        return matches[:limit]

    def _seed_windows(self, code_sets, times) -> list[tuple[int, float, float, set[int]]]:
        """(slot, library start, library end, columns its seeds came from) of the stretches worth
        verifying, best supported first."""
        size = max(2, self._keys.size)
        bits = int(np.clip(np.log2(size) - self.KEY_SLACK, self.MIN_KEY_BITS, KEY_BITS))
        shift = np.uint64(64 - bits)
        q_frames = np.concatenate([np.arange(len(codes)) for codes in code_sets])
        q_codes = robust_order(np.concatenate(code_sets))
        prefix = q_codes >> shift
        # The key itself and every key one flipped bit away.
        flips = np.concatenate([[0], np.left_shift(1, np.arange(bits))]).astype(np.uint64)
        probes = (prefix[:, None] ^ flips[None, :]).reshape(-1)
        # In key order: numpy's binary search narrows each search from the last one, so sorted
        # probes touch far less memory than random ones (4x faster on a 70M-key run).
        order = np.argsort(probes, kind="stable")
        probes = probes[order]
        probe_frame = np.repeat(q_frames, len(flips))[order]
        probe_code = np.repeat(q_codes, len(flips))[order]
        low = probes << shift
        high = low | ((np.uint64(1) << shift) - np.uint64(1))
        seed_frames, seed_codes, seed_rows, seed_distances = [], [], [], []
        for keys, rows in self._keys.runs:
            lo = np.searchsorted(keys, low, side="left")
            hi = np.searchsorted(keys, high, side="right")
            counts = hi - lo
            counts[counts > self.MAX_ROWS_PER_KEY] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
            owner = np.repeat(np.arange(len(probes)), counts)
            found = rows[at].astype(np.int64)
            distance = np.bitwise_count(keys[at] ^ probe_code[owner])
            close = distance <= self.MAX_BITS
            seed_frames.append(probe_frame[owner[close]])
            seed_codes.append(probe_code[owner[close]])
            seed_rows.append(found[close])
            seed_distances.append(distance[close])
        if not seed_rows:
            return []
        frames = np.concatenate(seed_frames)
        seed_codes = np.concatenate(seed_codes)
        rows = np.concatenate(seed_rows)
        distances = np.concatenate(seed_distances)
        slots = self._slots_of_rows(rows)
        alive = self._alive[slots]
        frames, rows, slots, distances = frames[alive], rows[alive], slots[alive], distances[alive]
        seed_codes = seed_codes[alive]
        if len(rows) == 0:
            return []
        # The library time each seed puts the query's start at; seeds of one copy agree on it.
        library_times = np.empty(len(rows))
        columns = np.empty(len(rows), np.int64)  # which description of its frame each seed is
        for slot in np.unique(slots).tolist():
            item, mine = self._items[slot], slots == slot
            library_times[mine] = item.times[(rows[mine] - item.base) // item.variants]
            columns[mine] = (rows[mine] - item.base) % item.variants
        starts = library_times - times[frames]
        span = float(times[-1] - times[0])
        pad = self.WINDOW_PAD_S + 0.1 * span
        # Seeds of one video that put the query's start at about the same time (a speed change of 10%
        # spreads them by a tenth of the query's length) form one window.
        order = np.lexsort((starts, slots))
        slots, starts, distances, codes = slots[order], starts[order], distances[order], seed_codes[order]
        columns, frames = columns[order], frames[order]
        agree = self.TOLERANCE_S + 0.1 * span
        opens = np.concatenate([[True], (np.diff(slots) != 0) | (np.diff(starts) > agree)])
        bounds = np.append(np.nonzero(opens)[0], len(slots))
        ranked = []
        for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            best = int(distances[begin:end].min())
            # Evidence: one near-identical frame, or frames of at least two visibly different
            # pictures. At 1,000 hours an unrelated shot within 12 bits of a query shot is common,
            # and it seeds every frame of the shot; that is still one coincidence, not several.
            if best > self.STRONG_SEED_BITS and _distinct(codes[begin:end], self.DISTINCT_BITS, 2) < 2:
                continue
            votes = int((self.MAX_BITS + 1 - distances[begin:end]).sum())
            seeded = set(np.unique(columns[begin:end]).tolist())
            support = len(np.unique(frames[begin:end]))
            ranked.append(
                (votes, int(slots[begin]), starts[begin] - pad, starts[end - 1] + span + pad, seeded, support)
            )
        ranked.sort(key=lambda window: -window[0])
        # Next to a well-supported window, ones with a few scattered seeds are chance (their number
        # grows with the library); verifying them would make query time grow with it too.
        floor = self.MIN_SUPPORT_SHARE * max((window[-1] for window in ranked), default=0)
        return [window[1:-1] for window in ranked[: self.MAX_WINDOWS] if window[-1] >= floor]

    def _still_view(self, distances: np.ndarray, detailed: np.ndarray) -> bool:
        """Whether agreeing frames of one unchanging picture still prove a copy: a static camera's
        textured view (not a card, bars or a fade), matched closely. Closely, because at 1,000
        hours an unrelated picture within MAX_BITS of it is to be expected somewhere."""
        return bool(detailed.mean() >= 0.8 and np.median(distances) <= self.STILL_MAX_BITS)

    def _verify(self, slot, span, seeded, descriptions, times, quality, step):
        """Exact comparison of the query with one stretch of one library video, then alignment:
        [(agreeing frames, query frame indices covered, segment)]."""
        code_sets, reach, certain = descriptions
        confident, detailed = quality
        item = self._items[slot]
        first, last = np.searchsorted(item.times, span)
        if last <= first:
            return []
        library = self._codes_of(item)[first:last]
        variants = library.shape[1]
        library_times = np.repeat(item.times[first:last], variants).astype(np.float64)
        # The whole picture and the fixed parts are always compared. Of the crop grid, only the parts
        # the window's seeds came from: a cropped copy seeds its own part, and the rest of the grid
        # (three quarters of all hashes) would only cost time. The query's other descriptions are
        # compared with the fixed parts and their own (crop combined with them is not looked for).
        fixed = np.arange(min(FIRST_GRID_COLUMN, variants))
        grid = np.array(sorted(c for c in seeded if c >= FIRST_GRID_COLUMN), np.int64)
        q_index, l_index = [], []
        for codes, extra in zip(code_sets, reach, strict=True):
            columns = np.concatenate([fixed, grid if extra is None else np.array(extra, np.int64)])
            columns = columns[columns < variants]
            against = np.ascontiguousarray(library[:, columns]).reshape(-1)
            qi, li = _close_pairs(codes, against, self.MAX_BITS, self.HITS_PER_FRAME, self.QUERY_CHUNK)
            li = li // len(columns) * variants + columns[li % len(columns)]
            q_index.append(qi)
            l_index.append(li)
        qi, li = np.concatenate(q_index), np.concatenate(l_index)
        if len(qi) < self.MIN_HITS:
            return []
        per_frame = np.bincount(qi, minlength=len(times))
        runs = hough_runs(
            times[qi],
            library_times[li],
            1.0 / per_frame[qi],
            bin_width=self.BIN_S,
            tolerance=self.TOLERANCE_S,
            max_gap=self.MAX_GAP_S,
            min_frames=self.MIN_HITS,
        )
        # The hits found the lines; along each line, every query frame is now compared with the library
        # frames at the time the line puts it (a static shot's right frame is rarely among its closest
        # hits, but it agrees here), and the stretches where frames agree are the copied segments.
        found = []
        for run in runs:
            # Frames along the line are compared with the whole picture and its fixed parts, and with
            # the one crop-grid part most of the line's hits came from, if it came from there: with
            # every grid part at once, unrelated pictures would agree loosely with one of them.
            columns = li[run.members] % item.variants
            parts = np.bincount(columns, minlength=item.variants)
            keep = np.arange(min(FIRST_GRID_COLUMN, item.variants))
            if parts.argmax() >= FIRST_GRID_COLUMN:
                keep = np.append(keep, parts.argmax())
            window = (library[:, keep], item.times[first:last].astype(np.float64))
            line = (run.scale, run.last_offset)
            distance = _distance_along(code_sets, times, window, line, self.TOLERANCE_S)
            agree = distance <= self.MAX_BITS
            if certain < len(code_sets):
                sure = (
                    _distance_along(code_sets[:certain], times, window, line, self.TOLERANCE_S)
                    <= self.MAX_BITS
                )
            else:
                sure = agree
            # Stretches follow the line as long as frames stay loosely alike (overlays and heavy edits
            # push some frames past MAX_BITS; unrelated pictures are ~32 bits apart), but each needs
            # enough frames that truly agree.
            for span in _stretches(times, distance <= self.LOOSE_BITS, self.MAX_GAP_S):
                stretch = span[agree[span]]
                if (
                    len(stretch) < self.MIN_HITS
                    or times[stretch[-1]] + step - times[stretch[0]] < self.MIN_SEGMENT_S
                    # Distinctness is judged on well-lit, structured frames only: in the dark end of a
                    # fade, compression noise alone makes hashes differ.
                    or (
                        _distinct(code_sets[0][stretch[confident[stretch]]], self.DISTINCT_BITS)
                        < self.MIN_DISTINCT_FRAMES
                        and not self._still_view(distance[stretch], detailed[stretch])
                    )
                ):
                    continue
                # Up to three boxes per run of frames are guessed to be insets, most of them wrongly:
                # a segment seen only inside a guessed box must be longer to count.
                seconds = times[stretch[-1]] + step - times[stretch[0]]
                if sure[stretch].mean() < 0.5 and seconds < self.GUESSED_MIN_SEGMENT_S:
                    continue
                q0, q1 = float(times[span[0]]), float(times[span[-1]])
                inside = np.nonzero((times >= q0) & (times <= q1))[0]
                similarity = min(1.0, len(stretch) / max(1, len(inside)))
                m0, m1 = run.scale * q0 + run.last_offset, run.scale * q1 + run.last_offset
                segment = Segment(q0, q1 + step, m0, m1 + step * run.scale, round(similarity, 4))
                found.append((len(stretch), inside, segment))
        return found


def _distance_along(code_sets, times, window, line, tolerance) -> np.ndarray:
    """Each query frame's distance to the closest library frame near where the line puts it."""
    library, library_times = window
    scale, offset = line
    predicted = scale * times + offset
    first = np.searchsorted(library_times, predicted - tolerance, side="left")
    last = np.searchsorted(library_times, predicted + tolerance, side="right")
    reach = int(max(1, (last - first).max(initial=1)))
    at = first[:, None] + np.arange(reach)[None, :]  # (frames, reach) candidate library frames
    valid = at < last[:, None]
    at = np.minimum(at, len(library_times) - 1)
    best = np.full(len(times), 64)
    if len(library_times) == 0:
        return best
    for codes in code_sets:
        distance = np.bitwise_count(codes[:, None, None] ^ library[at]).min(axis=2)
        distance = np.where(valid, distance, 64).min(axis=1)
        best = np.minimum(best, distance)
    return best


def _stretches(times: np.ndarray, agree: np.ndarray, max_gap: float) -> list[np.ndarray]:
    """Agreeing frame indices split wherever agreement lapses for more than max_gap seconds."""
    frames = np.nonzero(agree)[0]
    if len(frames) == 0:
        return []
    breaks = np.nonzero(np.diff(times[frames]) > max_gap)[0] + 1
    return np.split(frames, breaks)


def _close_pairs(query, library, max_bits, per_frame, chunk):
    """(query index, library index) of pairs within max_bits, at most per_frame closest per query hash."""
    q_rows, l_rows = [], []
    for begin in range(0, len(query), chunk):
        part = query[begin : begin + chunk]
        distance = np.bitwise_count(part[:, None] ^ library[None, :])
        rows, cols = np.nonzero(distance <= max_bits)
        if len(rows) == 0:
            continue
        counts = np.bincount(rows, minlength=len(part))
        if counts.max() > per_frame:
            # Keep each row's closest: sort by (row, distance) and take the first per_frame of each row.
            order = np.lexsort((distance[rows, cols], rows))
            rows, cols = rows[order], cols[order]
            rank = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
            rows, cols = rows[rank < per_frame], cols[rank < per_frame]
        q_rows.append(rows + begin)
        l_rows.append(cols)
    if not q_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(q_rows), np.concatenate(l_rows)


def _distinct(codes: np.ndarray, min_bits: int, enough: int = 8) -> int:
    """How many of `codes` differ by more than `min_bits` from every code counted before them
    (counting stops at `enough`)."""
    kept: list[np.uint64] = []
    for code in codes:
        if all(int(np.bitwise_count(code ^ other)) > min_bits for other in kept):
            kept.append(code)
            if len(kept) >= enough:
                break
    return len(kept)
