"""Rebuilding a library's index from its fingerprint rows (the source of truth), and checking one.

A rebuild writes new segments from the rows and, in one transaction, retires the segments that
existed when it started; items saved meanwhile keep their own segments (an item in both is still
found once: results are merged by item).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from engine.base import Fingerprint, Fingerprinter
from engine.segments import SegmentError, check_file, open_segment
from libraries.indexing import files
from libraries.indexing.manifest import (
    active_segments,
    build_segment,
    current_generation,
    next_generation,
    register,
)
from libraries.indexing.merge import max_segment_bytes
from libraries.indexing.rows import all_fingerprints
from libraries.models import IndexSegment, StoredFingerprint

log = logging.getLogger(__name__)

# Items per segment written by a rebuild, at most: the biggest image segment the merges write
# (bench/scale_image.py). Fewer where their fingerprints add up to more than the largest segment a
# merge may write (max_segment_bytes: what bounds the build's memory).
ITEMS_PER_SEGMENT = 1 << 21


def rebuild(library_id: uuid.UUID, fingerprinter: Fingerprinter, *, reason: str) -> list[IndexSegment]:
    log.warning(
        "rebuilding the %s v%d index of library %s from its fingerprint rows: %s",
        fingerprinter.name,
        fingerprinter.version,
        library_id.hex,
        reason,
    )
    started_at = current_generation(library_id) or 0
    written = []
    items = all_fingerprints(library_id, fingerprinter)
    try:
        per_segment = min(ITEMS_PER_SEGMENT, fingerprinter.index_class.MAX_SEGMENT_ITEMS or ITEMS_PER_SEGMENT)
        for batch in batches(items, per_segment, max_segment_bytes(fingerprinter)):
            written.append(build_segment(library_id, fingerprinter, batch))
        with transaction.atomic():
            next_generation(library_id)
            replaced = active_segments(library_id, fingerprinter).filter(generation__lte=started_at)
            replaced.update(retired=True, retired_at=timezone.now())
            made = [register(library_id, fingerprinter, new, started_at) for new in written]
    except BaseException:
        for new in written:
            files.delete(library_id, new.name)
        raise
    return made


def batches(
    items: Iterator[tuple[uuid.UUID, Fingerprint]], max_items: int, max_bytes: int
) -> Iterator[Iterator[tuple[uuid.UUID, Fingerprint]]]:
    """The items in runs of at most max_items whose fingerprints add up to at most max_bytes (a
    bigger fingerprint alone makes a run of its own). Each run is read lazily, as its segment is
    built (an index that streams its build never holds a run): read each run whole before the next."""
    ahead = _Ahead(items)
    while ahead.item is not None:
        yield _run(ahead, max_items, max_bytes)


class _Ahead:
    """An iterator with its next item in view."""

    def __init__(self, items: Iterator[tuple[uuid.UUID, Fingerprint]]) -> None:
        self.items = iter(items)
        self.item = next(self.items, None)

    def take(self) -> tuple[uuid.UUID, Fingerprint]:
        item, self.item = self.item, next(self.items, None)
        return item


def _run(ahead: _Ahead, max_items: int, max_bytes: int) -> Iterator[tuple[uuid.UUID, Fingerprint]]:
    count = size = 0
    while ahead.item is not None:
        length = len(ahead.item[1].data)
        if count and (count == max_items or size + length > max_bytes):
            return
        count, size = count + 1, size + length
        yield ahead.take()


@dataclass
class Report:
    segments: int = 0
    items: int = 0
    bytes: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)


def check(library_id: uuid.UUID, fingerprinter: Fingerprinter) -> Report:
    """Every active segment's file against its checksum (read in full) and its index's layout, and its
    items against the fingerprint rows."""
    report = Report()
    indexed: set[uuid.UUID] = set()
    for segment in active_segments(library_id, fingerprinter):
        report.segments += 1
        report.bytes += segment.size_bytes
        path = files.local_path(library_id, segment.name)
        try:
            check_file(path, segment.sha256, trust_note=False)
            opened = open_segment(path)
            # A file written by an older version may hold arrays of a layout the index no longer
            # reads: workers would rebuild it at their first search; check says so first.
            fingerprinter.index_class.from_arrays(opened.arrays)
            keys = opened.keys
        except SegmentError as exc:
            report.problems.append(str(exc))
            continue
        indexed.update(uuid.UUID(bytes=row.tobytes()) for row in keys)
    rows = set(
        StoredFingerprint.objects.filter(
            library_id=library_id, fingerprinter=fingerprinter.name, version=fingerprinter.version
        ).values_list("media_id", flat=True)
    )
    report.rows, report.items = len(rows), len(indexed & rows)
    if rows - indexed:
        report.problems.append(f"{len(rows - indexed)} saved items are in no segment")
    report.orphans = orphan_files(library_id)
    return report


def orphan_files(library_id: uuid.UUID) -> list[Path]:
    """Segment files of the library that the manifest does not know (a write or merge that never
    committed, a merge's scratch folder), untouched for an hour so that none is still being written
    or entered."""
    folder = files.path_to_write(library_id, "x").parent
    if not folder.is_dir():
        return []
    known = set(IndexSegment.objects.filter(library_id=library_id).values_list("name", flat=True))
    cutoff = timezone.now().timestamp() - 3600
    found = []
    for path in folder.iterdir():
        name = path.name.removeprefix(".").split(".seg")[0]
        if name not in known and _last_written(path) < cutoff:
            found.append(path)
    return sorted(found)


def _last_written(path: Path) -> float:
    """When a file, or the newest file of a folder, was last written."""
    times = [path.stat().st_mtime]
    if path.is_dir():
        times += [inner.stat().st_mtime for inner in path.iterdir()]
    return max(times)
