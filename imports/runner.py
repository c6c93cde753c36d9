"""Driving a batch to its end: read a chunk of the source, submit what the window allows, collect
finished jobs, report progress; again, until every row has an outcome. The same loop resumes a batch
interrupted anywhere, since each step starts from what the database says."""

from __future__ import annotations

import time
from collections.abc import Callable

from imports import feeding, reading, services
from imports.models import FINISHED, BatchStatus, ImportBatch


def run(
    batch: ImportBatch,
    *,
    window: int | None = None,
    progress: Callable[[ImportBatch, dict[str, int]], None] | None = None,
    poll_seconds: float = 0.5,
) -> dict[str, int]:
    """Run the batch until it is done (or cancelled) from this process; returns its counts. Raises
    SourceError when the source cannot be read at all (or another process reads it). Interrupted
    (Ctrl-C), the batch is paused where it stands."""
    services.resume(batch)
    if not batch.read_done and not reading.claim_reading(batch):
        raise reading.ReadConflict("Another process is reading this batch's source; wait for it to end.")
    try:
        reading.prepare(batch)
        rows = reading.unread_rows(batch)
        while True:
            batch.refresh_from_db(fields=["status"])
            if batch.status != BatchStatus.RUNNING:
                break
            moved = reading.read_chunk(batch, rows) if not batch.read_done else 0
            moved += feeding.advance(batch, window)
            if progress is not None:
                progress(batch, services.counts(batch))
            if batch.status != BatchStatus.RUNNING:
                break
            if not moved:
                time.sleep(poll_seconds)  # the workers are busy with what is in flight
    except KeyboardInterrupt:
        services.pause(batch)
        raise
    finally:
        reading.release_reading(batch)
    return services.counts(batch)


def finished(counts: dict[str, int]) -> int:
    return sum(counts[state] for state in FINISHED)
