"""Deciding matches: one transaction per decision, logged, refused when another moderator holds the
match (unless taken over, which is logged) or when the decider read an older state of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from rest_framework import status

from core.errors import ApiError, Codes
from core.roles import Role, has_role
from jobs.models import REASONS_FOR, Match, ReviewEvent, ReviewStatus
from libraries.access import Scope
from review.models import Claim, Escalation

DECISIONS = (ReviewStatus.CONFIRMED, ReviewStatus.DISMISSED, ReviewStatus.ESCALATED)
NOTE_MAX_CHARS = 2000
# A decision can be undone by its author for this long, if nobody decided the match since.
UNDO_MINUTES = 10
# How the audit log names a library policy's automatic decisions.
POLICY_USERNAME = "(library policy)"
# A bulk decision is a request's work: views larger than this are narrowed first.
BULK_MAX = 2000


def get_match(match_id, *, scope: Scope) -> Match:
    """The match, if the scope sees its job (a match outside it does not exist for the caller)."""
    try:
        matches = Match.objects.filter(scope.jobs_q("job__"))
        return matches.select_related("job", "library", "media", "reviewed_by").get(id=int(match_id))
    except (ValueError, TypeError, Match.DoesNotExist) as exc:
        raise ApiError(
            "ResourceNotFound.Match", f"Match {match_id!r} does not exist.", status.HTTP_404_NOT_FOUND
        ) from exc


def decide_match(
    *,
    match: Match,
    user,
    decision: str,
    note: str = "",
    version: int | None = None,
    take_over: bool = False,
    owner: str = "",
    reason: str = "",
) -> ReviewEvent:
    """Record a moderator's decision (a change of mind is a new decision) and log it; the match's
    claim ends. `version`: the match's review_version the moderator saw (None: not checked).
    `owner`: for an escalation, the username of whoever is to take the second look."""
    _check(decision, reason)
    owner_user = _reviewer(owner) if owner else None
    if owner_user is not None and decision != ReviewStatus.ESCALATED:
        raise ApiError("InvalidParameter.Owner", "owner: only an escalation has an owner.")
    with transaction.atomic():
        event = _record(match, user, decision, note, version=version, take_over=take_over, reason=reason)
        if decision == ReviewStatus.ESCALATED:
            Escalation.objects.update_or_create(
                match=match, defaults={"owner": owner_user, "escalated_by": user}
            )
    return event


def reviewers():
    """Who may decide matches (moderators and admins): the owners an escalation can name."""
    groups = [Role.MODERATOR.group, Role.ADMIN.group]
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(groups__name__in=groups) | Q(is_superuser=True)).distinct().order_by("username")


def _reviewer(username: str):
    """A moderator or admin by username (an escalation's owner)."""
    found = get_user_model().objects.filter(username=username, is_active=True).first()
    if found is None or not has_role(found, Role.MODERATOR):
        raise ApiError(
            "InvalidParameter.Owner", f"owner: {username!r} is not a moderator or admin of this portal."
        )
    return found


@dataclass
class Bulk:
    """What a bulk decision did: matches decided (one audit event each) and matches left alone
    because another moderator holds them."""

    decided: int = 0
    held_by_others: int = 0


def decide_many(
    *,
    matches: QuerySet[Match],
    user,
    decision: str,
    note: str = "",
    expected: int | None = None,
    reason: str = "",
) -> Bulk:
    """The same decision on many matches (a selection, or a whole view): each recorded and logged
    on its own, as decide_match does; matches another moderator holds are left to them. `expected`:
    the count the moderator was shown; if the matches now number otherwise, nothing is decided."""
    _check(decision, reason)
    ids = list(matches.values_list("id", flat=True)[: BULK_MAX + 1])
    if len(ids) > BULK_MAX:
        raise ApiError(
            "Review.TooMany",
            f"At most {BULK_MAX} matches are decided at once; narrow the view.",
            status.HTTP_400_BAD_REQUEST,
        )
    if expected is not None and expected != len(ids):
        raise ApiError(
            "Review.Stale",
            f"The selection now holds {len(ids)} matches, not the {expected} you were shown; look again.",
            status.HTTP_409_CONFLICT,
        )
    done = Bulk()
    for match in Match.objects.filter(id__in=ids).order_by("id"):
        try:
            _record(match, user, decision, note, version=None, take_over=False, reason=reason)
            done.decided += 1
        except ApiError as exc:
            if exc.error_code != "Review.ClaimedByOther":
                raise
            done.held_by_others += 1
    return done


def decide_automatically(
    *, match: Match, decision: str, note: str, by: str = "", acting=None
) -> ReviewEvent | None:
    """A decision the portal makes itself: a library policy's (review/policies.py) or a reference
    exclusion's (review/exclusions.py), logged under `by`; a moderator's claim (but the `acting`
    user's own) or decision made meanwhile wins."""
    with transaction.atomic():
        locked = (
            Match.objects.select_for_update().filter(id=match.id, review_status=ReviewStatus.PENDING).first()
        )
        claims = Claim.objects.filter(match=locked, expires_at__gt=timezone.now())
        if acting is not None:
            claims = claims.exclude(user=acting)
        if locked is None or claims.exists():
            return None
        event = ReviewEvent.objects.create(
            match=locked,
            user=None,
            username=by or POLICY_USERNAME,
            decision=decision,
            previous=locked.review_status,
            note=note,
            version_after=locked.review_version + 1,
        )
        Match.objects.filter(id=match.id).update(
            review_status=decision,
            reviewed_at=timezone.now(),
            review_note=note,
            review_version=locked.review_version + 1,
        )
        Claim.objects.filter(match=locked).delete()
        _carry_to_pair(locked, event)
    return event


def undo_decision(*, event: ReviewEvent, user) -> ReviewEvent:
    """Put the match back as it was before the user's own recent decision (logged as a decision)."""
    if event.user_id != user.id or event.created_at < timezone.now() - timedelta(minutes=UNDO_MINUTES):
        raise ApiError(
            "Review.UndoExpired",
            f"Only your own decisions of the last {UNDO_MINUTES} minutes can be undone.",
            status.HTTP_409_CONFLICT,
        )
    return _record(event.match, user, event.previous, "undo", version=event.version_after, take_over=False)


def _check(decision: str, reason: str) -> None:
    if decision not in DECISIONS:
        raise ApiError("InvalidParameter.Decision", f"decision: one of {', '.join(DECISIONS)}.")
    if reason and reason not in REASONS_FOR[decision]:
        allowed = ", ".join(REASONS_FOR[decision])
        raise ApiError("InvalidParameter.Reason", f"reason: for {decision}, one of {allowed} (or none).")


def _record(
    match: Match, user, decision: str, note: str, *, version: int | None, take_over: bool, reason: str = ""
) -> ReviewEvent:
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ApiError("InvalidParameter.Note", f"note: at most {NOTE_MAX_CHARS} characters.")
    with transaction.atomic():
        # Lock the row so two reviewers deciding at once each log the status they actually replaced.
        locked = Match.objects.select_for_update().filter(id=match.id).first()
        if locked is None:
            raise ApiError(Codes.NOT_FOUND, "The match was deleted.", status.HTTP_404_NOT_FOUND)
        if version is not None and locked.review_version != version:
            raise _stale(locked)
        holder = (
            Claim.objects.select_related("user").filter(match=locked, expires_at__gt=timezone.now()).first()
        )
        took_over_from = ""
        if holder is not None and holder.user_id != user.id:
            if not take_over:
                raise _claimed(holder)
            took_over_from = holder.user.get_username()
        event = ReviewEvent.objects.create(
            match=locked,
            user=user,
            username=user.get_username(),
            decision=decision,
            previous=locked.review_status,
            note=note,
            reason=reason,
            took_over_from=took_over_from,
            version_after=locked.review_version + 1,
        )
        Match.objects.filter(id=match.id).update(
            review_status=decision,
            reviewed_by=user if decision != ReviewStatus.PENDING else None,
            reviewed_at=timezone.now() if decision != ReviewStatus.PENDING else None,
            review_note=note,
            review_reason=reason,
            review_version=locked.review_version + 1,
        )
        Claim.objects.filter(match=locked).delete()
        _carry_to_pair(locked, event)
    match.refresh_from_db()
    return event


def _carry_to_pair(root: Match, event: ReviewEvent) -> int:
    """The later matches of the root's pair (jobs/pairs.py) that stood where it stood follow its
    decision, each logged; returns how many."""
    followers = list(
        Match.objects.select_for_update().filter(duplicate_of=root, review_status=event.previous)
    )
    decided = event.decision != ReviewStatus.PENDING
    note = f"with match {root.id} (the same upload and library item)" + (
        f": {event.note}" if event.note else ""
    )
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            match=follower,
            user=event.user,
            username=event.username,
            decision=event.decision,
            previous=event.previous,
            note=note,
            reason=event.reason,
            version_after=follower.review_version + 1,
        )
        for follower in followers
    )
    return Match.objects.filter(id__in=[follower.id for follower in followers]).update(
        review_status=event.decision,
        reviewed_by=event.user if decided else None,
        reviewed_at=timezone.now() if decided else None,
        review_note=note,
        review_reason=event.reason,
        review_version=F("review_version") + 1,
    )


def _stale(match: Match) -> ApiError:
    by = f" by {match.reviewed_by.get_username()}" if match.reviewed_by else ""
    return ApiError(
        "Review.Stale",
        f"Match {match.id} changed since you read it: it is now {match.review_status}{by}. "
        "Reload it and decide again.",
        status.HTTP_409_CONFLICT,
    )


def _claimed(holder: Claim) -> ApiError:
    return ApiError(
        "Review.ClaimedByOther",
        f"{holder.user.get_username()} is reviewing match {holder.match_id} until "
        f"{holder.expires_at:%H:%M:%S} UTC. Take it over explicitly (take_over) to decide it now.",
        status.HTTP_409_CONFLICT,
    )


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
