"""Driving a batch to its end: read a chunk of the source, submit what the window allows, collect
finished jobs, report progress; again, until every row has an outcome. The same loop resumes a batch
interrupted anywhere, since each step starts from what the database says."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings

from imports import services
from imports.models import FINISHED, BatchStatus, ImportBatch


def run(
    batch: ImportBatch,
    *,
    window: int | None = None,
    progress: Callable[[ImportBatch, dict[str, int]], None] | None = None,
    poll_seconds: float = 0.5,
) -> dict[str, int]:
    """Run the batch until it is done (or cancelled); returns its counts. Raises SourceError when the
    source cannot be read at all."""
    window = window or settings.IMPORT_WINDOW
    services.prepare(batch)
    rows = services.unread_rows(batch)
    while True:
        batch.refresh_from_db(fields=["status"])
        if batch.status != BatchStatus.RUNNING:
            break
        moved = 0
        if not batch.read_done:
            moved += services.read_chunk(batch, rows)
        moved += services.collect(batch)
        moved += services.submit_some(batch, window)
        counts = services.counts(batch)
        if progress is not None:
            progress(batch, counts)
        if services.finish_if_done(batch):
            break
        if not moved:
            time.sleep(poll_seconds)  # the workers are busy with what is in flight
    return services.counts(batch)


def finished(counts: dict[str, int]) -> int:
    return sum(counts[state] for state in FINISHED)
