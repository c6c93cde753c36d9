"""The image index: no scan of the library, whatever its size.

Two lookups find candidates, and only a few candidates are verified:
- whole-picture copies: the 256-bit global hash, cut into 16 chunks of 16 bits (multi-index hashing,
  Norouzi et al.). Each chunk has a sorted table; a query probes its own chunk values and their 16
  one-bit neighbours, so every item within 31 bits is a candidate for sure (one of the 16 chunks then
  differs by at most one bit) and most items within the 64-bit threshold are; the candidates' full
  hashes decide.
- local copies (crops, borders, overlays, rotations): an inverted file of visual words
  (engine/image/words.py, of SIFT descriptors). An item is filed under the words of its first
  INDEXED_KEYPOINTS keypoints (spread over the picture), each posting with the keypoint's 8-bit sign
  (Hamming embedding), the postings of a word sorted by sign; a query looks up the (word, sign) codes
  of all its keypoints, exact signs first and rarest first within a budget of postings (_lists), and
  the items sharing the most codes are verified by a RANSAC similarity transform on their full keypoints
  (engine/image/verification.py).

Memory: what every search touches ("hot") is the hashes, the chunk tables and the inverted file, under
1,000 bytes per item; the full keypoints and descriptors ("cold") are read for the candidates only. The
index is exported as flat arrays (export) and searched in place from them (from_arrays), e.g. from
memory-mapped segment files. A mutable index keeps its items and builds those arrays when searched.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np

from engine.base import Fingerprint, Hit, Index, unpack_arrays
from engine.image.build import (
    HASH_CHUNKS,
    ITEM_LIMIT,
    ITEM_MASK,
    build_arrays,
    build_streamed,
    chunks,
    filed,
    firsts,
)
from engine.image.lookups import (
    WORD_BUCKET,
    CodeTable,
    Reading,
    Spans,
    Tier,
    ranges,
    spans_by_word,
)
from engine.image.verification import edits_seen, verify, worth_verifying
from engine.image.words import HALF_BITS, rootsift
from engine.segments import SegmentError

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)
# A chunk value and its one-bit neighbours.
_PROBES = np.array([0] + [1 << bit for bit in range(16)], np.uint16)
# Visual words are under 2**24 (engine/image/words.py); a word directory has a position per bucket.
WORDS = 1 << (2 * HALF_BITS)
CHUNK_VALUES = 1 << 16
HOT = ("hashes", "hash_chunks", "hash_items", "word_keys", "word_starts", "word_postings")
COLD = ("keypoint_starts", "keypoint_counts", "points", "descriptors")
# Indexes of up to this many items count votes on 32-bit postings (item << 8 | weight).
NARROW_POSTINGS_MAX_ITEMS = 1 << 24


def hamming(rows: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Hamming distance between each packed row and one packed code."""
    if rows.shape[-1] % 8 == 0:  # as 64-bit words: ~10x faster than a byte table
        words64 = np.ascontiguousarray(rows).view(np.uint64)
        return np.bitwise_count(words64 ^ np.ascontiguousarray(code).view(np.uint64)).sum(
            axis=1, dtype=np.int32
        )
    return _POPCOUNT[np.bitwise_xor(rows, code)].sum(axis=1, dtype=np.int32)


class ImageIndex(Index):
    # Same-picture threshold on the 256-bit hash; unrelated corpus photos are >= 104 bits apart.
    GLOBAL_MAX_BITS = 64
    # RANSAC-consistent keypoint pairs needed for a local (crop/overlay) match. Pairs are one-to-one
    # (verify): unrelated corpus photos then give at most 5 with ORB keypoints (2026-12-03: every
    # query of seeds 1234 and 99 against every library photo it is not a copy of, both orientations:
    # 44,488 pairs) and at most 6 with SIFT ones (2026-12-04, seeds 1234, 99, 2026 and 4711: 44,488
    # checks, 2 of them 6; bench/unrelated_pairs.py). No share of the
    # keypoints is asked as well: 2.5% (15 pairs of two 600-keypoint pictures) lost copies verified by
    # 12-14 pairs. The other figures below were measured with ORB keypoints (before 2026-12-04).
    MIN_INLIERS = 12
    # Keypoints of a library item filed in the inverted file (4 bytes each: sign and item in one
    # number; 5 until 2026-12-03, item and sign apart): the bound on hot memory (200 with 4-byte
    # postings before signs; 176 kept 10M items under 1 KB each with 5-byte postings).
    INDEXED_KEYPOINTS = 176
    # A posting's item number has ITEM_BITS bits (engine/image/build.py).
    MAX_SEGMENT_ITEMS = ITEM_LIMIT
    # Query side: nearest cells per descriptor half (k*k words per keypoint), signs read up to this
    # many bits from the keypoint's own, and the most postings one orientation of a query reads (see
    # _lists): the bound on lookup work. With SIFT words (bench/scale_image.py, its synthetic codes
    # calibrated on real pictures, 10 M items in one segment, 8 candidates verified; 2026-12-04):
    # budgets of 300,000 / 200,000 / 150,000 / 100,000 postings found 0.970 of seed 99's held-out
    # copies each, in 59.7 / 46.7 / 40.2 / 35.3 ms of CPU (median); 0.955 of seed 5309's each. (ORB's
    # words, until 2026-12-04, needed 300,000 for 0.836.)
    QUERY_NEAREST = 2
    SIGN_RADIUS = 1
    POSTING_BUDGET = 100_000
    # An item must share this many codes with the query to be verified; at most this many are (of both
    # orientations together). Verifying one in full costs ~1.3 ms; the first look that stops most of
    # them ~0.4 ms (engine/image/verification.py). Among 2,000 real pictures
    # (bench/replay_photo_library.py's library and queries, budget 100,000), seeds 99 / 4711 found
    # 130 / 130 of 134 with 24 and with 8 candidates; held-out seed 5309 130 with 24 (and 16) but 129
    # with 12 or 8 (its original ranked 13th-16th), so 24 stay. At 10 M (one segment, budget 300,000,
    # no first look): 24 / 12 / 8 found 0.970 of seed 99's (the 24th verified a pool picture derived
    # from a negative's source) in 80.9 / 64.9 / 59.7 ms of CPU (median; 2026-12-04,
    # docs/eval/image-scale-sift.md).
    MIN_VOTES = 1
    VERIFY_CANDIDATES = 24
    # A segment this small has its hashes compared with the query's whole (128 KB at most): its 16
    # chunk lookups would cost more, as much as in a segment of millions (a library holds up to
    # ~40 small segments: libraries/indexing/merge.py). A bigger one finds a chunk's items by a
    # directory of where each of the 65,536 chunk values starts in each chunk table (16 x 65,537
    # positions, made once per worker: 2 MB up to 65,535 items, 4 MB past): two reads for all of a
    # query's probes. Binary searches of the tables instead (until 2026-12-04 below 65,536 items)
    # cost 0.21 / 0.35 ms a segment of 4,097 / 32,769 pictures in a 10 M library of 53 segments (the
    # tables' cache lines gone between queries), 0.08 / 0.12 ms with a directory.
    HASH_SCAN_MAX_ITEMS = 4096
    # Segments this small find a code's postings by two binary searches of one table of all their
    # postings' whole codes (lookups.CodeTable, made once per worker and set of segments), not word
    # then sign segment by segment: a few calls instead of ~50 a segment, which cost as much in a
    # segment of 512 pictures as in one of millions; their hashes are compared with the query's
    # together too (SmallParts).
    CODE_TABLE_MAX_ITEMS = 512
    # A segment of this many words or more finds a word by a directory of where each bucket of
    # WORD_BUCKET words starts in its word table (65,537 positions, 256 KB, made once per worker),
    # then a search of the bucket's few keys: a binary search of hundreds of thousands of keys misses
    # the cache at most of its steps. In a 10 M library of 53 segments, a directory for the segments
    # of 4,097 and 32,769 pictures too (301,601 and 982,567 words; until 2026-12-04 only from 2**20
    # words) took ~1.5 ms off a query's ~60 (bench/scale_image.py's layout, seed 5309).
    WORD_DIRECTORY_MIN_WORDS = 1 << 18

    # A segment build holds the hot part only, its keypoints streamed to scratch files (build_export):
    # with SIFT keypoints (~80 KB a picture's file) 0.07 / 0.05 of the file at 20,000 / 100,000
    # pictures (bench/merge_memory.py, 2026-12-04: random sparse descriptors, each picture's full 176
    # codes, the most postings a picture can have; 0.32 / 0.25 with ORB's ~24 KB files), against
    # 2.9-3.0 when held. With the default 16 GB, merges then write files up to ~245 GB (~3 M
    # pictures): a 10 M library is at worst four segments of 2,097,152 pictures and 49 smaller ones.
    BUILD_MEMORY_PER_FILE_BYTE = 0.07

    def __init__(self) -> None:
        self._items: dict[Hashable, dict[str, np.ndarray]] = {}
        self._arrays: Mapping[str, np.ndarray] | None = None
        self._keys: list[Hashable] | None = None
        self._read_only = False
        self._given: Mapping[str, np.ndarray] | None = None
        # The word directory of a big segment (_spans).
        self._directory: np.ndarray | None = None
        self._hash_directory: np.ndarray | None = None

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> ImageIndex:
        missing = [name for name in HOT + COLD if name not in arrays]
        if missing:
            raise SegmentError(f"an image index segment of another layout (no {', '.join(missing)})")
        index = cls()
        index._given = arrays
        # Plain views of the same memory (np.memmap's own indexing costs ~20 us a call).
        index._arrays = {name: np.asarray(array) for name, array in arrays.items()}
        index._read_only = True
        return index

    def __len__(self) -> int:
        if self._read_only:
            return len(self._arrays["hashes"])
        return len(self._items)

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        self._refuse_if_read_only()
        item = filed(fingerprint, self.INDEXED_KEYPOINTS)
        self._items.pop(key, None)
        self._items[key] = item
        self._arrays = None

    def remove(self, key: Hashable) -> None:
        self._refuse_if_read_only()
        if self._items.pop(key, None) is not None:
            self._arrays = None

    def _refuse_if_read_only(self) -> None:
        if self._read_only:
            raise TypeError(
                "this image index is read-only (opened from arrays): build a new one to change it"
            )

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        if self._read_only:
            return list(range(len(self))), dict(self._given)
        return list(self._items), build_arrays(list(self._items.values()), self.INDEXED_KEYPOINTS)

    @classmethod
    def build_export(
        cls, items: Iterable[tuple[Hashable, Fingerprint]], scratch: Path
    ) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        return build_streamed(items, cls.INDEXED_KEYPOINTS, scratch)

    def hot_bytes(self) -> int:
        return sum(int(self._current()[name].nbytes) for name in HOT)

    def _current(self) -> Mapping[str, np.ndarray]:
        if self._arrays is None:
            self._keys, self._arrays = self.export()
            self._directory = self._hash_directory = None
        return self._arrays

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        return self.search_parts([self], fingerprint, limit)[0]

    @classmethod
    def search_parts(cls, parts: list[Index], fingerprint: Fingerprint, limit: int = 20) -> list[list[Hit]]:
        """One query against a library held in several parts (segments), answered as one index of all
        their items would: the query's codes are made once, the posting budget and the rarity of a
        code are the library's, and only the library's VERIFY_CANDIDATES best are verified (searched
        part by part, each part verified its own, ~35 ms a part whatever its size)."""
        live = _live(parts)
        found: list[dict[int, Hit]] = [{} for _ in parts]
        if not live:
            return [[] for _ in parts]
        query = unpack_arrays(fingerprint)
        # A fingerprint made only to be stored has no mirrored parts: it is searched as it is.
        codes = np.stack([query[name] for name in ("hash", "hash_mirrored") if name in query]).astype(
            np.uint8
        )
        for number, item, bits, mirrored in cls._global_matches_of(live, codes):
            if item not in found[number] or bits < found[number][item].distance:
                changes = ["mirrored"] if mirrored else []
                hit = Hit(item, 1.0 - bits / 128.0, distance=float(bits), changes=changes)
                found[number][item] = hit
        for number, item, inliers, query_points, changes in cls._local_matches(parts, query):
            library_points = int(parts[number]._current()["keypoint_counts"][item])
            # Share of keypoints that agree: about the share of the picture copied. Only the global
            # hash may say 1.0 (the same picture); local evidence stops just below.
            similarity = min(0.99, inliers / max(1, min(query_points, library_points)))
            current = found[number].get(item)
            if current is None or similarity > current.similarity:
                found[number][item] = Hit(item, similarity, distance=float(-inliers), changes=changes)
        return [part._answer(hits, limit) for part, hits in zip(parts, found, strict=True)]

    def _answer(self, found: dict[int, Hit], limit: int) -> list[Hit]:
        matches = sorted(found.values(), key=lambda match: -match.similarity)[:limit]
        for match in matches:
            match.similarity = round(float(match.similarity), 4)
            match.key = match.key if self._read_only else self._keys[match.key]
        return matches

    @classmethod
    def _global_matches_of(cls, live, codes: np.ndarray) -> list[tuple[int, int, int, int]]:
        """(part number, item, bits, which code) of the items of these parts within GLOBAL_MAX_BITS of
        each code (_global_matches): the small parts' hashes compared at once (SmallParts)."""
        small = [(number, part) for number, part, arrays in live if _is_small(arrays)]
        found = [
            (number, item, bits, which)
            for number, part, arrays in live
            if not _is_small(arrays)
            for item, bits, which in part._global_matches(arrays, codes)
        ]
        if small:
            joined = _small_parts([part for _, part in small])
            rows = np.tile(np.arange(len(joined.hashes)), len(codes))
            for row, bits, which in _close(joined.hashes, rows, [len(joined.hashes)] * len(codes), codes):
                found.append((small[joined.member[row]][0], int(joined.item[row]), bits, which))
        return found

    def _global_matches(self, arrays, codes: np.ndarray) -> list[tuple[int, int, int]]:
        """(item, bits, which code) of the items within GLOBAL_MAX_BITS of each code (codes: (n, 32)
        bytes), among those sharing a chunk with it up to one bit (in a segment of up to
        HASH_SCAN_MAX_ITEMS, all of them). All codes are looked up together: in a library of many
        segments, the calls per segment are what a lookup costs."""
        hashes = arrays["hashes"]
        if len(hashes) <= self.HASH_SCAN_MAX_ITEMS:
            candidates = np.tile(np.arange(len(hashes)), len(codes))
            per_code = [len(hashes)] * len(codes)
        else:
            # Each code's probes of each chunk (its value and the 16 one-bit neighbours), code after
            # code: two directory reads each, then each code's candidates are one run.
            probes = chunks(codes)[:, :, None] ^ _PROBES[None, None, :]
            place = probes.astype(np.int64) + (np.arange(HASH_CHUNKS) * (CHUNK_VALUES + 1))[None, :, None]
            directory = self._chunk_directory(arrays["hash_chunks"])
            lo, hi = directory[place], directory[place + 1]
            at = (np.arange(HASH_CHUNKS) * len(hashes))[None, :, None]
            candidates = arrays["hash_items"].reshape(-1)[ranges((lo + at).ravel(), (hi + at).ravel())]
            per_code = (hi - lo).reshape(len(codes), -1).sum(axis=1).tolist()
        return _close(hashes, candidates, per_code, codes)

    @classmethod
    def candidates(cls, parts: list[ImageIndex], q_desc: np.ndarray) -> list[tuple[int, int, float]]:
        """(part number, item, score) of the items sharing the most (word, sign) codes with these
        query descriptors, each code weighted by its rarity in the whole library (idf: log(items /
        items filed under it)), best first: at most VERIFY_CANDIDATES, each sharing at least
        MIN_VOTES codes."""
        return cls.candidates_each(parts, [q_desc])[0]

    @classmethod
    def candidates_each(
        cls, parts: list[ImageIndex], descriptor_sets: list[np.ndarray]
    ) -> list[list[tuple[int, int, float]]]:
        """candidates() of each set of query descriptors (a query and its mirror image), their codes
        looked up in the parts together: a library of many segments pays its calls per segment once."""
        live = _live(parts)
        found: list[list[tuple[int, int, float]]] = [[] for _ in descriptor_sets]
        asked = [number for number, q_desc in enumerate(descriptor_sets) if len(q_desc)]
        if not live or not asked:
            return found
        lists = cls._lists(live, [descriptor_sets[number] for number in asked])
        for number, (totals, spans) in zip(asked, lists, strict=True):
            found[number] = cls._voted(live, totals, spans)
        return found

    @classmethod
    def _voted(cls, live, totals: np.ndarray, spans: Spans) -> list[tuple[int, int, float]]:
        """The best candidates of one set of query descriptors, from its codes' postings in each part
        (_lists: each code's postings in all parts, in the order read, and their spans): see
        candidates()."""
        # The codes read within the budget: a first part of them (each holds postings).
        within = int(np.searchsorted(np.cumsum(totals), cls.POSTING_BUDGET, "right"))
        sizes = [len(arrays["hashes"]) for _, _, arrays in live]
        firsts_of_parts = np.cumsum(sizes) - sizes
        # Each posting carries its code's weight (idf in quarter units) in its low byte, so that one
        # plain sort groups the postings by item (an argsort is 3x slower on this path), in 32 bits
        # while item numbers fit in 24 (sorting 300,000 of them: 8 ms against 14 ms in 64 bits).
        packed = np.uint32 if sum(sizes) <= NARROW_POSTINGS_MAX_ITEMS else np.uint64
        weights = np.clip(np.rint(np.log((sum(sizes) + 1) / totals[:within]) * 4), 1, 255).astype(packed)
        taken = spans.code < within
        code, row_of, start, end = spans.code[taken], spans.part[taken], spans.start[taken], spans.end[taken]
        if len(code) == 0:
            return []
        by_part = np.argsort(row_of, kind="stable")
        code, row_of, start, end = code[by_part], row_of[by_part], start[by_part], end[by_part]
        lengths = end - start
        bounds = np.searchsorted(row_of, np.arange(len(live) + 1))
        postings = np.empty(int(lengths.sum()), packed)
        filled = 0
        for row in np.flatnonzero(np.diff(bounds)).tolist():
            # Written in place, part after part (temporaries of 300,000 postings cost as much as the
            # arithmetic here).
            mine = slice(bounds[row], bounds[row + 1])
            count = int(lengths[mine].sum())
            part = postings[filled : filled + count]
            at = ranges(start[mine], end[mine])
            word_postings = live[row][2]["word_postings"]
            if packed is np.uint32:
                np.take(word_postings, at, out=part)
            else:
                part[:] = word_postings[at]
            part &= packed(ITEM_MASK)  # the item (the sign above it was read in the lookup)
            if firsts_of_parts[row]:
                part += packed(firsts_of_parts[row])
            part <<= packed(8)
            part |= np.repeat(weights[code[mine]], lengths[mine])
            filled += count
        postings.sort()
        voters = postings >> packed(8)
        firsts = np.concatenate(([0], np.flatnonzero(np.diff(voters)) + 1))
        votes = np.diff(np.append(firsts, len(voters)))
        sums = np.add.reduceat((postings & packed(255)).astype(np.int64), firsts)
        # The best VERIFY_CANDIDATES: all items scoring at least the one at that place, then by score
        # and (of equal scores) by item (the lower first): 0.45 ms for 70,000 items, where an
        # argpartition of them all took 1.0 (and left which of equal scores it kept to chance).
        place = max(0, len(sums) - cls.VERIFY_CANDIDATES)
        best = np.flatnonzero(sums >= np.partition(sums, place)[place])
        best = best[np.lexsort((voters[firsts[best]], -sums[best]))][: cls.VERIFY_CANDIDATES]
        best = best[votes[best] >= cls.MIN_VOTES]
        scores = sums / 4
        chosen = voters[firsts[best]].astype(np.int64)
        rows = np.searchsorted(firsts_of_parts, chosen, "right") - 1
        return [
            (live[row][0], item - int(firsts_of_parts[row]), score)
            for row, item, score in zip(rows.tolist(), chosen.tolist(), scores[best].tolist(), strict=True)
        ]

    @classmethod
    def _lists(cls, live, descriptor_sets: list[np.ndarray]) -> list[tuple[np.ndarray, Spans]]:
        """For each set of query descriptors, how many postings each of its codes read holds (in the
        order they are read) and where they start and end in each part (Spans). A code is a word and a sign;
        postings of a word are sorted by sign, so a code's postings are one range of a part. Read in
        tiers, each rarest code first (over all parts): each keypoint's own word with its own sign;
        the other combinations of its halves' QUERY_NEAREST nearest cells with its sign; then both
        with the signs one bit away (up to SIGN_RADIUS bits). An exact sign is shared by 84% of a
        copy's keypoints and 33% of unrelated ones in the same word, so a big index spends its budget
        on the first tiers (at 3M synthetic items: 0.896 of the held-out copies found, against 0.873
        with the one-bit signs of the own words read second and 0.843 with all signs of a word read
        together; measured with the bench's first synthetic signs, too selective: see
        docs/evaluation.md); a small index reads them all. Each set reads its own tiers within its
        own budget; the codes of a tier are looked up in the parts for all sets still reading at once."""
        reading = Reading.each_of(descriptor_sets)
        # Parts of up to CODE_TABLE_MAX_ITEMS items are looked up together, in one table of their codes.
        small = np.array([row for row, (_, _, arrays) in enumerate(live) if _is_small(arrays)], np.int64)
        big = [row for row, (_, _, arrays) in enumerate(live) if not _is_small(arrays)]
        table = _small_parts([live[row][1] for row in small]).table if len(small) else None
        for bits in range(cls.SIGN_RADIUS + 1):
            for group in range(2):
                now = [each for each in reading if not each.done]
                if not now:
                    break
                if group == 1:
                    Reading.reach_nearby(now, cls.QUERY_NEAREST)
                tiers = [each.tier(group, bits) for each in now]
                union = np.sort(np.concatenate(tiers))
                union = Tier(union[firsts(union)])
                found = Spans.of_parts([(row, live[row][1]._spans(live[row][2], union)) for row in big])
                if table is not None:
                    code, member, start, end = table.spans(union.narrow)
                    found = Spans.joined([found, Spans(code, small[member], start, end)])
                for each, codes in zip(now, tiers, strict=True):
                    numbers = np.full(len(union.codes), -1, np.int64)
                    numbers[np.searchsorted(union.codes, codes)] = np.arange(len(codes))
                    each.read_tier(codes, found.renumbered(numbers), cls.POSTING_BUDGET)
        return [each.lists() for each in reading]

    @classmethod
    def _local_matches(
        cls, parts: list[ImageIndex], query: dict[str, np.ndarray]
    ) -> list[tuple[int, int, int, int, list[str]]]:
        """(part number, item, inliers, query keypoints, changes seen) of the verified candidates: the
        VERIFY_CANDIDATES best scored of both orientations of the query together, over all parts."""
        suffixes = [s for s in ("", "_mirrored") if len(query.get("descriptors" + s, ())) >= cls.MIN_INLIERS]
        found = cls.candidates_each(parts, [query["descriptors" + suffix] for suffix in suffixes])
        ranked = [
            (-score, number, item, suffix)
            for suffix, candidates in zip(suffixes, found, strict=True)
            for number, item, score in candidates
        ]
        results = []
        q_roots = {suffix: rootsift(query["descriptors" + suffix]) for suffix in suffixes}
        for _, number, item, suffix in sorted(ranked)[: cls.VERIFY_CANDIDATES]:
            arrays = parts[number]._current()
            start = int(arrays["keypoint_starts"][item])
            stop = start + int(arrays["keypoint_counts"][item])
            l_points, l_roots = arrays["points"][start:stop], rootsift(arrays["descriptors"][start:stop])
            q_points = query["points" + suffix]
            if not worth_verifying(q_points, q_roots[suffix], l_points, l_roots):
                continue
            inliers, transform = verify(q_points, q_roots[suffix], l_points, l_roots)
            if inliers >= cls.MIN_INLIERS:
                changes = edits_seen(transform, mirrored=bool(suffix))
                results.append((number, item, inliers, len(q_roots[suffix]), changes))
        return results

    def _spans(self, arrays, tier: Tier) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(which of the tier's codes, starts, ends) of the tier's codes (word << 8 | sign) this part
        files postings under: where they start and end in its postings."""
        return spans_by_word(arrays, tier, self._word_directory(arrays["word_keys"]))

    def _chunk_directory(self, table: np.ndarray) -> np.ndarray:
        """Where each chunk value starts in each chunk table (and where the table ends), chunk after
        chunk in one flat array (made once: 16 x 65,537 positions, in 16 bits while they fit)."""
        if self._hash_directory is None:
            values = np.arange(CHUNK_VALUES + 1, dtype=np.int64)
            self._hash_directory = np.concatenate(
                [np.searchsorted(table[chunk], values) for chunk in range(HASH_CHUNKS)]
            ).astype(np.uint16 if table.shape[1] < CHUNK_VALUES else np.int32)
        return self._hash_directory

    def _word_directory(self, keys: np.ndarray) -> np.ndarray | None:
        """Where each bucket of WORD_BUCKET words starts in the word table (and where the table ends),
        for a segment of at least WORD_DIRECTORY_MIN_WORDS words."""
        if len(keys) < self.WORD_DIRECTORY_MIN_WORDS:
            return None
        if self._directory is None:
            firsts = np.arange(0, WORDS + 1, WORD_BUCKET, dtype=np.int64).astype(keys.dtype)
            self._directory = np.searchsorted(keys, firsts).astype(np.int32)
        return self._directory


def _close(hashes: np.ndarray, candidates: np.ndarray, per_code: list[int], codes: np.ndarray):
    """(candidate, bits, which code) of the candidates (rows of hashes; the first per_code[0] for the
    first code, and so on) within ImageIndex.GLOBAL_MAX_BITS of their code, each candidate once."""
    distance = np.empty(len(candidates), np.int32)
    first = 0
    for code, count in zip(codes, per_code, strict=True):
        # Code by code: xor with one row, and the four 64-bit counts added as columns (5x faster than
        # gathering the code for every candidate and summing along rows); rows gathered by np.take
        # (5x faster than indexing, which copies row by row).
        mine = slice(first, first + count)
        bits = np.bitwise_count(
            np.take(hashes, candidates[mine], axis=0).view(np.uint64) ^ code.view(np.uint64)
        )
        distance[mine] = (bits[:, 0] + bits[:, 1]) + (bits[:, 2] + bits[:, 3])
        first += count
    which = np.repeat(np.arange(len(codes)), per_code)
    close = distance <= ImageIndex.GLOBAL_MAX_BITS
    # A candidate sharing several chunks comes several times: only the close ones are made unique
    # (at 10M items a hash has ~40,000 candidates, nearly all met once and far).
    pairs = (which[close].astype(np.int64) << 32) | candidates[close]
    pairs, first_of = np.unique(pairs, return_index=True)
    bits = distance[close][first_of]
    return list(zip((pairs & 0xFFFFFFFF).tolist(), bits.tolist(), (pairs >> 32).tolist(), strict=True))


def _is_small(arrays) -> bool:
    return len(arrays["hashes"]) <= ImageIndex.CODE_TABLE_MAX_ITEMS


class SmallParts(NamedTuple):
    """What a worker keeps of the small parts (up to CODE_TABLE_MAX_ITEMS items) of a set it searches,
    so that a query looks them up together: a CodeTable of their postings' codes, and their hashes
    joined (compared with the query's at once, not part by part: ~1 ms less in a library of 53
    segments), each row's part (its number among them) and item."""

    table: CodeTable
    hashes: np.ndarray
    member: np.ndarray
    item: np.ndarray

    @classmethod
    def of(cls, members: list[Mapping[str, np.ndarray]]) -> SmallParts:
        sizes = [len(arrays["hashes"]) for arrays in members]
        return cls(
            CodeTable(members),
            np.concatenate([arrays["hashes"] for arrays in members]),
            np.repeat(np.arange(len(members)), sizes),
            np.concatenate([np.arange(size) for size in sizes]),
        )


# The SmallParts of each set of small parts a worker searches, kept with the set's first part (and gone
# with it): remade when the set changes (a save adds a part, a merge takes some), ~10 bytes a posting
# of the set and 48 a picture, at most ~7 MB (4,095 pictures: merge.py's small levels, full).
_SMALL_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SMALL_PARTS_LOCK = threading.Lock()


def _small_parts(parts: list[ImageIndex]) -> SmallParts:
    """The SmallParts of these parts: kept while the same parts hold the same arrays."""
    members = [part._current() for part in parts]
    with _SMALL_PARTS_LOCK:
        kept = _SMALL_PARTS.get(parts[0])
    if kept is not None:
        refs, arrays, small = kept
        if len(refs) == len(parts) and all(
            ref() is part and held is now
            for ref, part, held, now in zip(refs, parts, arrays, members, strict=True)
        ):
            return small
    small = SmallParts.of(members)
    with _SMALL_PARTS_LOCK:
        _SMALL_PARTS[parts[0]] = ([weakref.ref(part) for part in parts], members, small)
    return small


def _live(parts: list[ImageIndex]) -> list[tuple[int, ImageIndex, Mapping[str, np.ndarray]]]:
    """(part number, part, its arrays) of the parts holding items."""
    return [(number, part, part._current()) for number, part in enumerate(parts) if len(part)]
