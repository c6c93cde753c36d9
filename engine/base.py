"""The engine's contract: what every fingerprinter (signal type) declares, and the plain data it hands
back. A fingerprinter lives in its own folder (engine/image, engine/text, engine/audio, engine/video)
with its index and its examples; engine/registry.py builds the registry from these declarations.

No Django here: the portal hands the engine files and text, the engine hands back plain data.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

# Told how far a decode has come: seconds of media done, and (where the container says) how many in all.
# It may raise (a MediaError) to stop the decode: a job past its time limit.
Progress = Callable[[float, float | None], None]


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
    # Subtitles (SRT or WebVTT) given with a recording: speech is read from them, not recognised.
    subtitles: str | None = None


@dataclass
class Fingerprint:
    """A fingerprint: opaque bytes plus the name and version of the fingerprinter that made it."""

    fingerprinter: str
    version: int
    data: bytes
    # Facts learnt while decoding (duration, width, height, characters...).
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """A copied stretch: query [start, end) against library [library_start, library_end).

    Seconds for time media, character offsets for text.
    """

    start: float
    end: float
    library_start: float
    library_end: float
    similarity: float
    # The edit the stretch shows, where the engine can tell (engine/video/verify.py): "" for none.
    edit: str = ""
    # What was said on each side, where the engine knows it (speech: the recognised words).
    query_text: str = ""
    library_text: str = ""

    def as_dict(self) -> dict[str, float | str]:
        row: dict[str, float | str] = {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "library_start": round(self.library_start, 3),
            "library_end": round(self.library_end, 3),
            "similarity": round(self.similarity, 4),
        }
        if self.edit:
            row["edit"] = self.edit
        if self.query_text or self.library_text:
            row["query_text"], row["library_text"] = self.query_text, self.library_text
        return row


@dataclass
class Hit:
    """One library item that the query copies, with the evidence. Never a bare yes/no."""

    key: Hashable
    similarity: float
    # Segments per track ("video", "audio", "text"). Images have none (the whole picture matches).
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    # Raw distance behind the similarity, e.g. Hamming bits for image hashes.
    distance: float | None = None
    # The edit the evidence shows, where the engine can tell ("mirrored", "rotated 12°", a crop).
    changes: list[str] = field(default_factory=list)


class Index(ABC):
    """A library's searchable fingerprints, for one fingerprinter. Items are added incrementally."""

    # Memory build_export holds while its segment is written, per byte of the file: what bounds a
    # merge (libraries/indexing/merge.py). Holding every item costs 2.9-3.0 for images (20,000 and
    # 100,000 pictures, bench/merge_memory.py; 3.3 measured before by resident memory) and 2.5 for
    # video; kinds not measured assume 3.3.
    BUILD_MEMORY_PER_FILE_BYTE = 3.3
    # The most items one segment of this index may hold (None: no bound but memory's).
    MAX_SEGMENT_ITEMS: int | None = None

    @abstractmethod
    def add(self, key: Hashable, fingerprint: Fingerprint) -> None: ...

    @abstractmethod
    def remove(self, key: Hashable) -> None: ...

    @abstractmethod
    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]: ...

    @abstractmethod
    def __len__(self) -> int: ...

    @classmethod
    def search_parts(cls, parts: list[Index], fingerprint: Fingerprint, limit: int = 20) -> list[list[Hit]]:
        """Each part's hits for one query, for a library held in several parts of this class (segment
        files: engine/segment_set.py). An index whose search costs something per part whatever the
        part's size (preparing the query, verifying chance candidates) answers all parts at once."""
        return [part.search(fingerprint, limit) for part in parts]

    def add_many(self, items: Iterable[tuple[Hashable, Fingerprint]]) -> None:
        for key, fingerprint in items:
            self.add(key, fingerprint)

    # -- segments: an index written once to a file and searched from it, memory-mapped ------------

    def export(self) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        """The live items' keys, and the whole index as named arrays in which item i is keys[i]
        (removed items left out). A segment file stores exactly these arrays (engine/segments.py)."""
        raise NotImplementedError(f"{type(self).__name__} cannot be written to a segment yet")

    @classmethod
    def build_export(
        cls, items: Iterable[tuple[Hashable, Fingerprint]], scratch: Path
    ) -> tuple[list[Hashable], dict[str, np.ndarray]]:
        """export() of an index of these items (distinct keys), for writing a segment. An index that
        can builds it without holding every item, its big arrays memory-mapped from files it writes
        in `scratch` (the caller removes the folder once the segment is written); this one holds
        them all (BUILD_MEMORY_PER_FILE_BYTE says how much)."""
        index = cls()
        index.add_many(items)
        return index.export()

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Index:
        """A read-only index over arrays made by export(), used in place (memory-mapped, not copied:
        opening costs no time or memory proportional to the index). Its hits' keys are item positions
        (0 .. items-1); add and remove are refused."""
        raise NotImplementedError(f"{cls.__name__} cannot be opened from a segment yet")

    def hot_bytes(self) -> int:
        """Bytes a search touches for any query (what must stay in memory to be fast); data read
        only for a few candidates, such as verification detail, is left out."""
        return sum(a.nbytes for a in self.export()[1].values())


class Source(StrEnum):
    """The part of an input a fingerprinter reads. Pictures and sound come from one shared decode of
    the file (engine/decode.py); files and text are read by the fingerprinter itself."""

    FILE = "file"
    TEXT = "text"
    PICTURES = "pictures"
    SOUND = "sound"


class Need(StrEnum):
    """Whether a media kind's input must give a fingerprinter something to read. A video must have
    pictures; its sound is optional (a silent video is still a video)."""

    REQUIRED = "required"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Track:
    """The segments a fingerprinter's matches carry: a name (the API shows `<name>_segments`), the
    unit of their positions, and what reviewers call it."""

    name: str
    unit: str  # "seconds" or "characters"
    label: str
    # Whether its segments carry what each side says (text passages, recognised speech).
    words: bool = False


class Sink(ABC):
    """What one decode (engine/decode.py) feeds a stream to, piece by piece, in bounded memory."""

    @abstractmethod
    def feed(self, seconds: float, chunk: np.ndarray) -> None:
        """Pictures: one luma frame (2-D uint8) shown at `seconds`. Sound: mono float32 samples at
        the rate asked for, starting at `seconds`."""


class Consumer(Sink):
    """Builds one fingerprint from the stream it is fed, so that one decode of a file feeds every
    fingerprinter that reads it."""

    @abstractmethod
    def finish(self) -> Fingerprint:
        """The fingerprint of everything fed (an empty one when nothing was)."""


@dataclass(frozen=True)
class Example:
    """Real media a fingerprinter must handle: an original, an edited copy that must match it (on
    the declared track, where the copy's segment starts at `copy_at` in the original), an unrelated
    input that must not, and a bad input that must fail with `bad_code`."""

    original: MediaInput
    copy: MediaInput
    edit: str
    unrelated: MediaInput
    bad: MediaInput
    bad_code: str
    copy_at: float | None = None


class Fingerprinter(ABC):
    """A signal type: turns one kind of input into fingerprints and knows which index searches them.

    Declarations (read by engine/registry.py):
      name, version   what stored fingerprints are labelled with; a new version makes old ones stale
      kinds           media kind -> Need: the job kinds this fingerprinter describes
      source          what it reads (Source)
      index_class     the Index class that searches its fingerprints
      track           the Track its matches' segments are reported on (None: whole-item matches)
      examples        a function (fixtures folder, work folder) -> list[Example], for the contract
                      tests every registered fingerprinter runs (tests/engine/test_contract.py)
    """

    name: ClassVar[str]
    version: ClassVar[int]
    kinds: ClassVar[Mapping[str, Need]]
    source: ClassVar[Source]
    index_class: ClassVar[type[Index]]
    track: ClassVar[Track | None]
    examples: ClassVar[Callable[[Path, Path], list[Example]]]
    # Pictures: frames per second wanted; sound: samples per second wanted.
    sample_rate: ClassVar[float] = 0.0

    @abstractmethod
    def extract(
        self, media: MediaInput, progress: Progress | None = None, *, query: bool = True
    ) -> Fingerprint:
        """Fingerprint one whole input, as a query or (`query=False`) only to be stored: a fingerprinter
        may then leave out what only a search reads (see for_storage). Pictures and sound
        fingerprinters do it through one decode of the file (engine/decode.py: extract_stream)."""

    def consumer(self, *, query: bool, media: MediaInput | None = None) -> Consumer:
        """A consumer for one decode's stream (pictures and sound fingerprinters only). `query`
        fingerprints may carry more than a library stores (see for_storage); `media` is what is
        decoded, for a consumer that reads something beside the stream (speech: subtitles)."""
        raise NotImplementedError(f"{self.name} reads {self.source}, not a decoded stream")

    def words(self, fingerprint: Fingerprint) -> list[tuple[str, float, float]] | None:
        """The words a fingerprint was made of, each with its start and end (speech), or None for
        fingerprints without words."""
        return None

    def new_index(self) -> Index:
        return self.index_class()

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


def array_names(fingerprint: Fingerprint) -> list[str]:
    """The names of a payload's arrays, read from the archive's directory without parsing any array."""
    with np.load(io.BytesIO(fingerprint.data), allow_pickle=False) as arrays:
        return list(arrays.files)
