"""A worker holds its job by a lease: the job's heartbeat, refreshed every JOB_HEARTBEAT_SECONDS by a
thread of the worker's own while the job runs, whatever the job is doing (a long download, a search of
a big library, a save). The lease can then be short (JOB_LEASE_SECONDS): a killed worker takes the
thread with it, its heartbeat stops, and the sweeper gives the job back within lease + sweep period. A
worker that is alive but stuck is ended by django-q2's task timeout, and the same follows.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from jobs import services
from jobs.models import Job

log = logging.getLogger(__name__)


@contextmanager
def lease_kept(job: Job):
    """Keep the job's heartbeat fresh while the block runs. Tasks run inline (the sync setting used by
    tests and one-off commands) cannot lose their worker, and keep no thread."""
    if settings.Q_CLUSTER.get("sync"):
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_beat, args=(job, stop), name=f"lease-{job.id.hex[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _beat(job: Job, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
            try:
                held = services.held_by_worker(job).update(heartbeat_at=timezone.now())
            except DatabaseError as exc:  # the database is away: try again at the next beat
                log.warning("job %s: heartbeat not written (%s)", job.id.hex, exc)
                connection.close()
                continue
            if not held:
                return  # taken away (cancelled, or reaped after a long silence): the job sees it itself
    finally:
        connection.close()  # this thread's own connection
