"""The database is the truth of the queue: jobs whose broker task was lost are woken by the sweeper,
requeues back off, a worker keeps its lease from a thread, and a database that is away is a 503."""

import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from jobs import services, sweeper
from jobs.lease import lease_kept
from jobs.models import InputType, Job, JobStatus


def test_jobs_whose_wake_ups_were_lost_are_woken_by_the_sweeper_and_run(
    make_library, queue_job, run_commit_hooks
):
    library = make_library()
    # queue_job commits nothing: the jobs' wake-ups never reach the broker, as after a flush.
    ids = [queue_job(library, primary_key=key) for key in "ab"]
    assert Job.objects.filter(id__in=ids, status=JobStatus.QUEUING).count() == 2
    done = run_commit_hooks(sweeper.sweep)
    assert done.woken == {"": 2}
    assert set(Job.objects.filter(id__in=ids).values_list("status", flat=True)) == {JobStatus.SUCCESS}
    assert run_commit_hooks(sweeper.sweep).woken == {}  # nothing left to wake


def test_wake_ups_waiting_in_the_broker_are_counted(make_library, queue_job, monkeypatch, run_commit_hooks):
    library = make_library()
    for key in "abc":
        queue_job(library, primary_key=key)
    monkeypatch.setattr(sweeper, "_waiting_tasks", lambda pipeline: 2)
    sent = []
    monkeypatch.setattr(services, "enqueue", lambda pipeline="": sent.append(pipeline))
    assert run_commit_hooks(sweeper.sweep).woken == {"": 1}
    assert sent == [""]


def test_a_job_waiting_out_its_back_off_is_neither_claimed_nor_woken(
    make_library, queue_job, run_commit_hooks
):
    job_id = queue_job(make_library())
    Job.objects.filter(id=job_id).update(not_before=timezone.now() + timedelta(seconds=30))
    assert services.claim_next_job("") is None
    assert run_commit_hooks(sweeper.sweep).woken == {}
    assert Job.objects.get(id=job_id).status == JobStatus.QUEUING


def test_the_back_off_starts_at_the_second_failure_and_doubles(settings):
    settings.JOB_RETRY_BACKOFF_SECONDS = 30
    assert [services.retry_delay(n) for n in (1, 2, 3, 4)] == [0, 30, 60, 120]


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_lease_from_a_thread_while_the_job_is_busy(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    settings.JOB_HEARTBEAT_SECONDS = 1
    Job.objects.create(primary_key="long", media_type="image", input_type=InputType.URL)
    job = services.claim_next_job("")
    old = timezone.now() - timedelta(hours=1)
    Job.objects.filter(id=job.id).update(heartbeat_at=old)
    with lease_kept(job):
        time.sleep(2.5)  # a long step that reports no progress
    assert Job.objects.get(id=job.id).heartbeat_at > old + timedelta(minutes=59)


def _database_gone(*args, **kwargs):
    raise OperationalError("terminating connection due to administrator command")


def test_the_native_api_answers_503_with_a_code_when_the_database_is_away(api, monkeypatch):
    from jobs import selectors

    monkeypatch.setattr(selectors, "filter_jobs", _database_gone)
    response = api.get("/api/v1/jobs/")
    assert response.status_code == 503
    assert response.json()["code"] == "ServiceUnavailable.Database"
    assert response["Retry-After"] == "5"


def test_the_cloud_styles_answer_their_own_503_when_the_database_is_away(client, token, monkeypatch):
    from compat import ci, rpc

    monkeypatch.setattr(rpc, "rpc_user", _database_gone)
    response = client.post("/api/ice/", {"Action": "ListDNADB"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 503 and response.json()["Code"] == "ServiceUnavailable"
    monkeypatch.setattr(ci, "cos_user", _database_gone)
    response = client.get("/api/ci/jobs/abc", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 503 and b"<Code>ServiceUnavailable</Code>" in response.content
    assert response["Retry-After"] == "5"


@pytest.fixture
def token(api, user):
    from rest_framework.authtoken.models import Token

    return Token.objects.get(user=user).key


def test_a_worker_starts_even_when_its_start_sweep_cannot_reach_the_database(monkeypatch, caplog, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # as in a real cluster's worker

    def away():
        raise OperationalError("connection refused")

    monkeypatch.setattr(sweeper, "sweep", away)
    sweeper.sweep_on_spawn(sender="django_q", proc_name="Worker-1")  # returns: the worker goes on
    assert "queue sweep at worker start skipped: connection refused" in caplog.text
