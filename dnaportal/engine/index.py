"""Searchable indexes of a library's fingerprints, one class per fingerprint family.

Indexes live in memory, are filled incrementally (add/remove per item) and are rebuilt from the stored
fingerprints after a restart; nothing here persists itself.
"""

from __future__ import annotations

from collections.abc import Hashable

import cv2
import numpy as np

from dnaportal.engine import text as text_fp
from dnaportal.engine.align import chain_hits
from dnaportal.engine.base import Fingerprint, Index, Match, Segment, unpack_arrays

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def hamming(rows: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Hamming distance between each packed row and one packed code."""
    return _POPCOUNT[np.bitwise_xor(rows, code)].sum(axis=1, dtype=np.int32)


class ImageIndex(Index):
    # Same-picture threshold on the 256-bit hash; unrelated corpus photos are >= 104 bits apart.
    GLOBAL_MAX_BITS = 64
    # RANSAC-consistent keypoint pairs needed for a local (crop/overlay) match; unrelated photos
    # give <= 9 at the 99th percentile on the corpus.
    MIN_INLIERS = 15
    # ...and those pairs must be a fair share of the keypoints: one stray 15-pair agreement between
    # two busy unrelated photos covered 4% of their keypoints on the corpus.
    MIN_LOCAL_SIMILARITY = 0.05
    # Descriptor pairs closer than this (of 256 bits) vote for an item.
    VOTE_MAX_BITS = 64
    # Voting uses the first (grid-spread) query keypoints only; verification uses them all.
    VOTERS = 600
    VERIFY_CANDIDATES = 8

    def __init__(self) -> None:
        self._slots: list[dict[str, np.ndarray] | None] = []
        self._keys: list[Hashable] = []
        self._slot_of: dict[Hashable, int] = {}
        self._stacked: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self._slot_of)

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        if key in self._slot_of:
            self.remove(key)
        arrays = unpack_arrays(fingerprint)
        self._slot_of[key] = len(self._slots)
        self._slots.append(arrays)
        self._keys.append(key)
        self._stacked = None

    def remove(self, key: Hashable) -> None:
        slot = self._slot_of.pop(key, None)
        if slot is not None:
            self._slots[slot] = None
            self._stacked = None

    def _stack(self) -> tuple[np.ndarray, ...]:
        """(slot ids, their hashes, all descriptors' owner slot + descriptors) for vectorised search."""
        if self._stacked is None:
            live = [i for i, arrays in enumerate(self._slots) if arrays is not None]
            hashes = np.array([self._slots[i]["hash"] for i in live], np.uint8).reshape(-1, 32)
            owners = [np.full(len(self._slots[i]["descriptors"]), i, np.int32) for i in live]
            descriptors = [self._slots[i]["descriptors"] for i in live]
            self._stacked = (
                np.array(live, np.int32),
                hashes,
                np.concatenate(owners) if owners else np.zeros(0, np.int32),
                np.concatenate(descriptors) if descriptors else np.zeros((0, 32), np.uint8),
            )
        return self._stacked

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Match]:
        if not self._slot_of:
            return []
        query = unpack_arrays(fingerprint)
        live, hashes, owners, descriptors = self._stack()
        found: dict[int, Match] = {}

        distance = np.minimum(hamming(hashes, query["hash"]), hamming(hashes, query["hash_mirrored"]))
        close = distance <= self.GLOBAL_MAX_BITS
        for slot, bits in zip(live[close], distance[close], strict=True):
            found[int(slot)] = Match(self._keys[slot], 1.0 - bits / 128.0, distance=float(bits))

        for suffix in ("", "_mirrored"):
            q_points, q_desc = query["points" + suffix], query["descriptors" + suffix]
            for slot, inliers in self._local_matches(q_points, q_desc, owners, descriptors):
                library_points = len(self._slots[slot]["descriptors"])
                # Share of keypoints that agree: about the share of the picture copied. Only the
                # global hash may say 1.0 (the same picture); local evidence stops just below.
                similarity = min(0.99, inliers / max(1, min(len(q_desc), library_points)))
                if similarity < self.MIN_LOCAL_SIMILARITY:
                    continue
                current = found.get(slot)
                if current is None or similarity > current.similarity:
                    found[slot] = Match(self._keys[slot], similarity, distance=float(-inliers))
        matches = sorted(found.values(), key=lambda match: -match.similarity)
        for match in matches:
            match.similarity = round(float(match.similarity), 4)
        return matches[:limit]

    def _local_matches(self, q_points, q_desc, owners, descriptors) -> list[tuple[int, int]]:
        if len(q_desc) < self.MIN_INLIERS or len(descriptors) < 2:
            return []
        matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
        pairs = matcher.knnMatch(q_desc[: self.VOTERS], descriptors, k=2)
        votes: dict[int, set[int]] = {}
        for candidates in pairs:
            for pair in candidates:
                if pair.distance <= self.VOTE_MAX_BITS:
                    votes.setdefault(int(owners[pair.trainIdx]), set()).add(pair.queryIdx)
        ranked = sorted(votes.items(), key=lambda item: -len(item[1]))[: self.VERIFY_CANDIDATES]
        results = []
        for slot, voters in ranked:
            if len(voters) < self.MIN_INLIERS:
                break
            inliers = self._verify(q_points, q_desc, self._slots[slot])
            if inliers >= self.MIN_INLIERS:
                results.append((slot, inliers))
        return results

    @staticmethod
    def _verify(q_points, q_desc, library: dict[str, np.ndarray]) -> int:
        """Keypoint pairs that pass Lowe's ratio test and agree on one similarity transform."""
        l_desc = library["descriptors"]
        if len(l_desc) < 2:
            return 0
        pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(q_desc, l_desc, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
        if len(good) < 6:
            return 0
        src = q_points[[g.queryIdx for g in good]].astype(np.float32)
        dst = library["points"][[g.trainIdx for g in good]].astype(np.float32)
        cv2.setRNGSeed(len(good))  # RANSAC samples at random: same inputs, same answer
        _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=0.01)
        return int(mask.sum()) if mask is not None else 0


class TextIndex(Index):
    # Shingles found in more places than this are boilerplate (licences, stock phrases): no evidence.
    MAX_POSTINGS = 64
    # A copied passage needs this many shared shingles on one diagonal (>= 8 words in a row).
    MIN_HITS = 4
    MAX_GAP_WORDS = 12
    MAX_DRIFT_WORDS = 3
    MERGE_RUNS = 4

    def __init__(self) -> None:
        self._keys: list[Hashable] = []
        self._slot_of: dict[Hashable, int] = {}
        self._offsets: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self._slot_of)

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
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
        for hashes, slots, positions in self._sorted_runs():
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

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Match]:
        query = unpack_arrays(fingerprint)
        shingles, q_starts, q_ends = query["shingles"], query["starts"], query["ends"]
        if not self._slot_of or len(shingles) == 0:
            return []
        q_hits, slot_hits, m_hits = self._hits(shingles)
        k = text_fp.SHINGLE_WORDS
        words = len(q_starts)
        matches = []
        for slot in np.unique(slot_hits):
            offsets = self._offsets.get(int(slot))
            chosen = slot_hits == slot
            if offsets is None or int(chosen.sum()) < self.MIN_HITS:
                continue
            runs = chain_hits(
                q_hits[chosen],
                m_hits[chosen],
                max_gap=self.MAX_GAP_WORDS,
                max_drift=self.MAX_DRIFT_WORDS,
                min_hits=self.MIN_HITS,
            )
            if not runs:
                continue
            m_starts, m_ends = offsets
            covered = np.zeros(words, np.float64)
            segments = []
            for run in runs:
                q0, q1 = int(run.q_start), int(run.q_end) + k - 1
                m0, m1 = int(run.m_start), int(run.m_end) + k - 1
                similarity = min(1.0, run.hits / (run.q_end - run.q_start + 1))
                covered[q0 : q1 + 1] = np.maximum(covered[q0 : q1 + 1], similarity)
                segments.append(
                    Segment(
                        float(q_starts[q0]),
                        float(q_ends[q1]),
                        float(m_starts[m0]),
                        float(m_ends[m1]),
                        round(similarity, 4),
                    )
                )
            similarity = round(float(covered.mean()), 4)
            matches.append(Match(self._keys[int(slot)], similarity, {"text": segments}))
        matches.sort(key=lambda match: -match.similarity)
        return matches[:limit]
