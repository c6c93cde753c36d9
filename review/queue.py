"""The review queue: matches of uploads waiting for a decision, narrowed by a view (library, media
kind, similarity, coverage, status, uploader, age), in the order moderators take them. Matches found by bulk
imports are not uploads to moderate: they go to the import's report instead."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Case, Count, F, Max, Min, Q, QuerySet, Value, When
from django.utils import timezone

from jobs.models import Job, Match, ReviewStatus
from libraries.access import Scope
from libraries.models import Library

# Statuses a queue can show: what waits for a first look, and what was escalated for a second one.
QUEUE_STATUSES = (ReviewStatus.PENDING, ReviewStatus.ESCALATED)
QUEUE_STATUS_CHOICES = [(status.value, status.label) for status in QUEUE_STATUSES]


@dataclass(frozen=True)
class View:
    """Which matches a moderator works through. Pages and the API build it from the same parameters
    (review.forms.ViewForm, review.serializers.ViewSerializer) and carry it along as a query."""

    library: Library | None = None
    kind: str = ""
    min_similarity: float | None = None
    min_coverage: float | None = None  # the share of the upload copied (jobs/coverage.py)
    status: str = ReviewStatus.PENDING
    uploader: str = ""
    min_age_hours: int | None = None
    owner: str = ""  # escalations owned by this username

    def as_query(self) -> str:
        """The view as URL parameters (only what differs from the whole pending queue)."""
        values = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value in (None, "") or (field.name == "status" and value == ReviewStatus.PENDING):
                continue
            values[field.name] = str(value.id) if isinstance(value, Library) else value
        return urlencode(values)


def matches_in_view(*, scope: Scope, view: View | None = None) -> QuerySet[Match]:
    """The view's matches among the jobs the scope sees, highest similarity first."""
    # Who holds each match now (a live claim), for the queue's "Held by" column.
    holder = F("claim__user__username")
    live = Q(claim__expires_at__gt=timezone.now())
    matches = _filtered(scope, view or View()).select_related("job", "job__created_by", "library", "media")
    return matches.annotate(holder=Case(When(live, then=holder), default=Value(""))).order_by(
        "-global_similarity", "id"
    )


@dataclass
class Card:
    """An upload with its matches in the view, reviewed together; `followers` says, by match id, how
    many later uploads of the same content follow that match's decisions (jobs/pairs.py)."""

    job: Job
    matches: list[Match]
    followers: dict[int, int]


def uploads_in_view(*, scope: Scope, view: View | None = None) -> QuerySet:
    """The uploads with matches in the view (rows of job_id), the one with the best match first."""
    grouped = _filtered(scope, view or View()).values("job_id")
    return grouped.annotate(best=Max("global_similarity"), first=Min("id")).order_by("-best", "first")


def cards(uploads, *, scope: Scope, view: View | None = None) -> list[Card]:
    """The cards of some of uploads_in_view's rows (a page of them)."""
    ids = [row["job_id"] for row in uploads]
    matches = list(matches_in_view(scope=scope, view=view).filter(job_id__in=ids))
    counted = Match.objects.filter(duplicate_of__in=[match.id for match in matches]).values("duplicate_of")
    followers = dict(counted.annotate(n=Count("id")).values_list("duplicate_of", "n"))
    by_job: dict = {}
    for match in matches:
        by_job.setdefault(match.job_id, []).append(match)
    return [Card(by_job[job_id][0].job, by_job[job_id], followers) for job_id in ids if job_id in by_job]


def _filtered(scope: Scope, view: View) -> QuerySet[Match]:
    # A later match of a pair already queued follows that one's decisions (jobs/pairs.py).
    matches = Match.objects.filter(
        scope.jobs_q("job__"),
        review_status=view.status,
        job__batch_id__isnull=True,
        duplicate_of__isnull=True,
    )
    if view.library is not None:
        matches = matches.filter(library=view.library)
    if view.kind:
        matches = matches.filter(job__media_type=view.kind)
    if view.min_similarity is not None:
        matches = matches.filter(global_similarity__gte=view.min_similarity)
    if view.min_coverage is not None:
        matches = matches.filter(query_coverage__gte=view.min_coverage)
    if view.uploader:
        matches = matches.filter(job__created_by__username=view.uploader)
    if view.owner:
        matches = matches.filter(escalation__owner__username=view.owner)
    if view.min_age_hours:
        matches = matches.filter(created_at__lte=timezone.now() - timedelta(hours=view.min_age_hours))
    return matches
