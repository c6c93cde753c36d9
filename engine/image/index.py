"""The image index: a Hamming scan of the global hashes, and keypoint voting verified by a RANSAC
similarity transform for local (crop, overlay) copies.

Like every index, it lives in memory, is filled incrementally (add/remove per item) and is rebuilt from
the stored fingerprints after a restart; nothing here persists itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import cv2
import numpy as np

from engine.base import Fingerprint, Hit, Index, unpack_arrays

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def hamming(rows: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Hamming distance between each packed row and one packed code."""
    return _POPCOUNT[np.bitwise_xor(rows, code)].sum(axis=1, dtype=np.int32)


_PARTS = ("hash", "hash_mirrored", "points", "descriptors", "points_mirrored", "descriptors_mirrored")
_PER_KEYPOINT = ("points", "descriptors", "points_mirrored", "descriptors_mirrored")


class _FrozenSlots:
    """The items of an index opened from a segment: each item's arrays, cut from the flat ones."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = arrays

    def __getitem__(self, slot: int) -> dict[str, np.ndarray]:
        item = {"hash": self.arrays["hash"][slot], "hash_mirrored": self.arrays["hash_mirrored"][slot]}
        for part in _PER_KEYPOINT:
            bases = self.arrays[part + "_bases"]
            item[part] = self.arrays[part][int(bases[slot]) : int(bases[slot + 1])]
        return item

    def __len__(self) -> int:
        return len(self.arrays["hash"])


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
        self._frozen = False
        self._slots: list[dict[str, np.ndarray] | None] | _FrozenSlots = []
        self._keys: list[Hashable] = []
        self._slot_of: dict[Hashable, int] = {}
        self._stacked: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self._slots) if self._frozen else len(self._slot_of)

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        live = range(len(self._slots)) if self._frozen else sorted(self._slot_of.values())
        items = [self._slots[slot] for slot in live]
        arrays = {
            "hash": np.array([item["hash"] for item in items], np.uint8).reshape(-1, 32),
            "hash_mirrored": np.array([item["hash_mirrored"] for item in items], np.uint8).reshape(-1, 32),
        }
        for part in _PER_KEYPOINT:
            pieces = [item[part] for item in items]
            bases = np.zeros(len(items) + 1, np.int64)
            bases[1:] = np.cumsum([len(piece) for piece in pieces])
            width, dtype = (2, np.float16) if part.startswith("points") else (32, np.uint8)
            arrays[part] = np.concatenate(pieces) if pieces else np.zeros((0, width), dtype)
            arrays[part + "_bases"] = bases
        keys = list(live) if self._frozen else [self._keys[slot] for slot in live]
        return keys, arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> ImageIndex:
        index = cls()
        index._frozen = True
        index._slots = _FrozenSlots(arrays)
        return index

    def add(self, key: Hashable, fingerprint: Fingerprint) -> None:
        if self._frozen:
            raise TypeError("an image index opened from a segment is read-only")
        if key in self._slot_of:
            self.remove(key)
        arrays = unpack_arrays(fingerprint)
        self._slot_of[key] = len(self._slots)
        self._slots.append(arrays)
        self._keys.append(key)
        self._stacked = None

    def remove(self, key: Hashable) -> None:
        if self._frozen:
            raise TypeError("an image index opened from a segment is read-only")
        slot = self._slot_of.pop(key, None)
        if slot is not None:
            self._slots[slot] = None
            self._stacked = None

    def _stack(self) -> tuple[np.ndarray, ...]:
        """(slot ids, their hashes, all descriptors' owner slot + descriptors) for vectorised search."""
        if self._stacked is None and self._frozen:
            frozen = self._slots.arrays
            counts = np.diff(frozen["descriptors_bases"])
            self._stacked = (
                np.arange(len(self._slots), dtype=np.int32),
                frozen["hash"],
                np.repeat(np.arange(len(counts), dtype=np.int32), counts),
                frozen["descriptors"],
            )
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

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        if len(self) == 0:
            return []
        query = unpack_arrays(fingerprint)
        live, hashes, owners, descriptors = self._stack()
        found: dict[int, Hit] = {}

        distance = np.minimum(hamming(hashes, query["hash"]), hamming(hashes, query["hash_mirrored"]))
        close = distance <= self.GLOBAL_MAX_BITS
        for slot, bits in zip(live[close], distance[close], strict=True):
            found[int(slot)] = Hit(self._key_of(slot), 1.0 - bits / 128.0, distance=float(bits))

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
                    found[slot] = Hit(self._key_of(slot), similarity, distance=float(-inliers))
        matches = sorted(found.values(), key=lambda match: -match.similarity)
        for match in matches:
            match.similarity = round(float(match.similarity), 4)
        return matches[:limit]

    def _key_of(self, slot) -> Hashable:
        return int(slot) if self._frozen else self._keys[slot]

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
