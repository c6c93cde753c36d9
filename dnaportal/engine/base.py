"""The engine's vocabulary: fingerprints, segments, matches, errors, and the fingerprinter interface.

This package imports no Django: the portal hands it files and text, it hands back plain data.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np


class EngineError(Exception):
    """A failure the job reports with a code. `permanent` errors fail the job; others are retried."""

    code = "InternalError"
    permanent = False

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class MediaError(EngineError):
    """The input itself is unusable (empty, corrupt, wrong kind): retrying cannot help."""

    code = "InvalidFile.Corrupt"
    permanent = True


@dataclass(frozen=True)
class MediaInput:
    """What a fingerprinter reads: a file on disk, or text already in memory."""

    path: Path | None = None
    text: str | None = None


@dataclass
class Fingerprint:
    """A fingerprint as stored: opaque bytes plus the name and version of what made it."""

    fingerprinter: str
    version: int
    data: bytes
    # Facts learnt while decoding (duration, width, height, fps, sample_rate, characters).
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """A copied stretch: query [start, end) against library [master_start, master_end).

    Seconds for time media, character offsets for text.
    """

    start: float
    end: float
    master_start: float
    master_end: float
    similarity: float

    def as_dict(self) -> dict[str, float]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "master_start": round(self.master_start, 3),
            "master_end": round(self.master_end, 3),
            "similarity": round(self.similarity, 4),
        }


@dataclass
class Match:
    """One library item that the query copies, with the evidence. Never a bare yes/no."""

    key: Hashable
    similarity: float
    # Segments per track: "video", "audio", "text". Images have none (the whole picture matches).
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    # Raw distance behind the similarity, e.g. Hamming bits for image hashes.
    distance: float | None = None


class Index(ABC):
    """A library's searchable fingerprints, for one fingerprinter. Items are added incrementally."""

    @abstractmethod
    def add(self, key: Hashable, fingerprint: Fingerprint) -> None: ...

    @abstractmethod
    def remove(self, key: Hashable) -> None: ...

    @abstractmethod
    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Match]: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def add_many(self, items: Iterable[tuple[Hashable, Fingerprint]]) -> None:
        for key, fingerprint in items:
            self.add(key, fingerprint)


class Fingerprinter(ABC):
    """Turns one kind of media into fingerprints and knows which index searches them."""

    name: ClassVar[str]
    version: ClassVar[int]
    # Job media types this fingerprinter serves, e.g. ("image",).
    media_types: ClassVar[tuple[str, ...]]

    @abstractmethod
    def extract(self, media: MediaInput, progress: Callable[[float], None] | None = None) -> Fingerprint:
        """Fingerprint one input. Long inputs call `progress(seconds done)` now and then."""

    @abstractmethod
    def new_index(self) -> Index: ...

    def for_storage(self, fingerprint: Fingerprint) -> Fingerprint:
        """What a library keeps of a fingerprint (a query may carry more than search needs to store)."""
        return fingerprint


def pack_arrays(**arrays: np.ndarray) -> bytes:
    """Fingerprint payloads are .npz archives: named arrays, no pickling."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack_arrays(fingerprint: Fingerprint) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(fingerprint.data), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}
