"""The audio index: look up keys to find candidate alignments, then compare every code along them.

Finding. A key is 24 bits: the 12 key bits of a code and of the code half a second later. Library
items file the key of every KEY_EVERY-th code, with a check byte: the other 4 bits of both codes. The
query looks up the keys of all its codes in each of its band-scale variants, plus each key with its
least certain bits flipped (noise flips the weak bits first). A filed key whose check byte differs
from the query's in more than MAX_CHECK_ERRORS bits is passed over (in a big library most rows under
a key are chance, and counting their votes is what a search spends its time on). Hits vote for
(item, offset) bins; the best bins are candidates.

Verifying. For each candidate, the query's codes are compared with the library item's codes along lines
library = offset + scale * query over a few time scales (tempo and speed changes) and offsets around the
vote. Along the best line, stretches where at most MAX_STRETCH_ERRORS of the bits differ (averaged over
a second) are the copied segments; similarity is 1 - 2 x (bit error rate), so unrelated audio scores
about 0 and an exact copy 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.audio.codes import (
    CODE_CENTRE,
    FRAME_SECONDS,
    KEY_BITS,
    LAG,
    SILENCE_DB,
    VARIANT_SCALES,
    WEAK_BITS,
)
from engine.base import Fingerprint, Hit, Index, Segment, unpack_arrays
from engine.segments import SegmentError
from engine.sorted_runs import KeyDirectory, SortedRuns

KEY_GAP = LAG  # the second code of a key is this many codes later (0.5 s)
KEY_EVERY = 4  # library codes filed under a key: every 4th (8 per second)
_KEY_MASK = (1 << KEY_BITS) - 1
CHECK_BITS = 16 - KEY_BITS  # of each code: the check byte of a seed holds those of both codes
_CHECK_MASK = (1 << 2 * CHECK_BITS) - 1
MAX_CHECK_ERRORS = 2  # bits of the check byte that may differ from the query's
# Segment arrays: the seeds (key and check byte, a uint32) with their rows, or a directory over the
# keys with each row's check byte. A segment of another layout is refused (and rebuilt).
SEED_LAYOUT = 2
VOTE_BIN = 24  # codes per offset bin (0.77 s): a 5% tempo change drifts 16 codes over 10 s
MAX_CANDIDATES = 24
# A segment with this many seed keys keeps a directory of all 2**24 keys instead of the keys (the
# directory is then no bigger than the keys it replaces).
DIRECTORY_MIN_KEYS = 1 << 24
MIN_VOTES = 2
TIME_SCALES = (0.95, 0.975, 1.0, 1.025, 1.05)
SEARCH_RADIUS = VOTE_BIN  # codes either side of the voted offset tried when verifying
# Bit error rates: unrelated audio sits near 0.5; copies under 0 dB noise near 0.15-0.3.
MAX_STRETCH_ERRORS = 0.36  # a code belongs to a copied stretch below this (two-second average)
MAX_MATCH_ERRORS = 0.33  # a stretch is reported when its own error rate is at most this
MIN_SEGMENT_SECONDS = 2.0
# ... and when its evidence, similarity x seconds, reaches this: a short stretch must be clearer than a
# long one. Set where at most 1% of the benchmark's negative queries (seed 21) match.
MIN_EVIDENCE = 2.92
SMOOTH_CODES = 62  # two seconds of codes
_POPCOUNT16 = np.array([bin(i).count("1") for i in range(1 << 16)], np.uint8)
_POPCOUNT8 = _POPCOUNT16[:256]


@dataclass
class _Item:
    key: Hashable
    base: int  # first row of the item's codes
    length: int
    alive: bool = True


@dataclass
class _Query:
    """A query's codes and its probes (keys and their flips), made once for every part searched."""

    codes: np.ndarray
    valid: np.ndarray
    duration: float
    variants: int
    unique: np.ndarray  # distinct probes (key and check byte, as seeds are filed), sorted
    by_unique: np.ndarray  # probe numbers grouped by their unique key
    starts: np.ndarray  # where each unique key's probes start in by_unique
    probe_frame: np.ndarray
    probe_variant: np.ndarray

    @classmethod
    def of(cls, arrays: dict[str, np.ndarray]) -> _Query | None:
        codes = arrays["codes"]
        weak = arrays.get("weak")
        if weak is None:  # a stored fingerprint searched as a query: plain codes, no flips
            weak = np.zeros(codes.shape, np.uint16)
        valid = arrays["level"] > SILENCE_DB
        frames, variants = codes.shape
        if frames <= KEY_GAP:
            return None
        at = np.flatnonzero(valid[: frames - KEY_GAP] & valid[KEY_GAP:])
        if len(at) == 0:
            return None
        keys = _keys(codes[at], codes[at + KEY_GAP]).astype(np.int64)  # (n, variants)
        checks = _checks(codes[at], codes[at + KEY_GAP]).astype(np.int64)
        flips = _flip_masks(weak[at], weak[at + KEY_GAP])  # (n, variants, probes)
        probes = (((keys[:, :, None] ^ flips) << 2 * CHECK_BITS) | checks[:, :, None]).reshape(-1)
        unique, inverse = np.unique(probes, return_inverse=True)
        by_unique = np.argsort(inverse, kind="stable")
        return cls(
            codes=codes,
            valid=valid,
            duration=max(float(arrays["duration"]), 1e-9),
            variants=variants,
            unique=unique,
            by_unique=by_unique,
            starts=np.searchsorted(inverse[by_unique], np.arange(len(unique) + 1)),
            probe_frame=np.repeat(at, variants * flips.shape[2]),
            probe_variant=np.tile(np.repeat(np.arange(variants), flips.shape[2]), len(at)),
        )


class _FrozenItems:
    """The items of an index opened from a segment, made on demand from its arrays."""

    def __init__(self, bases: np.ndarray, lengths: np.ndarray) -> None:
        self.bases, self.lengths = bases, lengths

    def __getitem__(self, slot: int) -> _Item:
        return _Item(slot, int(self.bases[slot]), int(self.lengths[slot]))

    def __len__(self) -> int:
        return len(self.bases)


class AudioIndex(Index):
    def __init__(self) -> None:
        self._frozen = False
        self._items: list[_Item] | _FrozenItems = []
        self._slots: dict[Hashable, int] = {}
        self._codes = np.zeros(0, np.uint16)
        self._valid = np.zeros(0, bool)
        self._used = 0
        self._keys = SortedRuns()
        self._bases = np.zeros(0, np.int64)
        self._alive = np.zeros(0, bool)
        self._dead_rows = 0

    def __len__(self) -> int:
        return len(self._items) if self._frozen else len(self._slots)

    # -- segments ----------------------------------------------------------------------------------

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        if self._frozen:
            return list(range(len(self))), self._arrays()
        if self._dead_rows or len(self._slots) != len(self._items):
            self._rebuild()
        return [item.key for item in self._items], self._arrays()

    def _arrays(self) -> dict[str, np.ndarray]:
        if isinstance(self._items, _FrozenItems):
            lengths = self._items.lengths
        else:
            lengths = np.array([item.length for item in self._items], np.int64)
        return {
            "codes": self._codes[: self._used],
            "valid": self._valid[: self._used],
            "bases": self._bases[: len(self)],
            "lengths": lengths,
            **self._seed_arrays(),
        }

    def _seed_arrays(self) -> dict[str, np.ndarray]:
        """The seeds as one sorted run, or, in a big segment, as a directory of where each key's rows
        start and each row's check byte (a lookup is then two reads per probe, not a binary search in
        30 M keys)."""
        layout = {"seed_layout": np.array([SEED_LAYOUT], np.int64)}
        directory = self._keys
        if not isinstance(directory, KeyDirectory):
            seeds, rows = self._keys.merged()
            if len(seeds) < DIRECTORY_MIN_KEYS:
                return {"seeds": seeds, "seed_rows": rows, **layout}
            checks = (seeds & _CHECK_MASK).astype(np.uint8)
            directory = KeyDirectory.build(seeds >> 2 * CHECK_BITS, rows, 2 * KEY_BITS, checks)
        return {
            "seed_starts": directory.starts,
            "seed_rows": directory.rows,
            "seed_checks": directory.tags,
            **layout,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> AudioIndex:
        # Plain arrays over the memory map (numpy's memmap type costs time on every indexing).
        arrays = {name: np.asarray(array) for name, array in arrays.items()}
        index = cls()
        index._frozen = True
        index._items = _FrozenItems(arrays["bases"], arrays["lengths"])
        index._codes, index._valid = arrays["codes"], arrays["valid"]
        index._used = len(arrays["codes"])
        index._bases = arrays["bases"]
        index._alive = np.ones(len(arrays["bases"]), bool)
        layout = arrays.get("seed_layout")
        if layout is None or len(layout) != 1 or int(layout[0]) != SEED_LAYOUT:
            raise SegmentError("an audio index segment of another layout (its seeds have no check bytes)")
        if "seed_starts" in arrays:
            index._keys = KeyDirectory(arrays["seed_starts"], arrays["seed_rows"], arrays["seed_checks"])
        else:
            index._keys = SortedRuns.from_run(arrays["seeds"], arrays["seed_rows"])
        return index

    def _refuse_if_frozen(self) -> None:
        if self._frozen:
            raise TypeError("an audio index opened from a segment is read-only")

    # -- building ---------------------------------------------------------------------------------

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        self._refuse_if_frozen()
        if key in self._slots:
            self.remove(key)
        arrays = unpack_arrays(fingerprint)
        codes = arrays["codes"][:, 0]
        valid = arrays["level"] > SILENCE_DB
        self._append(key, codes, valid)

    def _append(self, key: Hashable, codes: np.ndarray, valid: np.ndarray) -> None:
        base = self._used
        need = base + len(codes)
        if need > len(self._codes):  # amortised growth
            size = max(need, int(len(self._codes) * 1.5) + 1024)
            self._codes = np.concatenate([self._codes, np.zeros(size - len(self._codes), np.uint16)])
            self._valid = np.concatenate([self._valid, np.zeros(size - len(self._valid), bool)])
        self._codes[base:need] = codes
        self._valid[base:need] = valid
        self._used = need
        slot = len(self._items)
        self._items.append(_Item(key, base, len(codes)))
        self._slots[key] = slot
        self._bases = np.append(self._bases, base)
        self._alive = np.append(self._alive, True)
        at = np.arange(0, len(codes) - KEY_GAP, KEY_EVERY)
        at = at[valid[at] & valid[at + KEY_GAP]]
        keys = _keys(codes[at], codes[at + KEY_GAP])
        seeds = (keys << 2 * CHECK_BITS) | _checks(codes[at], codes[at + KEY_GAP])
        # Runs of one key (held notes, steady passages) need filing once.
        keep = np.ones(len(keys), bool)
        keep[1:] = keys[1:] != keys[:-1]
        self._keys.add(seeds[keep], base + at[keep])

    def remove(self, key: Hashable) -> None:
        self._refuse_if_frozen()
        slot = self._slots.pop(key, None)
        if slot is None:
            return
        self._items[slot].alive = False
        self._alive[slot] = False
        self._dead_rows += self._items[slot].length
        if self._dead_rows > self._used // 2:
            self._rebuild()

    def _rebuild(self) -> None:
        live = [item for item in self._items if item.alive]
        parts = [
            (i.key, self._codes[i.base : i.base + i.length], self._valid[i.base : i.base + i.length])
            for i in live
        ]
        self.__init__()
        for key, codes, valid in parts:
            self._append(key, codes.copy(), valid.copy())

    def memory_bytes(self) -> int:
        return self._used * 3 + self._keys.nbytes()

    # -- searching --------------------------------------------------------------------------------

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        return self.search_parts([self], fingerprint, limit)[0]

    @classmethod
    def search_parts(cls, parts: list[Index], fingerprint: Fingerprint, limit: int = 20) -> list[list[Hit]]:
        """One query against a library held in several parts (segments), answered as one index would:
        the query's probes are made once, and the vote cells of all parts are ranked together, so only
        the library's best MAX_CANDIDATES are verified (per part, every part would verify its own
        chance candidates, and query time would grow with the number of parts)."""
        query = _Query.of(unpack_arrays(fingerprint))
        if query is None:
            return [[] for _ in parts]
        scored = []
        for number, part in enumerate(parts):
            if len(part):
                scored += [(score, number, candidate) for score, candidate in part._scored(query)]
        scored.sort(key=lambda item: -item[0])  # stable: within a part, its own order is kept
        found: list[dict[int, list[tuple[float, Segment]]]] = [{} for _ in parts]
        for _, number, (slot, offset, variant) in scored[:MAX_CANDIDATES]:
            for errors, segment in parts[number]._verify(query.codes, query.valid, slot, offset, variant):
                kept = found[number].setdefault(slot, [])
                if any(_overlap(segment, other) > 0.5 for _, other in kept):
                    continue
                kept.append((errors, segment))
        return [
            part._hits(found_in_part, query.duration, limit)
            for part, found_in_part in zip(parts, found, strict=True)
        ]

    def _hits(self, found: dict[int, list[tuple[float, Segment]]], duration: float, limit: int) -> list[Hit]:
        # Global similarity, as for video: the share of the query inside copied segments, weighted by
        # each segment's similarity.
        matches = []
        for slot, kept in found.items():
            segments = sorted((segment for _, segment in kept), key=lambda s: s.start)
            covered = sum(s.similarity * (s.end - s.start) for s in segments) / duration
            edits = list(dict.fromkeys(segment.edit for segment in segments if segment.edit))
            matches.append(
                Hit(self._items[slot].key, round(min(1.0, covered), 4), {"audio": segments}, changes=edits)
            )
        matches.sort(key=lambda m: -m.similarity)
        return matches[:limit]

    def _seeds_near(self, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe index, row) for every filed seed with a probe's key and a check byte within
        MAX_CHECK_ERRORS bits of the probe's."""
        prefixes = probes >> 2 * CHECK_BITS
        wanted = (probes & _CHECK_MASK).astype(np.uint8)
        if isinstance(self._keys, KeyDirectory):
            hit, counts, positions = self._keys.spans(prefixes)
            near = _POPCOUNT8[self._keys.tags[positions] ^ np.repeat(wanted[hit], counts)] <= MAX_CHECK_ERRORS
            taken = np.flatnonzero(near)
            owner = hit[np.searchsorted(np.cumsum(counts), taken, side="right")]
            return owner, self._keys.rows[positions[taken]]
        hit, rows, seeds = self._keys.lookup_prefix(prefixes, 2 * CHECK_BITS)
        near = _POPCOUNT8[(seeds & _CHECK_MASK).astype(np.uint8) ^ wanted[hit]] <= MAX_CHECK_ERRORS
        return hit[near], rows[near]

    def _scored(self, query: _Query) -> list[tuple[int, tuple[int, int, int]]]:
        """This part's best vote cells: (score, (slot, offset, variant)), best first."""
        hit_probe, rows = self._seeds_near(query.unique)
        if len(rows) == 0:
            return []
        slots = np.searchsorted(self._bases, rows, side="right") - 1
        alive = self._alive[slots]
        hit_probe, rows, slots = hit_probe[alive], rows[alive].astype(np.int64), slots[alive]
        if len(rows) == 0:
            return []
        # Each unique probe stands for several (frame, variant) probes: expand through `inverse`.
        counts = query.starts[hit_probe + 1] - query.starts[hit_probe]
        owners = query.by_unique[np.repeat(query.starts[hit_probe], counts) + _ramp(counts)]
        rows, slots = np.repeat(rows, counts), np.repeat(slots, counts)
        offsets = rows - self._bases[slots] - query.probe_frame[owners]
        bins = np.floor_divide(offsets, VOTE_BIN)
        # One vote per (slot, bin, query frame): a frame matching through many probes counts once.
        votes_key = (slots * (1 << 24) + (bins + (1 << 23))) * (1 << 20) + query.probe_frame[owners]
        votes_key, first_of = np.unique(votes_key, return_index=True)
        cell = votes_key >> 20  # sorted
        new_cell = np.ones(len(cell), bool)
        new_cell[1:] = cell[1:] != cell[:-1]
        cell_of_vote = np.cumsum(new_cell) - 1
        cells = cell[new_cell]
        votes = np.bincount(cell_of_vote)
        # A line may straddle two bins: count the next bin's votes too.
        has_next = np.zeros(len(cells), bool)
        has_next[:-1] = cells[1:] == cells[:-1] + 1
        score = votes + np.where(has_next, np.roll(votes, -1), 0)
        order = np.argsort(-score, kind="stable")[:MAX_CANDIDATES]
        order = order[score[order] >= MIN_VOTES]
        # Each candidate's band variant: the one most of its votes came through.
        rank = np.full(len(cells), -1)
        rank[order] = np.arange(len(order))
        chosen = rank[cell_of_vote]
        mine = chosen >= 0
        cell_variant = query.probe_variant[owners[first_of[mine]]]
        tally = np.bincount(
            chosen[mine] * query.variants + cell_variant, minlength=len(order) * query.variants
        )
        best_variant = tally.reshape(len(order), query.variants).argmax(axis=1)
        candidates = []
        for index, variant in zip(order, best_variant, strict=True):
            slot = int(cells[index] >> 24)
            bin_ = int((cells[index] & ((1 << 24) - 1)) - (1 << 23))
            candidates.append((int(score[index]), (slot, bin_ * VOTE_BIN + VOTE_BIN, int(variant))))
        return candidates

    def _verify(
        self, codes: np.ndarray, valid: np.ndarray, slot: int, centre: int, variant: int
    ) -> list[tuple[float, Segment]]:
        item = self._items[slot]
        library = self._codes[item.base : item.base + item.length]
        library_valid = self._valid[item.base : item.base + item.length]
        frames = len(codes)
        query_at = np.flatnonzero(valid)
        enough = min(SMOOTH_CODES, len(query_at) // 2)

        def lines(variants, scales, origins, at):
            """Error rates along lines (one per row of band variant, time scale and origin), and the
            number of the best line (the first best) with its per-code errors."""
            grid = np.rint(origins[:, None] + scales[:, None] * at[None, :]).astype(np.int64)
            inside = (grid >= 0) & (grid < len(library))
            safe = np.clip(grid, 0, len(library) - 1)
            usable = inside & library_valid[safe]
            errors = _POPCOUNT16[library[safe] ^ codes[at[None, :], variants[:, None]]]
            counts = usable.sum(axis=1)
            rate = np.where(usable, errors, 0).sum(axis=1) / np.maximum(counts, 1) / 16
            rate = np.where(counts * (len(query_at) / max(len(at), 1)) >= enough, rate, 1.0)
            k = int(np.argmin(rate))
            return float(rate[k]), k, errors[k], usable[k]

        # Coarse: the voted band variant, every time scale, every other origin, every third code. The
        # vote measured library - query near the query's middle; lines through it.
        steps = np.arange(-SEARCH_RADIUS, SEARCH_RADIUS + 1, 2, dtype=np.float64)
        scales = np.array(TIME_SCALES)
        middles = centre - (scales - 1.0) * frames / 2
        origins = (middles[:, None] + steps[None, :]).reshape(-1)
        scales = np.repeat(scales, len(steps))
        rate, k, _, _ = lines(np.full(len(origins), variant), scales, origins, query_at[::3])
        if rate > MAX_STRETCH_ERRORS + 0.08:
            return []
        # Fine: all codes, neighbouring band variants and origins around the coarse best.
        scale, coarse = float(scales[k]), origins[k]
        tried = sorted({variant, 0} | ({variant - 2, variant + 2} & set(range(1, codes.shape[1]))))
        origins = np.tile(coarse + np.arange(-2, 3, dtype=np.float64), len(tried))
        variants = np.repeat(tried, 5)
        rate, k, errors, usable = lines(variants, np.full(len(origins), scale), origins, query_at)
        if rate > MAX_STRETCH_ERRORS + 0.08:
            return []
        origin = float(origins[k])
        per_code = np.full(frames, np.nan, np.float32)
        per_code[query_at[usable]] = errors[usable] / 16
        edit = edit_heard(VARIANT_SCALES[int(variants[k])], scale)
        return list(self._stretches(per_code, origin, scale, frames, edit))

    def _stretches(self, per_code: np.ndarray, offset: float, scale: float, frames: int, edit: str = ""):
        known = ~np.isnan(per_code)
        window = np.ones(SMOOTH_CODES, np.float32)
        sums = np.convolve(np.where(known, per_code, 0), window, mode="same")
        counts = np.convolve(known.astype(np.float32), window, mode="same")
        smooth = np.where(counts >= SMOOTH_CODES / 3, sums / np.maximum(counts, 1), 1.0)
        good = smooth <= MAX_STRETCH_ERRORS
        edges = np.flatnonzero(np.diff(np.concatenate([[False], good, [False]]).astype(np.int8)))
        for begin, end in zip(edges[::2], edges[1::2], strict=True):
            rates = per_code[begin:end][known[begin:end]]
            if len(rates) == 0:
                continue
            error_rate = float(rates.mean())
            if error_rate > MAX_MATCH_ERRORS:
                continue
            start = 0.0 if begin == 0 else begin * FRAME_SECONDS + CODE_CENTRE
            stop = (end - 1) * FRAME_SECONDS + CODE_CENTRE
            if end == frames:
                stop = (frames - 1) * FRAME_SECONDS + 2 * CODE_CENTRE
            if stop - start < MIN_SEGMENT_SECONDS or (1 - 2 * error_rate) * (stop - start) < MIN_EVIDENCE:
                continue
            # Query code q lies against library code offset + scale * q; times are code centres.
            origin = offset * FRAME_SECONDS + CODE_CENTRE - scale * CODE_CENTRE
            library_start, library_end = origin + scale * start, origin + scale * stop
            similarity = max(0.0, 1.0 - 2.0 * error_rate)
            yield error_rate, Segment(start, stop, max(0.0, library_start), library_end, similarity, edit)


# A band scale this far from 1 (and from the time scale) is a pitch change: the variants are 1.5%
# apart, so a copy resampled by r (pitch and time by r together) is found at a band within 0.75% of r.
PITCH_MIN_CHANGE = 0.012
TEMPO_MIN_CHANGE = 0.02


def edit_heard(band: float, scale: float) -> str:
    """The edit a line's band scale (query frequency / library frequency) and time scale (library
    seconds per query second) show: pitch moved alone, or tempo alone. Both moved together is a speed
    change, which the review page reads from the segments' lengths (review/scores.py)."""
    if abs(band - 1.0) >= PITCH_MIN_CHANGE and abs(band - scale) >= PITCH_MIN_CHANGE:
        semitones = round(24 * float(np.log2(band))) / 2  # to the half: the variants are 0.26 apart
        return f"pitch about {semitones:+g} semitone{'' if abs(semitones) == 1 else 's'}"
    if abs(scale - 1.0) >= TEMPO_MIN_CHANGE and abs(band - 1.0) < PITCH_MIN_CHANGE:
        return "tempo changed, pitch kept"
    return ""


def _keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return ((first.astype(np.uint32) & _KEY_MASK) << KEY_BITS) | (second.astype(np.uint32) & _KEY_MASK)


def _checks(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The check byte of seeds: the bits of both codes that are not in their key."""
    return ((first.astype(np.uint32) >> KEY_BITS) << CHECK_BITS) | (second.astype(np.uint32) >> KEY_BITS)


def _flip_masks(weak_first: np.ndarray, weak_second: np.ndarray) -> np.ndarray:
    """XOR masks per key: every subset of the two weakest bits of each code, then the third weakest
    of each alone (18 probes, the first one the key itself)."""
    bit = [(weak_first >> (4 * r)) & 15 for r in range(WEAK_BITS)]
    first = [np.left_shift(np.uint32(1), b.astype(np.uint32) + KEY_BITS) for b in bit]
    bit = [(weak_second >> (4 * r)) & 15 for r in range(WEAK_BITS)]
    second = [np.left_shift(np.uint32(1), b.astype(np.uint32)) for b in bit]
    pool = [first[0], first[1], second[0], second[1]]
    masks = []
    for subset in range(16):
        mask = np.zeros(weak_first.shape, np.uint32)
        for i in range(4):
            if subset >> i & 1:
                mask = mask | pool[i]
        masks.append(mask)
    masks += [first[2], second[2]]
    return np.stack(masks, axis=-1).astype(np.int64)


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each count c, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _overlap(a: Segment, b: Segment) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    return max(0.0, inter) / max(1e-9, min(a.end - a.start, b.end - b.start))
