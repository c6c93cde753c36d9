"""Keep the queue sweeper (jobs/sweeper.py) scheduled: it gives back jobs whose worker died and wakes
jobs whose broker task was lost. And let each new worker process announce the pipeline its cluster
serves (jobs/pipelines.py), remove the job folders killed workers left (jobs/workdirs.py) and sweep
the queue once.

django-q2's schedules run at most once a minute and its scheduler looks every 30 s, so the sweeper has
two schedules half a minute apart: it runs about every SWEEP_SECONDS (30 s).
"""

from datetime import timedelta

from django.db.models.signals import post_migrate
from django.utils import timezone

SWEEPERS = ("dna-sweep-queue", "dna-sweep-queue-half")
OLD_REAPER = "dna-reap-stale-jobs"  # the sweeper's name before it also woke lost jobs


def ensure_half_minute_schedules(names: tuple[str, str], func: str) -> None:
    """Two once-a-minute schedules of `func`, half a minute apart: django-q2's finest grain is a
    minute, so together they run it about every 30 s (kept if they exist)."""
    from django_q.models import Schedule

    start = timezone.now()
    for number, name in enumerate(names):
        Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": 1,
                "repeats": -1,
                "next_run": start + timedelta(seconds=30 * number),
            },
        )


def ensure_sweeper_schedules(sender, **kwargs) -> None:
    from django_q.models import Schedule

    Schedule.objects.filter(name=OLD_REAPER).delete()
    ensure_half_minute_schedules(SWEEPERS, "jobs.tasks.sweep_queue")


def connect() -> None:
    from django_q.signals import post_spawn

    from jobs.pipelines import announce_on_spawn
    from jobs.sweeper import sweep_on_spawn
    from jobs.workdirs import remove_abandoned_on_spawn

    post_migrate.connect(ensure_sweeper_schedules, dispatch_uid="dna-sweeper-schedules")
    post_spawn.connect(announce_on_spawn, dispatch_uid="dna-announce-pipeline")
    post_spawn.connect(remove_abandoned_on_spawn, dispatch_uid="dna-remove-abandoned-workdirs")
    post_spawn.connect(sweep_on_spawn, dispatch_uid="dna-sweep-on-spawn")
