"""Claims: a moderator holds the match they are looking at for a while, so that a colleague working
the same queue is given another one. A claim ends with a decision, a skip, the moderator's next
claim, or its expiry (settings.REVIEW_CLAIM_MINUTES)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from jobs.models import Match
from libraries.access import Scope
from review.models import Claim, Skip
from review.queue import View, matches_in_view

# How many of the view's first free matches a claim tries before giving up (others may race for them).
CLAIM_TRIES = 20


def live_claim(match: Match) -> Claim | None:
    """Who holds the match now, if anyone."""
    return Claim.objects.select_related("user").filter(match=match, expires_at__gt=timezone.now()).first()


def claim_next(*, user, scope: Scope, view: View, upload=None) -> Match | None:
    """Release the user's claims, then claim the first match of the view that nobody else holds:
    first the rest of `upload` (the job whose match was just decided: an upload's card is reviewed
    through), then the view's order; matches the user skipped come after all the others."""
    release_all(user)
    now = timezone.now()
    free = matches_in_view(scope=scope, view=view).exclude(claim__expires_at__gt=now)
    ordered = free.annotate(
        skipped=Exists(Skip.objects.filter(user=user, match=OuterRef("pk"))),
        elsewhere=Case(When(job_id=getattr(upload, "id", None), then=Value(0)), default=Value(1)),
    ).order_by("skipped", "elsewhere", "-global_similarity", "id")
    for match in ordered[:CLAIM_TRIES]:
        if _take(match, user):
            return match
    return None


def claim(match: Match, user) -> Claim | None:
    """Claim a match the user opened, if nobody else holds it; returns who holds it now (None only
    if it was claimed and released in between)."""
    held = live_claim(match)
    if held is None or held.user_id == user.id:
        Claim.objects.filter(user=user).exclude(match=match).delete()
        _take(match, user)
    return live_claim(match)


def _take(match: Match, user) -> bool:
    """Compare-and-set: the match becomes the user's if it is free, expired, or the user's own."""
    now = timezone.now()
    until = now + timedelta(minutes=settings.REVIEW_CLAIM_MINUTES)
    with transaction.atomic():
        mine_or_expired = Claim.objects.filter(match=match).filter(
            expires_at__lte=now
        ) | Claim.objects.filter(match=match, user=user)
        if mine_or_expired.update(user=user, claimed_at=now, expires_at=until):
            return True
        try:
            with transaction.atomic():
                Claim.objects.create(match=match, user=user, claimed_at=now, expires_at=until)
        except IntegrityError:  # another moderator claimed it a moment ago
            return False
    return True


def release(match: Match, user) -> None:
    Claim.objects.filter(match=match, user=user).delete()


def release_all(user) -> None:
    Claim.objects.filter(user=user).delete()


def skip(match: Match, user) -> None:
    """Pass over a match: released, and offered to this moderator again only after everything else."""
    Skip.objects.get_or_create(user=user, match=match)
    release(match, user)
