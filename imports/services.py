"""Bulk import batches: start one (from a folder, a manifest or an archive), pause, resume and cancel
it, and read its progress. Reading its source is imports/reading.py; feeding its items to the workers,
imports/feeding.py. Each step is its own transaction and reads where the batch stands from the
database, so any step may be interrupted and the batch resumed."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from rest_framework import status

from core.errors import ApiError
from core.kinds import MediaKind
from imports import archives, sources
from imports.models import FINISHED, BatchStatus, ImportBatch, ItemStatus, SourceKind
from imports.reading import release_reading
from jobs import services as job_services
from jobs.models import Job, JobStatus, SaveType
from libraries.models import Library

SAVE_TYPES = (SaveType.ONLYSAVE, SaveType.SAVE, SaveType.FORCESAVE)


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


def pause(batch: ImportBatch) -> None:
    """The command was stopped: nothing more is submitted until `--resume` (jobs in flight finish)."""
    ImportBatch.objects.filter(id=batch.id, status=BatchStatus.RUNNING).update(status=BatchStatus.PAUSED)
    release_reading(batch)


def resume(batch: ImportBatch) -> None:
    ImportBatch.objects.filter(id=batch.id, status=BatchStatus.PAUSED).update(status=BatchStatus.RUNNING)
    batch.refresh_from_db()


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
