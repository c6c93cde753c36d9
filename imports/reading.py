"""Reading a batch's source into items, a chunk at a time: the rows already read are counted with
each chunk, so a resumed read starts after them; one reader at a time holds a lease on it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from imports import archives, sources
from imports.feeding import advance
from imports.models import BatchStatus, ImportBatch, ImportItem, ItemStatus, SourceKind

READ_CHUNK = 500
READ_LEASE = timedelta(seconds=60)


def prepare(batch: ImportBatch) -> None:
    """Unpack an archive (once) and count the source's rows, for progress."""
    try:
        if batch.source_kind == SourceKind.ARCHIVE:
            archives.unpack(Path(batch.source), Path(batch.unpacked), settings.IMPORT_MAX_UNPACKED_BYTES)
        if not batch.rows_total:
            folder = _folder(batch)
            total = sources.count_folder(folder) if folder else sources.count_manifest(Path(batch.source))
            ImportBatch.objects.filter(id=batch.id).update(rows_total=total)
            batch.rows_total = total
    except (sources.SourceError, OSError) as exc:
        _fail(batch, str(exc))
        raise sources.SourceError(str(exc)) from exc


def _folder(batch: ImportBatch) -> Path | None:
    if batch.source_kind == SourceKind.DIRECTORY:
        return Path(batch.source)
    if batch.source_kind == SourceKind.ARCHIVE:
        return Path(batch.unpacked)
    return None


def _fail(batch: ImportBatch, error: str) -> None:
    ImportBatch.objects.filter(id=batch.id).update(
        status=BatchStatus.FAILED, error=error, finished_at=timezone.now()
    )
    batch.status, batch.error = BatchStatus.FAILED, error


def unread_rows(batch: ImportBatch) -> Iterator[sources.Row]:
    """The source's rows after those already made items (a resumed batch reads on from there)."""
    folder = _folder(batch)
    rows = (
        sources.folder_rows(folder, Path(settings.IMPORT_ROOT).resolve())
        if folder
        else sources.manifest_rows(Path(batch.source))
    )
    return itertools.islice(rows, batch.rows_read, None)


def read_chunk(batch: ImportBatch, rows: Iterator[sources.Row], size: int | None = None) -> int:
    """Make items of the next `size` rows (READ_CHUNK); returns how many. A key given twice in the
    source fails its later rows. The batch's count of rows read moves in the same transaction."""
    size = size or READ_CHUNK
    try:
        chunk = list(itertools.islice(rows, size))
    except (sources.SourceError, OSError) as exc:  # the source as a whole went bad (or away)
        _fail(batch, str(exc))
        raise sources.SourceError(str(exc)) from exc
    try:
        return _store_chunk(batch, chunk, size)
    except IntegrityError as exc:  # rows another reader stored first (the lease ran out meanwhile)
        raise ReadConflict("This batch's source is being read by another process.") from exc


def _store_chunk(batch: ImportBatch, chunk: list[sources.Row], size: int) -> int:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(id=batch.id)
        if locked.rows_read != batch.rows_read:  # another reader got here first
            raise ReadConflict("This batch's source is being read by another process.")
        keys = [row.primary_key for row in chunk if row.problem is None]
        taken = set(
            ImportItem.objects.filter(batch=batch, primary_key__in=keys).values_list("primary_key", flat=True)
        )
        items = []
        for row in chunk:
            if row.problem is None and row.primary_key in taken:
                row.refuse(
                    "InvalidParameter.DuplicateKey", f"Primary key {row.primary_key!r} is in an earlier row."
                )
            taken.add(row.primary_key)
            items.append(_item(batch, row))
        ImportItem.objects.bulk_create(items)
        batch.rows_read += len(chunk)
        batch.read_done = len(chunk) < size
        ImportBatch.objects.filter(id=batch.id).update(
            rows_read=batch.rows_read, read_done=batch.read_done, reading_until=timezone.now() + READ_LEASE
        )
    return len(chunk)


class ReadConflict(sources.SourceError):
    """Another process reads this batch's source."""


def claim_reading(batch: ImportBatch) -> bool:
    """Take the lease on reading the batch's source (held while chunks keep coming); False if a live
    reader holds it."""
    now = timezone.now()
    free = Q(reading_until__isnull=True) | Q(reading_until__lt=now)
    taken = ImportBatch.objects.filter(free, id=batch.id).update(reading_until=now + READ_LEASE)
    if taken:
        batch.refresh_from_db(fields=["rows_read", "read_done", "reading_until"])
    return bool(taken)


def reading_lease_free(batch: ImportBatch) -> bool:
    return batch.reading_until is None or batch.reading_until < timezone.now()


def release_reading(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(id=batch.id).update(reading_until=None)


def _item(batch: ImportBatch, row: sources.Row) -> ImportItem:
    item = ImportItem(
        batch=batch,
        row=row.number,
        primary_key=row.primary_key,
        path=row.path,
        url=row.url,
        subtitles=row.subtitles,
        media_type=batch.media_type or row.media_type or batch.library.media_type,
        user_data=row.user_data,
        title=row.title,
        metadata=row.metadata,
    )
    if row.problem is not None:
        item.status, (item.code, item.message) = ItemStatus.FAILED, row.problem
    return item


def read_all(batch: ImportBatch) -> None:
    """Read the rest of the source into items, holding the reading lease (a background step; the
    command reads a chunk at a time between its other steps instead)."""
    if batch.read_done or not claim_reading(batch):
        return
    try:
        prepare(batch)
        rows = unread_rows(batch)
        while not batch.read_done:
            read_chunk(batch, rows)
            advance(batch)  # the workers start on the first rows while the rest are read
    finally:
        release_reading(batch)
