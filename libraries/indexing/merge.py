"""Background merges: a library's small segments are merged into bigger ones, so a search opens a few
segments however many saves there were (a log-structured index).

Segments are grouped by size level (items, in powers of FANOUT); when one level holds FANOUT
segments, the oldest FANOUT of it become one segment a level up. A library of n items is then at
most (FANOUT - 1) x log_FANOUT(n) segments, as long as segments stay under the largest file a merge
may write (max_segment_bytes): a merge holds what its index's build needs (video its items, 2.5x
the file it writes; images their hot part only, ~0.2-0.3x, the keypoints going to scratch files
beside the new file), so without a bound the eight 1,000-hour segments of a 10,000-hour video
library would be merged into one in ~100 GB of memory, tried again after every save once it
failed. A segment of half the bound
or more is merged no more; where the oldest FANOUT of a level would be more, the
oldest of them that fit are merged (at least two: each is under half).

A merge reads its items' fingerprint rows, writes the new file, and in one transaction enters it and
retires its inputs, only if no other merge took them first: a merge killed at any point leaves the
manifest as it was (at worst a file or scratch folder nobody uses, removed by `manage.py index check
--fix`).
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from engine import registry
from engine.base import Fingerprinter
from engine.segments import SegmentError, open_segment
from libraries.indexing import files
from libraries.indexing.manifest import (
    NewSegment,
    active_segments,
    build_segment,
    next_generation,
    register,
)
from libraries.indexing.rows import fingerprints_of
from libraries.models import IndexSegment, IndexTombstone

log = logging.getLogger(__name__)

FANOUT = 8
# Retired files stay this long: a worker that read the manifest just before may still open them.
RETIRED_KEEP = timedelta(minutes=10)


def _level(segment: IndexSegment) -> int:
    return int(math.log(max(1, segment.items), FANOUT))


def max_segment_bytes(fingerprinter: Fingerprinter) -> int:
    """The largest segment file a merge or a rebuild of this fingerprinter's index may write: what
    its build may hold in memory (settings.INDEX_BUILD_MEMORY_MB) over what it holds per file byte."""
    memory = settings.INDEX_BUILD_MEMORY_MB * 1024 * 1024
    return int(memory / fingerprinter.index_class.BUILD_MEMORY_PER_FILE_BYTE)


def plan(segments: list[IndexSegment], max_bytes: int, max_items: int | None = None) -> list[IndexSegment]:
    """The segments to merge next (oldest first), their files together at most max_bytes and their
    items at most max_items (the index's MAX_SEGMENT_ITEMS), or none. Segments another merge has
    taken (merging_until not past) are left out, and not counted in their level."""
    now = timezone.now()
    max_items = max_items or sys.maxsize
    levels: dict[int, list[IndexSegment]] = {}
    for segment in sorted(segments, key=lambda s: (s.generation, s.id)):
        if segment.merging_until is not None and segment.merging_until > now:
            continue
        if segment.size_bytes * 2 <= max_bytes and segment.items * 2 <= max_items:
            levels.setdefault(_level(segment), []).append(segment)
    for level in sorted(levels):
        if len(levels[level]) >= FANOUT:
            oldest = levels[level][:FANOUT]
            return _within(oldest, max_bytes, max_items)
    return []


def _within(oldest: list[IndexSegment], max_bytes: int, max_items: int) -> list[IndexSegment]:
    """The first of these segments whose files and items together stay within both bounds."""
    taken, size, items = [], 0, 0
    for segment in oldest:
        size, items = size + segment.size_bytes, items + segment.items
        if size > max_bytes or items > max_items:
            break
        taken.append(segment)
    return taken


def plan_for(library_id: uuid.UUID, fingerprinter: Fingerprinter) -> list[IndexSegment]:
    """plan() of the library's current segments of this fingerprinter, within its index's bounds."""
    return plan(
        list(active_segments(library_id, fingerprinter)),
        max_segment_bytes(fingerprinter),
        fingerprinter.index_class.MAX_SEGMENT_ITEMS,
    )


def request(library_id: uuid.UUID, fingerprinter: Fingerprinter) -> None:
    """Queue a merge for the library if one is due (called after a save commits)."""
    if not plan_for(library_id, fingerprinter):
        return
    from django_q.tasks import async_task

    async_task(
        "libraries.indexing.merge.merge_task",
        str(library_id),
        fingerprinter.name,
        fingerprinter.version,
        task_name="index-merge",
        timeout=settings.INDEX_MERGE_TIMEOUT,
    )


def merge_task(library_id: str, fingerprinter_name: str, version: int) -> int:
    """Merge until no level is full; returns the number of merges made. Safe to run twice at once."""
    fingerprinter = registry.named(fingerprinter_name)
    if fingerprinter.version != version:
        return 0  # queued before an upgrade: the current version's segments are another index
    library = uuid.UUID(library_id)
    merges = 0
    while inputs := plan_for(library, fingerprinter):
        if merge(library, fingerprinter, inputs) is None:
            break
        merges += 1
    purge_retired(library)
    return merges


def live_keys(library_id: uuid.UUID, inputs: list[IndexSegment]) -> list[uuid.UUID]:
    """The items of the input segments that no tombstone hides, each once."""
    keys: dict[uuid.UUID, None] = {}
    for segment in inputs:
        opened = open_segment(files.local_path(library_id, segment.name), segment.sha256)
        ids = [uuid.UUID(bytes=row.tobytes()) for row in opened.keys]
        buried = set(
            IndexTombstone.objects.filter(
                library_id=library_id, media_id__in=ids, generation__gt=segment.generation
            ).values_list("media_id", flat=True)
        )
        keys.update((key, None) for key in ids if key not in buried)
    return list(keys)


def merge(
    library_id: uuid.UUID, fingerprinter: Fingerprinter, inputs: list[IndexSegment]
) -> IndexSegment | None:
    """Merge the inputs into one segment; None when another merge has taken or retired them, or one
    cannot be read."""
    if not take(inputs):
        return None
    try:
        with held(inputs):
            try:
                keys = live_keys(library_id, inputs)
            except SegmentError as exc:
                log.error(
                    "index merge of library %s skipped: %s (`manage.py index rebuild` repairs it)",
                    library_id,
                    exc,
                )
                return None
            new = build_segment(library_id, fingerprinter, fingerprints_of(library_id, fingerprinter, keys))
            return commit_merge(library_id, fingerprinter, inputs, new)
    finally:
        release(inputs)


def take(inputs: list[IndexSegment]) -> bool:
    """Mark the inputs as taken by this merge for INDEX_MERGE_LEASE seconds (renewed while it runs:
    held), unless a merge holds one of them or one is retired. A big merge runs for minutes, and every
    save meanwhile queues a merge task that would otherwise start the same merge again."""
    now = timezone.now()
    ids = [segment.id for segment in inputs]
    with transaction.atomic():
        taken = (
            IndexSegment.objects.filter(id__in=ids, retired=False)
            .filter(Q(merging_until__isnull=True) | Q(merging_until__lte=now))
            .update(merging_until=now + timedelta(seconds=settings.INDEX_MERGE_LEASE))
        )
        if taken != len(ids):
            transaction.set_rollback(True)
            return False
    return True


@contextmanager
def held(inputs: list[IndexSegment]):
    """Renew the inputs' lease every quarter of it while the block runs (from a thread: the build
    makes no calls back). A merge whose process dies stops renewing: its inputs are free again
    within INDEX_MERGE_LEASE seconds."""
    stop = threading.Event()
    renewer = threading.Thread(target=_renew, args=([s.id for s in inputs], stop), daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


def _renew(ids: list[int], stop: threading.Event) -> None:
    lease = settings.INDEX_MERGE_LEASE
    try:
        while not stop.wait(lease / 4):
            try:
                IndexSegment.objects.filter(id__in=ids, retired=False).update(
                    merging_until=timezone.now() + timedelta(seconds=lease)
                )
            except DatabaseError as exc:  # tried again next time; at worst another merge starts too
                log.warning("index merge could not renew its lease: %s", exc)
    finally:
        connections.close_all()  # this thread's own connections


def release(inputs: list[IndexSegment]) -> None:
    """Inputs a merge took and did not retire (it failed, or another merge retired them) may be
    merged again."""
    IndexSegment.objects.filter(id__in=[s.id for s in inputs], retired=False).update(merging_until=None)


def commit_merge(
    library_id: uuid.UUID, fingerprinter: Fingerprinter, inputs: list[IndexSegment], new: NewSegment
) -> IndexSegment | None:
    """Enter the merged segment and retire its inputs, unless another merge retired them first."""
    ids = [segment.id for segment in inputs]
    with transaction.atomic():
        next_generation(library_id)  # holds the manifest until commit
        if IndexSegment.objects.filter(id__in=ids, retired=False).count() != len(ids):
            transaction.on_commit(lambda: files.delete(library_id, new.name))
            return None
        # Tombstones newer than every input still apply to the merged items.
        merged = register(library_id, fingerprinter, new, max(segment.generation for segment in inputs))
        IndexSegment.objects.filter(id__in=ids).update(retired=True, retired_at=timezone.now())
    return merged


def purge_retired(library_id: uuid.UUID) -> None:
    """Delete retired files past their grace time, and tombstones no active segment is old enough
    to need."""
    old = IndexSegment.objects.filter(
        library_id=library_id, retired=True, retired_at__lt=timezone.now() - RETIRED_KEEP
    )
    for segment in list(old):
        files.delete(library_id, segment.name)
        segment.delete()
    oldest = (
        IndexSegment.objects.filter(library_id=library_id, retired=False)
        .order_by("generation")
        .values_list("generation", flat=True)
        .first()
    )
    if oldest is not None:
        IndexTombstone.objects.filter(library_id=library_id, generation__lte=oldest).delete()
