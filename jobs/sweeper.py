"""The database is the truth of the queue; the broker only carries wake-ups.

A broker task names no job: the worker that takes one runs the best claimable job of its pipeline
(jobs/tasks.py). So a lost task (a flushed Redis, a broker restart, an enqueue that failed after the
job's row committed) loses no job, only a wake-up, and the sweeper puts those back: every
SWEEP_SECONDS it

1. queues again the `analysing` jobs whose worker went silent for the lease (services.reap_stale_jobs);
2. counts, per pipeline, the jobs a worker could take now and the wake-ups waiting in the broker, and
   sends the missing ones.

Each new worker process also sweeps once as it starts, so a cluster started after its broker lost
its tasks (a Redis restarted empty with the rest) runs the waiting jobs at once, not at the first
scheduled sweep half a minute later.

A wake-up too many costs one query (the worker finds nothing and returns). Tasks a cluster has
already taken from the broker but not yet run are not counted (they get company); other tasks in the
same list (callbacks, index merges) are counted as wake-ups, so they delay a lost job's wake-up until
they have run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus

log = logging.getLogger(__name__)


@dataclass
class Sweep:
    requeued: int  # silent jobs given back to the queue
    woken: dict[str, int]  # pipeline -> wake-ups sent


def sweep() -> Sweep:
    requeued = services.reap_stale_jobs()
    woken = {}
    for pipeline, waiting in _claimable_per_pipeline().items():
        missing = waiting - _waiting_tasks(pipeline)
        if missing > 0:
            for _ in range(missing):
                services.enqueue(pipeline)
            woken[pipeline] = missing
            log.warning(
                "queue sweeper: the queuing jobs of pipeline %r need %d wake-up(s); %d had no wake-up "
                "in the broker; sent them",
                pipeline or "default",
                waiting,
                missing,
            )
    return Sweep(requeued, woken)


def _claimable_per_pipeline() -> dict[str, int]:
    """Wake-ups the claimable jobs need, per pipeline: one a job, one a group for a bulk import's."""
    now = timezone.now()
    rows = (
        Job.objects.filter(status=JobStatus.QUEUING)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .values("pipeline", "batch_id")
        .annotate(waiting=Count("id"))
    )
    needed: dict[str, int] = {}
    for row in rows:
        wake_ups = services.wake_ups_needed(row["waiting"], batched=row["batch_id"] is not None)
        needed[row["pipeline"]] = needed.get(row["pipeline"], 0) + wake_ups
    return needed


def _waiting_tasks(pipeline: str) -> int:
    """Tasks waiting in the broker's list for this pipeline (its django-q2 cluster)."""
    if settings.Q_CLUSTER.get("sync"):
        return 0  # tasks run inline: nothing ever waits
    from django_q.brokers import get_broker

    return int(get_broker(pipeline or None).queue_size() or 0)


def sweep_on_spawn(sender, **kwargs) -> None:
    """django-q2's post_spawn, in each new worker process of a cluster."""
    if settings.Q_CLUSTER.get("sync"):
        return  # tasks run inline (tests): django-q2 signals a spawn for each, and no cluster starts
    try:
        done = sweep()
    except Exception as exc:  # the database or the broker is away: the scheduled sweeps will do it
        log.warning("queue sweep at worker start skipped: %s", exc)
        return
    if done.requeued or done.woken:
        log.info(
            "queue sweep at worker start: %d job(s) requeued, wake-ups sent %s", done.requeued, done.woken
        )
