"""Background work of batches started from the dashboard or the API (django-q2 entry points): thin
wrappers over imports.reading and imports.feeding. A batch is read by one task; each of its jobs,
when it ends, advances it (imports/signals.py); a sweep every half minute advances what a lost task
or signal left."""

from __future__ import annotations

import logging

from imports import feeding, reading
from imports.models import BatchStatus, ImportBatch
from imports.sources import SourceError

log = logging.getLogger(__name__)


def _running(batch_id) -> ImportBatch | None:
    return (
        ImportBatch.objects.select_related("library")
        .filter(id=batch_id, status=BatchStatus.RUNNING, in_background=True)
        .first()
    )


def read_batch(batch_id: str) -> None:
    batch = _running(batch_id)
    if batch is None:
        return
    try:
        reading.read_all(batch)
    except reading.ReadConflict:
        return  # another task reads it
    except SourceError as exc:
        log.warning("import %s: the source cannot be read: %s", batch_id, exc)


def advance_batch(batch_id: str) -> None:
    batch = _running(batch_id)
    if batch is not None:
        feeding.advance(batch)


def sweep_batches() -> int:
    """Advance every background batch; start reading those whose reader is gone. Returns how many."""
    from django_q.tasks import async_task

    batches = list(ImportBatch.objects.filter(status=BatchStatus.RUNNING, in_background=True))
    for batch in batches:
        if not batch.read_done and reading.reading_lease_free(batch):
            async_task("imports.tasks.read_batch", batch.id.hex, task_name="dna-import-read")
        else:
            feeding.advance(batch)
    return len(batches)
