"""What one user may ask of the queue: a rate of submissions and a number of jobs waiting at once.
Both answer 429 with a code; they hold for the native API and the cloud styles alike (the quota is
checked where every job is made, services._new_job; the cloud styles also keep their per-action QPS,
compat/limits.py)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.throttling import UserRateThrottle

from core.errors import ApiError
from jobs.models import Job, JobStatus


class SubmitThrottle(UserRateThrottle):
    """Job submissions per user (DNAPORTAL_SUBMIT_RATE, e.g. "20/s"; empty: no limit). Counted in the
    cache: shared by every web process with Redis, per process with the embedded default."""

    scope = "submit"

    def get_rate(self):
        return settings.JOB_SUBMIT_RATE or None


def check_waiting_quota(user) -> None:
    """Refuse a new job while the user already has DNAPORTAL_MAX_WAITING_JOBS waiting or running: one
    client cannot fill the queue for everyone. (Checked, not locked: concurrent submissions may pass
    it by a few.)"""
    room = waiting_room(user)
    if room is not None and room <= 0:
        raise quota_refusal(room)


def quota_refusal(room: int) -> ApiError:
    """The quota's answer to a user with `room` (<= 0) more jobs allowed."""
    limit = settings.MAX_WAITING_JOBS_PER_USER
    return ApiError(
        "Throttling.Quota",
        f"You have {limit - room} jobs waiting or running; at most {limit} are allowed at once. "
        "Submit more as they finish.",
        status.HTTP_429_TOO_MANY_REQUESTS,
    )


def waiting_room(user) -> int | None:
    """How many more jobs the user may have waiting or running now; None: no limit."""
    limit = settings.MAX_WAITING_JOBS_PER_USER
    if not limit or user is None or not user.is_authenticated:
        return None
    return (
        limit
        - Job.objects.filter(created_by=user, status__in=(JobStatus.QUEUING, JobStatus.ANALYSING)).count()
    )
