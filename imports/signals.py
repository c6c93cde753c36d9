"""Follow the jobs of background batches: a job's end advances its batch at once (collect it, submit
the next), and a sweep twice a minute catches what a lost signal or a killed worker left."""

from datetime import timedelta

from django.db.models.signals import post_migrate
from django.utils import timezone

SWEEPERS = ("dna-sweep-imports", "dna-sweep-imports-half")


def on_job_finished(sender, job_id, batch_id, **kwargs) -> None:
    if batch_id is not None:
        from imports.tasks import advance_batch

        advance_batch(batch_id)


def ensure_sweeper_schedules(sender, **kwargs) -> None:
    from django_q.models import Schedule

    start = timezone.now()
    for number, name in enumerate(SWEEPERS):
        Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": "imports.tasks.sweep_batches",
                "schedule_type": Schedule.MINUTES,
                "minutes": 1,
                "repeats": -1,
                "next_run": start + timedelta(seconds=30 * number),
            },
        )


def connect() -> None:
    from jobs.events import job_finished

    job_finished.connect(on_job_finished, dispatch_uid="dna-import-follow-jobs")
    post_migrate.connect(ensure_sweeper_schedules, dispatch_uid="dna-import-sweeper-schedules")
