"""Moderation follows the jobs: when uploads' jobs end, their libraries' policies route the new
matches (review/policies.py)."""

import logging

log = logging.getLogger(__name__)


def on_job_finished(sender, job_ids, batch_id, **kwargs) -> None:
    if batch_id is not None:  # a bulk import's matches are not moderated
        return
    from review.policies import apply_policies

    decided = apply_policies(job_ids)
    if decided:
        log.info("library policies decided %d new matches of jobs %s", decided, job_ids)


def connect() -> None:
    from jobs.events import job_finished

    job_finished.connect(on_job_finished, dispatch_uid="dna-review-policies")
