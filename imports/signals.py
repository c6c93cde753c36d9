"""Follow the jobs of background batches: a job's end advances its batch at once (collect it, submit
the next), and a sweep twice a minute catches what a lost signal or a killed worker left."""

from django.db.models.signals import post_migrate

from jobs.signals import ensure_half_minute_schedules

SWEEPERS = ("dna-sweep-imports", "dna-sweep-imports-half")


def on_job_finished(sender, job_ids, batch_id, **kwargs) -> None:
    if batch_id is not None:
        from imports.tasks import advance_batch

        advance_batch(batch_id)


def ensure_sweeper_schedules(sender, **kwargs) -> None:
    ensure_half_minute_schedules(SWEEPERS, "imports.tasks.sweep_batches")


def connect() -> None:
    from jobs.events import job_finished

    job_finished.connect(on_job_finished, dispatch_uid="dna-import-follow-jobs")
    post_migrate.connect(ensure_sweeper_schedules, dispatch_uid="dna-import-sweeper-schedules")
