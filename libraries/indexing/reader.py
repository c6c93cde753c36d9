"""What workers search: each library's index as its segment files, memory-mapped, held per process.

Before each search the held index is compared with the manifest by one read of the library's
generation; only when it moved are the new segments opened, the retired ones dropped and the new
tombstones applied. Nothing per job grows with the library. The pages of a segment file are shared
by every process of the machine that maps it (the page cache), so an index is in memory once.

A segment file that is missing or fails its checksum is rebuilt from the fingerprint rows (logged),
never searched and never a crash.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

from engine.base import Fingerprint, Fingerprinter, Hit
from engine.segment_set import SegmentSet
from engine.segments import SegmentError, open_segment
from libraries.indexing import files
from libraries.indexing.manifest import active_segments, current_generation
from libraries.indexing.rebuild import rebuild
from libraries.models import IndexSegment, IndexTombstone, Library, StoredFingerprint

log = logging.getLogger(__name__)


@dataclass
class _Held:
    segments: SegmentSet
    generation: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)


_held: dict[tuple, _Held] = {}
_held_lock = threading.Lock()


class LibraryIndex:
    """A library's index as a search sees it: hits keyed by media id."""

    def __init__(self, segments: SegmentSet) -> None:
        self._segments = segments

    def __len__(self) -> int:
        return len(self._segments)

    def warm(self) -> int:
        """Read every page of the index into memory (shared with the machine's other workers)."""
        return self._segments.warm()

    def search(self, fingerprint: Fingerprint, limit: int = 20) -> list[Hit]:
        hits = self._segments.search(fingerprint, limit)
        for hit in hits:
            hit.key = uuid.UUID(bytes=hit.key)
        return hits


def library_index(library: Library, fingerprinter: Fingerprinter) -> LibraryIndex:
    key = (library.id, fingerprinter.name, fingerprinter.version)
    with _held_lock:
        held = _held.get(key)
        if held is None:
            held = _held[key] = _Held(SegmentSet(fingerprinter.index_class))
    with held.lock:
        generation = current_generation(library.id)
        if generation is not None and generation != held.generation:
            _catch_up(held, library.id, fingerprinter, generation)
    return LibraryIndex(held.segments)


def _catch_up(
    held: _Held, library_id: uuid.UUID, fingerprinter: Fingerprinter, generation: int, rebuilt: bool = False
) -> None:
    active = {s.name: s for s in active_segments(library_id, fingerprinter)}
    problem = None
    if not active and _has_rows(library_id, fingerprinter):
        problem = "the library has fingerprints but no index segments"
    for name in [name for name in held.segments.parts if name not in active]:
        held.segments.drop_segment(name)
    for name, segment in active.items():
        if problem is None and name not in held.segments.parts and not _open(held, library_id, segment):
            problem = f"segment {name} cannot be used"
    if problem is not None:
        if rebuilt:  # a fresh rebuild that cannot be opened: the disk or storage is at fault
            raise SegmentError(f"the index of library {library_id.hex} cannot be opened: {problem}")
        rebuild(library_id, fingerprinter, reason=problem)
        return _catch_up(held, library_id, fingerprinter, current_generation(library_id), rebuilt=True)
    buried = IndexTombstone.objects.filter(library_id=library_id, generation__gt=held.generation)
    for media_id, at in buried.values_list("media_id", "generation").iterator():
        held.segments.bury(media_id.bytes, at)
    held.generation = generation


def _open(held: _Held, library_id: uuid.UUID, segment: IndexSegment) -> bool:
    """Open one segment; False when its file is missing or damaged while it is still active (a
    segment retired meanwhile by a merge is simply skipped)."""
    try:
        opened = open_segment(files.local_path(library_id, segment.name), segment.sha256)
        # An index class refuses arrays of a layout it no longer reads (SegmentError): rebuilt.
        held.segments.add_segment(segment.name, segment.generation, opened)
    except (SegmentError, OSError) as exc:
        if IndexSegment.objects.filter(id=segment.id, retired=False).exists():
            log.error("index segment of library %s is unusable: %s", library_id.hex, exc)
            return False
        return True
    return True


def _has_rows(library_id: uuid.UUID, fingerprinter: Fingerprinter) -> bool:
    return StoredFingerprint.objects.filter(
        library_id=library_id, fingerprinter=fingerprinter.name, version=fingerprinter.version
    ).exists()


def forget(library_id) -> None:
    """Drop a deleted library's held indexes (their files are gone)."""
    with _held_lock:
        for key in [key for key in _held if key[0] == library_id]:
            del _held[key]


def forget_all() -> None:
    with _held_lock:
        _held.clear()
