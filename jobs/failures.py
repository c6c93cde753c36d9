"""How a job's failure ends it: failed for good, or back to the queue for another try."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from core.errors import ApiError, Codes, disk_full
from engine.base import EngineError, MediaError
from jobs import services
from jobs.inputs import InputError
from jobs.models import Job

log = logging.getLogger(__name__)


@contextmanager
def failures_handled(jobs: list[Job]):
    """A failure of the block ends these jobs: failed for good, or back to the queue for another try."""
    try:
        yield
    except Exception as exc:
        for job in jobs:
            fail_or_retry(job, exc)


def fail_or_retry(job: Job, exc: Exception) -> None:
    if isinstance(exc, (MediaError, ApiError, InputError)):
        code = getattr(exc, "error_code", None) or exc.code
        if getattr(exc, "permanent", True):
            services.fail_job(job, code, exc.message)
        else:
            services.requeue_job(job, exc.message, code=code)
    elif isinstance(exc, EngineError):
        log.warning("job %s: transient engine error: %s", job.id.hex, exc.message)
        services.requeue_job(job, exc.message, code=exc.code)
    elif disk_full(exc):  # what was written is gone (workdir, part files, segments): space given back
        log.warning("job %s: the disk is full: %s", job.id.hex, exc)
        services.requeue_job(job, f"The portal's disk is full ({exc}).", code=Codes.JOB_STORAGE_FULL)
    else:  # a bug or an outage: retry a few times, then fail with the reason
        log.error("job %s failed unexpectedly", job.id.hex, exc_info=exc)
        services.requeue_job(job, f"{type(exc).__name__}: {exc}")
