"""How a query's codes are found in one part (segment) of an image index: the tiers of codes it reads
(Reading, Tier), and the ranges of their postings (Spans) in a part's word table (spans_by_word) or, for
small parts, in one table of all their postings' whole codes (CodeTable). See engine/image/index.py.

Only the ranges that hold postings are kept, each with its code and part: a library of many segments
holds few of a query's codes in each small one, and tables of every code in every part (what was kept
before) cost as much again as the lookups themselves in a library of 53 segments.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

import numpy as np

from engine.image.build import ITEM_BITS, firsts
from engine.image.words import signs, words

# Signs exactly 0, 1, 2 bits away from a sign (as masks to xor with).
SIGN_PROBES = [
    np.array([mask for mask in range(256) if bin(mask).count("1") == bits], np.int64) for bits in range(3)
]
WORD_BUCKET = 256


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """All positions of the half-open ranges [starts[i], ends[i]), concatenated."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    before = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) + np.repeat(starts - before, lengths)


def lower_bounds(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each i, the first position in values[lo[i]:hi[i]] (sorted) whose value is >= targets[i]
    (hi[i] if none): a binary search of all ranges at once, the same steps for all (as many as the
    longest range needs: fewer numpy calls a step than narrowing down to the ranges still searched, 30%
    less time on this path). Values are read by np.take, clipped to the array (an empty range may
    start at its end): one call a read, where indexing took two and was no faster."""
    base = lo.astype(np.int64)
    size = (hi - lo).astype(np.int64)
    # A range of n values is down to one after (n - 1).bit_length() halvings.
    for _ in range((int(size.max(initial=1)) - 1).bit_length()):
        half = size >> 1
        middle = base + half
        base = np.where(np.take(values, middle, mode="clip") < targets, middle, base)
        size -= half
    # Each range is down to one value or none: where one is left and is below the target, past it.
    return base + ((size > 0) & (np.take(values, base, mode="clip") < targets))


class Spans(NamedTuple):
    """Ranges of postings that hold some: each of a code (its number in a list of codes) in a part (its
    row among the parts searched), from start to end in that part's postings."""

    code: np.ndarray
    part: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def of_parts(cls, found: list[tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]]) -> Spans:
        """The (codes, starts, ends) found in each part (row, found), as one Spans."""
        if not found:
            none = np.zeros(0, np.int64)
            return cls(none, none, none, none)
        codes, starts, ends = (np.concatenate([each[field] for _, each in found]) for field in range(3))
        rows = np.repeat([row for row, _ in found], [len(each[0]) for _, each in found])
        return cls(codes, rows, starts, ends)

    def renumbered(self, numbers: np.ndarray) -> Spans:
        """These spans with their codes numbered by numbers[code]; those numbered -1 left out."""
        new = numbers[self.code]
        keep = new >= 0
        return Spans(new[keep], self.part[keep], self.start[keep], self.end[keep])

    @classmethod
    def joined(cls, many: list[Spans]) -> Spans:
        return cls(*(np.concatenate([spans[field] for spans in many]) for field in range(4)))


class Tier:
    """The codes of one tier of a query's lookups (sorted), in the forms the parts look them up by."""

    def __init__(self, codes: np.ndarray) -> None:
        self.codes = codes

    @cached_property
    def narrow(self) -> np.ndarray:
        # Words are under 2**24: a code fits 32 bits.
        return self.codes.astype(np.uint32)

    @cached_property
    def words(self) -> tuple[np.ndarray, np.ndarray]:
        """The codes' distinct words, and each code's among them."""
        of_codes = self.codes >> 8  # sorted, as the codes are
        first = firsts(of_codes)
        return of_codes[first], np.cumsum(first) - 1


class Reading:
    """One set of query descriptors' progress through the tiers of _lists: the codes it has read, the
    postings it has counted against its budget, and the spans of its codes, tier by tier (codes
    numbered in the order they are read)."""

    def __init__(self, q_desc: np.ndarray, own_words: np.ndarray, own_signs: np.ndarray) -> None:
        self.q_desc = q_desc
        self.own_signs = own_signs.astype(np.int64)
        self.groups = [(own_words.astype(np.int64) << 8) | self.own_signs]
        self.seen = np.zeros(0, np.int64)
        self.spans: list[Spans] = []
        self.totals: list[np.ndarray] = []
        self.read = 0
        self.done = False

    @classmethod
    def each_of(cls, descriptor_sets: list[np.ndarray]) -> list[Reading]:
        """A Reading of each set, the words and signs of all sets made together (a query and its mirror
        image: one pass over the vocabulary's cells instead of two, 2.0 against 2.7 ms)."""
        joined = np.concatenate(descriptor_sets)
        own_words, own_signs = words(joined)[:, 0], signs(joined)
        bounds = np.cumsum([len(q_desc) for q_desc in descriptor_sets])[:-1]
        return [
            cls(q_desc, mine, theirs)
            for q_desc, mine, theirs in zip(
                descriptor_sets, np.split(own_words, bounds), np.split(own_signs, bounds), strict=True
            )
        ]

    @staticmethod
    def reach_nearby(readings: list[Reading], nearest: int) -> None:
        """Make the nearby words (group 1) of these readings that have none yet, together."""
        lacking = [each for each in readings if len(each.groups) == 1]
        if not lacking:
            return
        nearby = words(np.concatenate([each.q_desc for each in lacking]), nearest).astype(np.int64)
        bounds = np.cumsum([len(each.q_desc) for each in lacking])[:-1]
        for each, mine in zip(lacking, np.split(nearby, bounds), strict=True):
            each.groups.append((mine << 8) | each.own_signs[:, None])

    def tier(self, group: int, bits: int) -> np.ndarray:
        """The codes of this tier not read in an earlier one (sorted): group 0 is each keypoint's own
        word, group 1 the other nearby words (reach_nearby first); signs exactly `bits` bits from the
        keypoint's own."""
        return unseen((self.groups[group][..., None] ^ SIGN_PROBES[bits]).ravel(), self.seen)

    def read_tier(self, codes: np.ndarray, spans: Spans, budget: int) -> None:
        """Take a tier's spans (their codes numbered as in codes), rarest code first (over all parts);
        done once the budget is spent (the next tiers would not be read: they are not looked up)."""
        totals = np.bincount(spans.code, weights=spans.end - spans.start, minlength=len(codes))
        totals = totals.astype(np.int64)
        rarest = np.argsort(totals, kind="stable")
        rarest = rarest[totals[rarest] > 0]
        numbers = np.full(len(codes), -1, np.int64)
        numbers[rarest] = np.arange(len(rarest)) + sum(len(each) for each in self.totals)
        self.spans.append(spans.renumbered(numbers))
        self.totals.append(totals[rarest])
        self.read += int(totals.sum())
        self.done = self.read >= budget
        if not self.done:
            self.seen = np.sort(np.concatenate([self.seen, codes]))  # the two share no code

    def lists(self) -> tuple[np.ndarray, Spans]:
        """How many postings each code read holds (in the order read), and their spans."""
        return np.concatenate(self.totals), Spans.joined(self.spans)


def unseen(codes: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """The distinct codes not in seen (sorted, distinct), sorted. By sorting: numpy's own set
    operations (setdiff1d, union1d) took ~13 ms of a ~44 ms query in numpy 2.4 (its hashing unique)."""
    codes = np.sort(codes)
    codes = codes[firsts(codes)]
    if len(seen) == 0 or len(codes) == 0:
        return codes
    at = np.minimum(np.searchsorted(seen, codes), len(seen) - 1)
    return codes[seen[at] != codes]


class CodeTable:
    """The whole codes (word << 8 | sign) of every posting of some small parts, sorted, each with its
    part (member) and its place in that part's postings: a query's codes are looked up in all of them
    at once. Searched part by part, the 28 smallest segments of a library the merges leave at worst
    (7 each of 1, 8, 64 and 512 pictures) cost a query ~12 ms (one segment of 6,000 pictures: 23 ms),
    each paying a search of the query's ~40,000 codes."""

    def __init__(self, members: list) -> None:
        codes = [posting_codes(arrays) for arrays in members]
        joined = np.concatenate(codes)
        # Stable: the postings of one code in one part stay in place order, so that they are one range.
        order = np.argsort(joined, kind="stable")
        self.codes = joined[order]
        self.members = np.repeat(np.arange(len(codes), dtype=np.int32), [len(c) for c in codes])[order]
        self.places = np.concatenate([np.arange(len(c), dtype=np.uint32) for c in codes])[order]

    def spans(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(which codes, which member, starts, ends) of the codes (sorted, uint32) the members file
        postings under: where they start and end in each member's postings. Where the table is the
        shorter, each of its codes is looked up among the query's instead: the work is the shorter
        times log the longer."""
        table = self.codes
        if len(codes) <= len(table):
            starts = np.searchsorted(table, codes)
            held = np.flatnonzero(table[np.minimum(starts, len(table) - 1)] == codes)
            ends = np.searchsorted(table, codes[held] + np.uint32(1))
            entries = ranges(starts[held], ends)
            code = np.repeat(held, ends - starts[held])
        else:
            at = np.minimum(np.searchsorted(codes, table), len(codes) - 1)
            entries = np.flatnonzero(codes[at] == table)  # in code order, then member, then place
            code = at[entries]
        if len(entries) == 0:
            return entries, entries, entries, entries
        member, place = self.members[entries], self.places[entries]
        # One span per code and member: a run of consecutive places.
        new = np.ones(len(entries), bool)
        new[1:] = (code[1:] != code[:-1]) | (member[1:] != member[:-1])
        first = np.flatnonzero(new)
        last = np.append(first[1:], len(entries)) - 1
        return code[first], member[first], place[first].astype(np.int64), place[last].astype(np.int64) + 1


def posting_codes(arrays) -> np.ndarray:
    """The whole code of each posting of a part (uint32: words are under 2**24), in posting order."""
    words_of = np.repeat(arrays["word_keys"], np.diff(arrays["word_starts"])).astype(np.uint32)
    return (words_of << np.uint32(8)) | (arrays["word_postings"] >> np.uint32(ITEM_BITS))


def spans_by_word(arrays, tier: Tier, directory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(which of the tier's codes, starts, ends) of the codes a part files postings under, by its word
    table (through its directory where there is one), then the sign within the word's postings
    (binary searches)."""
    keys, word_starts = arrays["word_keys"], arrays["word_starts"]
    none = np.zeros(0, np.int64)
    if len(keys) == 0:
        return none, none, none
    wanted, which = tier.words
    if directory is None:
        # (In the table's own type: a search for int64 values first copies the whole uint32 table.)
        at = np.searchsorted(keys, wanted.astype(keys.dtype))
    else:
        bucket = wanted // WORD_BUCKET
        at = lower_bounds(keys, directory[bucket], directory[bucket + 1], wanted)
    at = np.minimum(at, len(keys) - 1)
    present = np.flatnonzero((keys[at] == wanted)[which])
    if len(present) == 0:  # a small segment holds few of the query's words
        return none, none, none
    at, sign = at[which[present]], tier.codes[present] & 255
    # Both ends of every range in one search (the loop's calls cost as much as its work here).
    lo, hi = word_starts[at], word_starts[at + 1]
    # Postings are sign << ITEM_BITS | item: the first of a sign is the first at least sign << ITEM_BITS.
    # Compared in the postings' own uint32 (no posting is 0xFFFFFFFF: build.ITEM_LIMIT), not widened
    # to int64 at every step.
    bounds = np.minimum(np.concatenate([sign, sign + 1]) << ITEM_BITS, 0xFFFFFFFF).astype(np.uint32)
    found = lower_bounds(arrays["word_postings"], np.tile(lo, 2), np.tile(hi, 2), bounds)
    starts, ends = found[: len(present)], found[len(present) :]
    held = np.flatnonzero(ends > starts)  # a word held without the sign
    return present[held], starts[held], ends[held]
