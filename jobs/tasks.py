"""django-q2 task entry points: thin wrappers that take ids/names and reload rows."""

from __future__ import annotations

import logging

from jobs import pipelines, services
from jobs.lease import lease_kept
from jobs.pipeline import run_jobs

log = logging.getLogger(__name__)


def process_next_job(pipeline: str = "") -> str | None:
    """Run the best queuing job of the pipeline, with more of its bulk import if it belongs to one
    (services.claim_batch_mates). Safe to run twice: claiming is compare-and-set."""
    # Jobs orphaned by a killed worker go back to the queue before anything new is taken (the
    # scheduled sweeper, jobs/sweeper.py, does the same when nothing is submitted).
    services.reap_stale_jobs()
    pipelines.announce(pipeline)
    job = services.claim_next_job(pipeline)
    if job is None:
        return None
    group = [job, *services.claim_batch_mates(job)]
    log.info(
        "job %s: %s %s, attempt %d%s",
        job.id.hex,
        job.media_type,
        job.save_type,
        job.attempts,
        f", with {len(group) - 1} more of its import" if len(group) > 1 else "",
    )
    with lease_kept(*group):
        run_jobs(group)
    return job.id.hex


def reap_stale_jobs() -> int:
    """Kept for schedules made before the sweeper: it does the reaping and more."""
    return sweep_queue()


def sweep_queue() -> int:
    from jobs.sweeper import sweep

    done = sweep()
    return done.requeued + sum(done.woken.values())


def deliver_callback(job_id: str, attempt: int) -> bool:
    from jobs.callbacks import deliver

    return deliver(job_id, attempt)
