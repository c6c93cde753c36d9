"""Writes of bulk imports: start a batch, read its source into items a chunk at a time, submit items as
jobs a window at a time, take their outcomes back, cancel. Each step is its own transaction and reads
where the batch stands from the database, so any step may be interrupted and the batch resumed."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from rest_framework import status

from core.errors import ApiError, Codes
from core.kinds import MediaKind
from imports import archives, sources
from imports.models import FINISHED, BatchStatus, ImportBatch, ImportItem, ItemStatus, SourceKind
from jobs import services as job_services
from jobs.models import Job, JobStatus, SaveType
from libraries.models import Library, Media

SAVE_TYPES = (SaveType.ONLYSAVE, SaveType.SAVE, SaveType.FORCESAVE)
READ_CHUNK = 500
READ_LEASE = timedelta(seconds=60)
JOB_DONE = (JobStatus.SUCCESS, JobStatus.FAIL, JobStatus.CANCELLED)


def parse_batch_id(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ApiError(
            "ResourceNotFound.Import", f"Import {value!r} does not exist.", status.HTTP_404_NOT_FOUND
        ) from exc


def _source_kind(source: Path) -> str:
    if source.is_dir():
        root = Path(settings.IMPORT_ROOT).resolve()
        if not source.resolve().is_relative_to(root):
            raise ApiError(
                "Forbidden.Path",
                f"The folder must lie under the import root ({root}): the workers read it from there.",
                status.HTTP_403_FORBIDDEN,
            )
        return SourceKind.DIRECTORY
    if not source.is_file():
        raise ApiError("InvalidInput.NotFound", f"No folder or file at {source}.")
    if archives.is_archive(source):
        return SourceKind.ARCHIVE
    if source.name.lower().endswith(sources.MANIFEST_ENDINGS):
        return SourceKind.MANIFEST
    raise ApiError(
        "InvalidParameter.Source",
        "The source is a folder, a manifest (.csv, .jsonl) or an archive (.zip, .tar, .tar.gz...).",
    )


def start_batch(
    *,
    library: Library,
    source: Path,
    save_type: str = SaveType.SAVE,
    media_type: str = "",
    user=None,
    in_background: bool = False,
):
    """A new batch importing `source` into `library`. Nothing is read yet: the command reads it
    (imports/runner.py), or, `in_background`, a worker task queued once the batch is committed."""
    if save_type not in SAVE_TYPES:
        raise ApiError("InvalidParameter.SaveType", f"save_type: one of {', '.join(SAVE_TYPES)}.")
    if media_type and (media_type not in MediaKind.values or not library.accepts(media_type)):
        raise ApiError(
            "InvalidParameter.MediaType",
            f"Library {library.name!r} holds {library.media_type}, not {media_type}.",
        )
    kind = _source_kind(source)
    batch = ImportBatch(
        library=library,
        source_kind=kind,
        source=str(source.resolve()),
        save_type=save_type,
        media_type=media_type,
        created_by=user if user is not None and user.is_authenticated else None,
        in_background=in_background,
    )
    if kind == SourceKind.ARCHIVE:
        batch.unpacked = str(Path(settings.IMPORT_ROOT).resolve() / ".imports" / batch.id.hex)
    batch.save()
    if in_background:
        transaction.on_commit(lambda: _queue_reading(batch))
    return batch


def _queue_reading(batch: ImportBatch) -> None:
    from django_q.tasks import async_task

    async_task("imports.tasks.read_batch", batch.id.hex, task_name="dna-import-read")


def store_upload(upload) -> Path:
    """An uploaded manifest or archive, kept under the import root (where every worker machine reads)
    in a folder of its own, under its own name made safe."""
    name = Path(str(upload.name or "").replace("\x00", "").replace("\\", "/")).name[:200]
    if name in ("", ".", ".."):
        name = "upload"
    folder = Path(settings.IMPORT_ROOT) / ".uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / name
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


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
        media_type=batch.media_type or row.media_type or batch.library.media_type,
        user_data=row.user_data,
        title=row.title,
        metadata=row.metadata,
    )
    if row.problem is not None:
        item.status, (item.code, item.message) = ItemStatus.FAILED, row.problem
    return item


def submit_some(batch: ImportBatch, window: int) -> int:
    """Submit pending items as jobs until `window` are in flight; returns how many were submitted.
    Stops early (leaving items pending) when the queue refuses more for now."""
    in_flight = batch.items.filter(status=ItemStatus.SUBMITTED).count()
    room = max(0, window - in_flight)
    submitted = 0
    for item in batch.items.filter(status=ItemStatus.PENDING).order_by("row")[:room]:
        outcome = _submit(batch, item)
        if outcome is None:
            break
        submitted += outcome == ItemStatus.SUBMITTED
    return submitted


def _submit(batch: ImportBatch, item: ImportItem) -> str | None:
    """Submit one item: claim it, then make its job, in one transaction. Returns its new state, ""
    when another process had it already, None when the queue takes no more for now (it stays pending).
    Claimed first, so that two processes advancing one batch never submit one item twice."""
    try:
        with transaction.atomic():
            if not ImportItem.objects.filter(id=item.id, status=ItemStatus.PENDING).update(
                status=ItemStatus.SUBMITTED
            ):
                return ""
            if batch.save_type != SaveType.FORCESAVE and _present(batch.library, item.primary_key):
                return _set(item, ItemStatus.PRESENT)
            item.job = job_services.submit_job(
                library=batch.library,
                primary_key=item.primary_key,
                media_type=item.media_type,
                save_type=batch.save_type,
                path=item.path,
                url=item.url,
                user_data=item.user_data,
                user=batch.created_by,
                request_id=f"import-{batch.id.hex[:8]}-{item.row}",
                batch_id=batch.id,
            )
            return _set(item, ItemStatus.SUBMITTED)
    except ApiError as exc:  # the claim was rolled back: the item is pending again
        if exc.error_code.startswith("Throttling"):
            return None
        if exc.error_code == Codes.PRIMARY_KEY_EXISTS:
            return _set_if_pending(item, ItemStatus.PRESENT)
        return _set_if_pending(item, ItemStatus.FAILED, exc.error_code, exc.message)


def _present(library: Library, primary_key: str) -> bool:
    return Media.objects.filter(library=library, primary_key=primary_key).exists()


def _set(item: ImportItem, state: str, code: str = "", message: str = "") -> str:
    item.status, item.code, item.message = state, code, message
    item.save(update_fields=["status", "code", "message", "job", "updated_at"])
    return state


def _set_if_pending(item: ImportItem, state: str, code: str = "", message: str = "") -> str:
    changed = ImportItem.objects.filter(id=item.id, status=ItemStatus.PENDING).update(
        status=state, code=code, message=message, updated_at=timezone.now()
    )
    return state if changed else ""


def collect(batch: ImportBatch) -> int:
    """Take the outcomes of the batch's finished jobs into their items; returns how many."""
    done = list(
        batch.items.filter(status=ItemStatus.SUBMITTED, job__status__in=JOB_DONE).select_related("job")[:1000]
    )
    for item in done:
        item.status, item.code, item.message = _outcome(batch, item.job)
        if item.status == ItemStatus.DUPLICATE:
            best = item.job.matches.order_by("-global_similarity", "id").first()
            item.matched_key = best.primary_key if best else ""
    ImportItem.objects.bulk_update(done, ["status", "code", "message", "matched_key"])
    # A job deleted from under its item (by an admin): submit the item again.
    batch.items.filter(status=ItemStatus.SUBMITTED, job__isnull=True).update(status=ItemStatus.PENDING)
    return len(done)


def _outcome(batch: ImportBatch, job: Job) -> tuple[str, str, str]:
    if job.status == JobStatus.CANCELLED:
        return ItemStatus.CANCELLED, "", ""
    if job.status == JobStatus.FAIL:
        if job.error_code == Codes.PRIMARY_KEY_EXISTS:
            return ItemStatus.PRESENT, "", ""
        return ItemStatus.FAILED, job.error_code, job.error_message
    if job.saved:
        return ItemStatus.IMPORTED, "", ""
    return ItemStatus.DUPLICATE, "Duplicate", "Not saved: its content duplicates an item of the library."


def advance(batch: ImportBatch, window: int | None = None) -> int:
    """Take the outcomes of finished jobs, submit what the window allows, mark the batch done when it
    is; returns how much moved."""
    moved = collect(batch)
    moved += submit_some(batch, window or settings.IMPORT_WINDOW)
    finish_if_done(batch)
    return moved


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


def pause(batch: ImportBatch) -> None:
    """The command was stopped: nothing more is submitted until `--resume` (jobs in flight finish)."""
    ImportBatch.objects.filter(id=batch.id, status=BatchStatus.RUNNING).update(status=BatchStatus.PAUSED)
    release_reading(batch)


def resume(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(id=batch.id, status=BatchStatus.PAUSED).update(status=BatchStatus.RUNNING)
    batch.refresh_from_db()


def finish_if_done(batch: ImportBatch) -> bool:
    """Mark the batch done once its source is read and every item has an outcome."""
    if batch.status != BatchStatus.RUNNING:
        return True
    if not batch.read_done or batch.items.exclude(status__in=FINISHED).exists():
        return False
    ImportBatch.objects.filter(id=batch.id, status=BatchStatus.RUNNING).update(
        status=BatchStatus.DONE, finished_at=timezone.now()
    )
    batch.status = BatchStatus.DONE
    return True


def cancel(batch: ImportBatch) -> None:
    """Stop a batch: its waiting items and queued jobs are cancelled (jobs already running finish)."""
    with transaction.atomic():
        batch.items.filter(status=ItemStatus.PENDING).update(status=ItemStatus.CANCELLED)
        for job in Job.objects.filter(batch_id=batch.id, status=JobStatus.QUEUING):
            try:
                job_services.cancel_job(job=job)
            except ApiError:
                pass  # it started meanwhile: its outcome is collected as any other
        ImportBatch.objects.filter(id=batch.id).update(
            status=BatchStatus.CANCELLED, finished_at=timezone.now()
        )
        batch.status = BatchStatus.CANCELLED


def progress(batch: ImportBatch) -> dict:
    """Counts, how many of how many rows are done, the rate since the start and the time left."""
    by_state = counts(batch)
    done = sum(by_state[state] for state in FINISHED)
    total = max(batch.rows_total, batch.rows_read)
    elapsed = ((batch.finished_at or timezone.now()) - batch.created_at).total_seconds()
    rate = done / elapsed if elapsed > 0 else 0.0
    left = max(0, total - done)
    return {
        "counts": by_state,
        "done": done,
        "total": total,
        "items_per_second": round(rate, 2),
        "seconds_left": round(left / rate) if rate > 0 and batch.status == BatchStatus.RUNNING else None,
    }


def counts(batch: ImportBatch) -> dict[str, int]:
    found = dict(batch.items.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {state: found.get(state, 0) for state in ItemStatus.values}


def failures_by_code(batch: ImportBatch) -> dict[str, int]:
    rows = batch.items.filter(status=ItemStatus.FAILED).values_list("code").annotate(n=Count("id"))
    return dict(sorted(rows.values_list("code", "n"), key=lambda pair: -pair[1]))
