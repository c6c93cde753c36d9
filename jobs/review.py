"""Reviewing matches: the decision service (one transaction, logged) and the reads behind the review
queue and the audit log. Pages and the API both call these."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import status

from core.errors import ApiError, Codes
from jobs.models import Match, ReviewEvent, ReviewStatus
from libraries.access import Scope

DECISIONS = (ReviewStatus.CONFIRMED, ReviewStatus.DISMISSED, ReviewStatus.ESCALATED)
NOTE_MAX_CHARS = 2000


def get_match(match_id, *, scope: Scope) -> Match:
    """The match, if the scope sees its job (a match outside it does not exist for the caller)."""
    try:
        matches = Match.objects.filter(scope.jobs_q("job__"))
        return matches.select_related("job", "library", "media", "reviewed_by").get(id=int(match_id))
    except (ValueError, TypeError, Match.DoesNotExist) as exc:
        raise ApiError(
            "ResourceNotFound.Match", f"Match {match_id!r} does not exist.", status.HTTP_404_NOT_FOUND
        ) from exc


def decide_match(*, match: Match, user, decision: str, note: str = "") -> ReviewEvent:
    """Record a reviewer's decision (a change of mind is a new decision) and log it."""
    if decision not in DECISIONS:
        raise ApiError(
            "InvalidParameter.Decision",
            f"decision: one of {', '.join(DECISIONS)}.",
        )
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ApiError("InvalidParameter.Note", f"note: at most {NOTE_MAX_CHARS} characters.")
    with transaction.atomic():
        # Lock the row so two reviewers deciding at once each log the status they actually replaced.
        locked = Match.objects.select_for_update().filter(id=match.id).first()
        if locked is None:
            raise ApiError(Codes.NOT_FOUND, "The match was deleted.", status.HTTP_404_NOT_FOUND)
        now = timezone.now()
        event = ReviewEvent.objects.create(
            match=locked,
            user=user,
            username=user.get_username(),
            decision=decision,
            previous=locked.review_status,
            note=note,
        )
        Match.objects.filter(id=match.id).update(
            review_status=decision, reviewed_by=user, reviewed_at=now, review_note=note
        )
    match.refresh_from_db()
    return event


def review_queue(*, scope: Scope, library=None, min_similarity: float | None = None) -> QuerySet[Match]:
    """Pending matches of the jobs the scope sees, highest similarity first. Matches found by bulk
    imports are not uploads to moderate: they go to the import's report instead."""
    matches = Match.objects.filter(
        scope.jobs_q("job__"), review_status=ReviewStatus.PENDING, job__batch_id__isnull=True
    ).select_related("job", "library", "media")
    if library is not None:
        matches = matches.filter(library=library)
    if min_similarity is not None:
        matches = matches.filter(global_similarity__gte=min_similarity)
    return matches.order_by("-global_similarity", "id")


def next_in_queue(after: Match, *, scope: Scope) -> Match | None:
    """The pending match a reviewer should see after this one (the queue's order, this one skipped)."""
    return review_queue(scope=scope).exclude(id=after.id).first()


def audit_log(*, scope: Scope, user=None, decision: str = "", library=None) -> QuerySet[ReviewEvent]:
    """Decisions on the matches the scope sees, newest first."""
    events = ReviewEvent.objects.filter(scope.jobs_q("match__job__")).select_related(
        "match", "match__library", "match__job"
    )
    if user is not None:
        events = events.filter(user=user)
    if decision:
        events = events.filter(decision=decision)
    if library is not None:
        events = events.filter(match__library=library)
    return events
