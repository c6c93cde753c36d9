"""The text index: every library text's shingles in sorted runs, looked up by binary search; hits on
one diagonal (a constant offset) are chained into copied passages (engine/align.py)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import numpy as np

from engine.align import chain_hits
from engine.base import Fingerprint, Hit, Index, Segment, unpack_arrays
from engine.text.passages import joined, undominated
from engine.text.shingles import SHINGLE_WORDS

_EMPTY = np.zeros(0, np.int64)
_NO_HITS = (_EMPTY, _EMPTY, _EMPTY)


class TextIndex(Index):
    # Shingles found in more places than this are boilerplate (licences, stock phrases): no evidence.
    MAX_POSTINGS = 64
    # A shingle held by this many library items (and this share of them) is common: a licence every
    # book carries, a standard disclaimer. Its hits are no evidence of a copy. Counted over the index
    # as it stands at each lookup, so it follows the library as items are saved and deleted. Five,
    # not two or three: a passage copied into a few items must still be found in the next copy.
    COMMON_ITEMS = 5
    COMMON_SHARE = 0.01
    # A copied passage needs this many shared shingles on one diagonal (>= 10 words in a row). Chains
    # of 4 (8 words) matched stock phrases ("in keeping with the spirit of the age"): 12 of 200
    # unrelated 10-page queries in bench/scale_text.py; chains of 6, none.
    MIN_HITS = 6
    MAX_GAP_WORDS = 12
    MAX_DRIFT_WORDS = 3
    # Chains on one diagonal this many words apart are one passage broken by edits (passages.py).
    JOIN_GAP_WORDS: int | None = 40
    # A chain with this share of its query words inside a chain this many times longer is an echo of
    # a phrase the library repeats (passages.py); None keeps every chain.
    ECHO_SHARE: float | None = 0.8
    ECHO_RATIO = 2.0
    MERGE_RUNS = 4
    # Tokens a shingle spans (words here; engine/speech/index.py uses phones).
    SHINGLE = SHINGLE_WORDS
    TRACK = "text"

    def __init__(self) -> None:
        self._frozen: Mapping[str, np.ndarray] | None = None
        self._keys: list[Hashable] = []
        self._slot_of: dict[Hashable, int] = {}
        self._offsets: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        if self._frozen is not None:
            return len(self._frozen["word_bases"]) - 1
        return len(self._slot_of)

    # -- segments ----------------------------------------------------------------------------------

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        if self._frozen is not None:
            return list(range(len(self))), dict(self._frozen)
        live = sorted(self._offsets)
        position = np.full(len(self._keys), -1, np.int32)
        position[live] = np.arange(len(live), dtype=np.int32)
        runs = self._sorted_runs()
        if runs:
            hashes, slots, positions = self._sort(runs)
        else:
            hashes, slots, positions = np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32)
        starts = [self._offsets[slot][0] for slot in live]
        ends = [self._offsets[slot][1] for slot in live]
        bases = np.zeros(len(live) + 1, np.int64)
        bases[1:] = np.cumsum([len(s) for s in starts])
        arrays = {
            "shingles": hashes,
            "slots": position[slots],
            "positions": positions.astype(np.int32),
            "word_starts": np.concatenate(starts) if starts else np.zeros(0, np.int64),
            "word_ends": np.concatenate(ends) if ends else np.zeros(0, np.int64),
            "word_bases": bases,
        }
        return [self._keys[slot] for slot in live], arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> TextIndex:
        index = cls()
        index._frozen = arrays
        return index

    def _refuse_if_frozen(self) -> None:
        if self._frozen is not None:
            raise TypeError("a text index opened from a segment is read-only")

    def _runs_to_search(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        if self._frozen is not None:
            return [(self._frozen["shingles"], self._frozen["slots"], self._frozen["positions"])]
        return self._sorted_runs()

    def _word_offsets(self, slot: int) -> tuple[np.ndarray, np.ndarray] | None:
        if self._frozen is None:
            return self._offsets.get(slot)
        bases = self._frozen["word_bases"]
        begin, end = int(bases[slot]), int(bases[slot + 1])
        return self._frozen["word_starts"][begin:end], self._frozen["word_ends"][begin:end]

    def _key_of(self, slot: int) -> Hashable:
        return slot if self._frozen is not None else self._keys[slot]

    # -- filling -----------------------------------------------------------------------------------

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        self._refuse_if_frozen()
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
        self._refuse_if_frozen()
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
        for hashes, slots, positions in self._runs_to_search():
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
        return self.search_parts([self], fingerprint, limit)[0]

    @classmethod
    def search_parts(cls, parts: list[Index], fingerprint: Fingerprint, limit: int = 20) -> list[list[Hit]]:
        """Every part's passages, with common shingles counted over all parts together (a library
        held in several segments is one library)."""
        query = unpack_arrays(fingerprint)
        shingles = query["shingles"]
        found = [part._hits(shingles) if len(part) and len(shingles) else _NO_HITS for part in parts]
        common = cls._common(found, sum(len(part) for part in parts), len(shingles))
        if common is not None:
            found = [tuple(a[~common[q]] for a in (q, s, m)) for q, s, m in found]
        runs = [part._chains(hits) for part, hits in zip(parts, found, strict=True)]
        if cls.ECHO_SHARE is not None:
            everywhere = {
                (i, slot): chains for i, part_runs in enumerate(runs) for slot, chains in part_runs.items()
            }
            undominated(everywhere, shingle=cls.SHINGLE, share=cls.ECHO_SHARE, ratio=cls.ECHO_RATIO)
            runs = [{slot: everywhere[i, slot] for slot in part_runs} for i, part_runs in enumerate(runs)]
        return [part._passages(query, part_runs, limit) for part, part_runs in zip(parts, runs, strict=True)]

    @classmethod
    def _common(cls, found: list[tuple], items: int, shingles: int) -> np.ndarray | None:
        """Which query shingles are held by COMMON_ITEMS or more library items (None: none can be)."""
        if cls.COMMON_ITEMS is None:
            return None
        threshold = max(cls.COMMON_ITEMS, math.ceil(cls.COMMON_SHARE * items))
        if items < threshold:
            return None
        holders = np.zeros(shingles, np.int64)
        for part_hits, slot_hits, _ in found:
            if len(part_hits):
                # distinct (query shingle, item) pairs of this part, counted per query shingle
                pairs = np.unique((part_hits.astype(np.int64) << 32) | slot_hits.astype(np.int64))
                holders += np.bincount(pairs >> 32, minlength=shingles)
        common = holders >= threshold
        return common if common.any() else None

    def _chains(self, hits: tuple) -> dict[int, list]:
        """Each library item's chains of hits (item slot -> runs in shingle positions)."""
        q_hits, slot_hits, m_hits = hits
        runs = {}
        for slot in np.unique(slot_hits):
            chosen = slot_hits == slot
            if int(chosen.sum()) < self.MIN_HITS:
                continue
            chains = chain_hits(
                q_hits[chosen],
                m_hits[chosen],
                max_gap=self.MAX_GAP_WORDS,
                max_drift=self.MAX_DRIFT_WORDS,
                min_hits=self.MIN_HITS,
            )
            if chains and self.JOIN_GAP_WORDS is not None:
                chains = joined(chains, max_gap=self.JOIN_GAP_WORDS, max_drift=self.MAX_DRIFT_WORDS)
            if chains:
                runs[int(slot)] = chains
        return runs

    def _passages(self, query: dict, runs: dict[int, list], limit: int) -> list[Hit]:
        q_starts, q_ends = query["starts"], query["ends"]
        k = self.SHINGLE
        words = len(q_starts)
        matches = []
        for slot, chains in runs.items():
            offsets = self._word_offsets(slot)
            if offsets is None or not chains:
                continue
            m_starts, m_ends = offsets
            covered = np.zeros(words, np.float64)
            segments = []
            for run in chains:
                q0, q1 = int(run.q_start), int(run.q_end) + k - 1
                m0, m1 = int(run.m_start), int(run.m_end) + k - 1
                similarity = min(1.0, run.hits / (run.q_end - run.q_start + 1))
                passage = Segment(
                    float(q_starts[q0]),
                    float(q_ends[q1]),
                    float(m_starts[m0]),
                    float(m_ends[m1]),
                    round(similarity, 4),
                )
                if not self._kept(passage):
                    continue
                covered[q0 : q1 + 1] = np.maximum(covered[q0 : q1 + 1], similarity)
                segments.append(self._described(passage, query, slot, (q0, q1), (m0, m1)))
            if not segments:
                continue
            similarity = round(float(covered.mean()), 4)
            matches.append(Hit(self._key_of(slot), similarity, {self.TRACK: segments}))
        matches.sort(key=lambda match: -match.similarity)
        return matches[:limit]

    def _kept(self, passage: Segment) -> bool:
        """Whether a chain is evidence enough to report (every chain of MIN_HITS is, for text)."""
        return True

    def _described(
        self, passage: Segment, query: dict, slot: int, tokens: tuple, library_tokens: tuple
    ) -> Segment:
        """A passage as reported: text passages need nothing more (their text is cut from both texts by
        their character offsets); a subclass may add what only it knows."""
        return passage
