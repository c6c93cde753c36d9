"""One library's index as a set of segments: each segment an index opened read-only from its file,
plus tombstones (items deleted or replaced after a segment was written).

Every segment has a generation (when it was made); a tombstone for an item at generation T hides the
item in every segment older than T, so a replaced item's new segment (newer than its tombstone) still
answers. Results of all segments are merged by item, best similarity first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.base import Fingerprint, Hit, Index
from engine.segments import Segment


@dataclass
class Part:
    name: str
    generation: int
    segment: Segment
    index: Index


class SegmentSet:
    def __init__(self, index_class: type[Index]) -> None:
        self.index_class = index_class
        self.parts: dict[str, Part] = {}
        # item key (bytes) -> generation of its latest tombstone
        self.tombstones: dict[bytes, int] = {}

    def __len__(self) -> int:
        return sum(len(part.segment.keys) for part in self.parts.values())

    def add_segment(self, name: str, generation: int, segment: Segment) -> None:
        index = self.index_class.from_arrays(segment.arrays)
        self.parts[name] = Part(name, generation, segment, index)

    def drop_segment(self, name: str) -> None:
        self.parts.pop(name, None)

    def bury(self, key: bytes, generation: int) -> None:
        if generation > self.tombstones.get(key, -1):
            self.tombstones[key] = generation

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        """Hits of every segment, keyed by the item keys stored in the segments (bytes)."""
        best: dict[bytes, Hit] = {}
        parts = list(self.parts.values())
        # Ask for a few more than the limit: some hits may be buried.
        wanted = limit + min(len(self.tombstones), 20)
        answers = self.index_class.search_parts([part.index for part in parts], fingerprint, wanted)
        for part, hits in zip(parts, answers, strict=True):
            for hit in hits:
                key = _key_bytes(part.segment.keys[int(hit.key)])
                if self.tombstones.get(key, -1) > part.generation:
                    continue
                hit.key = key
                if key not in best or hit.similarity > best[key].similarity:
                    best[key] = hit
        hits = sorted(best.values(), key=lambda hit: -hit.similarity)
        return hits[:limit]

    def warm(self) -> int:
        """Touch every page of every segment (a page is 4 KiB); returns the bytes touched."""
        touched = 0
        for part in self.parts.values():
            for array in [part.segment.keys, *part.segment.arrays.values()]:
                flat = array.reshape(-1).view(np.uint8)
                int(flat[::4096].sum())
                touched += flat.nbytes
        return touched

    def hot_bytes(self) -> int:
        return sum(part.index.hot_bytes() for part in self.parts.values())


def _key_bytes(key: np.ndarray) -> bytes:
    return key.tobytes()
