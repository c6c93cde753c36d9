"""Callbacks: the finished job is POSTed, signed with HMAC-SHA256, retried on failure, each attempt kept."""

import hashlib
import hmac
import json

from jobs.models import CallbackAttempt


def test_it_posts_the_signed_result(
    allow_loopback, receiver, make_library, submit, images, job_result, settings
):
    url, received, _ = receiver
    job = job_result(submit(make_library(), "b", file=images["balloons.jpg"], callback_url=url))
    assert len(received) == 1
    headers, body = received[0]
    expected = "sha256=" + hmac.new(settings.CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-DNAPortal-Signature"] == expected
    payload = json.loads(body)
    assert payload["event"] == "job.finished"
    assert payload["job"]["id"] == job["id"]
    assert payload["job"]["status"] == "success"
    assert payload["job"]["result"] == {"matches": []}
    assert job["callback_attempts"][0]["delivered"] is True
    assert job["callback_attempts"][0]["status_code"] == 200


def test_a_failed_delivery_is_retried_and_every_attempt_recorded(
    allow_loopback, receiver, make_library, submit, images, job_result
):
    url, received, replies = receiver
    replies.extend([500, 502])
    job = job_result(submit(make_library(), "b", file=images["balloons.jpg"], callback_url=url))
    assert [a["status_code"] for a in job["callback_attempts"]] == [500, 502, 200]
    assert [a["delivered"] for a in job["callback_attempts"]] == [False, False, True]
    assert len(received) == 3


def test_failed_jobs_are_reported_too(allow_loopback, receiver, make_library, submit, job_result, tmp_path):
    url, received, _ = receiver
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"garbage" * 20)
    submit(make_library(), "b", file=bad, callback_url=url)
    payload = json.loads(received[0][1])
    assert payload["job"]["status"] == "fail"
    assert payload["job"]["code"] == "InvalidFile.Corrupt"


def test_it_gives_up_after_the_last_attempt(allow_loopback, receiver, make_library, submit, images, settings):
    url, received, replies = receiver
    replies.extend([500] * 10)
    submit(make_library(), "b", file=images["balloons.jpg"], callback_url=url)
    assert CallbackAttempt.objects.count() == settings.CALLBACK_MAX_ATTEMPTS
    assert not CallbackAttempt.objects.filter(delivered=True).exists()
