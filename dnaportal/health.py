"""Is anything working the queue? Read from the database, so it holds for every broker and for
clusters on other machines: a running cluster's scheduler moves the sweeper's schedules on every
minute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from jobs.models import Job, JobStatus
from jobs.signals import SWEEPERS

STALE_AFTER = timedelta(minutes=3)


@dataclass
class WorkerHealth:
    cluster_running: bool
    scheduler_seen: datetime | None  # when a cluster last moved the schedule on (its next run - 1 min)
    waiting: int
    analysing: int
    oldest_waiting: datetime | None

    @property
    def oldest_wait_seconds(self) -> float | None:
        if self.oldest_waiting is None:
            return None
        return (timezone.now() - self.oldest_waiting).total_seconds()


def worker_health() -> WorkerHealth:
    from django_q.models import Schedule

    now = timezone.now()
    next_run = max(
        Schedule.objects.filter(name__in=SWEEPERS).values_list("next_run", flat=True), default=None
    )
    seen = next_run - timedelta(minutes=1) if next_run else None
    running = next_run is not None and next_run >= now - STALE_AFTER
    queuing = Job.objects.filter(status=JobStatus.QUEUING)
    oldest = queuing.order_by("created_at").values_list("created_at", flat=True).first()
    return WorkerHealth(
        cluster_running=running,
        scheduler_seen=seen,
        waiting=queuing.count(),
        analysing=Job.objects.filter(status=JobStatus.ANALYSING).count(),
        oldest_waiting=oldest,
    )
