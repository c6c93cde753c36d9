"""The review queue: matches of uploads waiting for a decision, narrowed by a view (library, media
kind, similarity, status, uploader, age), in the order moderators take them. Matches found by bulk
imports are not uploads to moderate: they go to the import's report instead."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from jobs.models import Match, ReviewStatus
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
    view = view or View()
    matches = Match.objects.filter(
        scope.jobs_q("job__"), review_status=view.status, job__batch_id__isnull=True
    ).select_related("job", "library", "media")
    if view.library is not None:
        matches = matches.filter(library=view.library)
    if view.kind:
        matches = matches.filter(job__media_type=view.kind)
    if view.min_similarity is not None:
        matches = matches.filter(global_similarity__gte=view.min_similarity)
    if view.uploader:
        matches = matches.filter(job__created_by__username=view.uploader)
    if view.owner:
        matches = matches.filter(escalation__owner__username=view.owner)
    if view.min_age_hours:
        matches = matches.filter(created_at__lte=timezone.now() - timedelta(hours=view.min_age_hours))
    # Who holds each match now (a live claim), for the queue's "Held by" column.
    holder = F("claim__user__username")
    live = Q(claim__expires_at__gt=timezone.now())
    return matches.annotate(holder=Case(When(live, then=holder), default=Value(""))).order_by(
        "-global_similarity", "id"
    )
