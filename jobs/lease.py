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

from jobs import services
from jobs.models import Job

log = logging.getLogger(__name__)


@contextmanager
def lease_kept(*jobs: Job):
    """Keep the jobs' heartbeats fresh while the block runs (a worker may hold a group of a bulk
    import's jobs). Tasks run inline (the sync setting used by tests and one-off commands) cannot lose
    their worker, and keep no thread."""
    if settings.Q_CLUSTER.get("sync"):
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat, args=(jobs, stop), name=f"lease-{jobs[0].id.hex[:8]}", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _beat(jobs: tuple[Job, ...], stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
            try:
                # The jobs taken away (cancelled, or reaped after a long silence) see it themselves.
                if not services.held_together(jobs):
                    return
            except DatabaseError as exc:  # the database is away: try again at the next beat
                log.warning("jobs %s: heartbeat not written (%s)", [job.id.hex for job in jobs], exc)
                connection.close()
    finally:
        connection.close()  # this thread's own connection
