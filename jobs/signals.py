"""Keep the stale-job reaper scheduled: it returns jobs whose worker died to the queue."""

from django.db.models.signals import post_migrate


def ensure_reaper_schedule(sender, **kwargs) -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="dna-reap-stale-jobs",
        defaults={
            "func": "jobs.tasks.reap_stale_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


def connect() -> None:
    post_migrate.connect(ensure_reaper_schedule, dispatch_uid="dna-reaper-schedule")
