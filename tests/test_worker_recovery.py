"""A worker that dies mid-job leaves the job to be retried, never stuck in `analysing`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import Job, JobStatus
from jobs.tasks import process_next_job


@pytest.fixture
def queued(make_library, queue_job):
    return Job.objects.get(id=queue_job(make_library()))


def _die_mid_job(job_id, seconds_ago=1800):
    """What a killed worker leaves behind: the job claimed, then silence."""
    job = services.claim_next_job("")
    assert job.id == job_id
    Job.objects.filter(id=job_id).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago))
    return job


def test_a_silent_job_is_requeued_and_then_completes(queued, run_commit_hooks):
    _die_mid_job(queued.id)
    assert run_commit_hooks(services.reap_stale_jobs) == 1
    queued.refresh_from_db()
    assert queued.status == JobStatus.SUCCESS
    assert queued.attempts == 2
    assert queued.saved


def test_the_next_task_reaps_before_claiming(queued, run_commit_hooks):
    _die_mid_job(queued.id)
    assert run_commit_hooks(process_next_job, "") == queued.id.hex
    queued.refresh_from_db()
    assert queued.status == JobStatus.SUCCESS


def test_a_job_alive_within_its_lease_is_left_alone(queued, settings, run_commit_hooks):
    _die_mid_job(queued.id, seconds_ago=settings.JOB_LEASE_SECONDS / 2)
    assert run_commit_hooks(services.reap_stale_jobs) == 0
    queued.refresh_from_db()
    assert queued.status == JobStatus.ANALYSING


def test_a_job_that_kills_every_worker_fails_after_the_last_attempt(queued, settings, run_commit_hooks):
    Job.objects.filter(id=queued.id).update(attempts=settings.JOB_MAX_ATTEMPTS - 1)
    _die_mid_job(queued.id)
    run_commit_hooks(services.reap_stale_jobs)
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAIL
    assert queued.error_code == "Job.WorkerLost"
    assert queued.finished_at is not None


def test_a_worker_that_lost_its_job_cannot_write_a_result(queued, run_commit_hooks):
    stale = _die_mid_job(queued.id)
    run_commit_hooks(services.reap_stale_jobs)  # requeued and completed by a second worker
    assert services.finish_job(stale, saved_media=None, input_meta={"late": True}) is False
    assert services.fail_job(stale, "X", "late") is False
    queued.refresh_from_db()
    assert queued.status == JobStatus.SUCCESS
    assert "late" not in queued.input_meta


def test_a_crash_inside_the_pipeline_is_retried_then_failed(queued, monkeypatch, settings, run_commit_hooks):
    from jobs import searching
    from jobs.sweeper import sweep

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(searching, "search_library", broken)
    run_commit_hooks(process_next_job, "")
    # The first failure is retried at once; the second makes the job wait out a back-off.
    queued.refresh_from_db()
    assert queued.status == JobStatus.QUEUING and queued.attempts == 2
    waited = (queued.not_before - timezone.now()).total_seconds()
    assert settings.JOB_RETRY_BACKOFF_SECONDS - 5 < waited <= settings.JOB_RETRY_BACKOFF_SECONDS
    assert run_commit_hooks(sweep).woken == {}  # not due: no worker takes it
    Job.objects.filter(id=queued.id).update(not_before=timezone.now() - timedelta(seconds=1))
    assert run_commit_hooks(sweep).woken == {"": 1}
    queued.refresh_from_db()
    assert queued.status == JobStatus.FAIL
    assert queued.error_code == "InternalError"
    assert "disk on fire" in queued.error_message
    assert queued.attempts == settings.JOB_MAX_ATTEMPTS
