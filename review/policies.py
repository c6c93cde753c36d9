"""Library policies: a new match whose score is clear is decided automatically (logged as the
policy's decision), the rest go to the moderators. As Content ID sends matches under a share of the
running time to manual review, a policy confirms only above a confidence and a copied share."""

from __future__ import annotations

from django.db import transaction
from rest_framework import status

from core.errors import ApiError
from jobs.models import Job, Match, ReviewStatus
from libraries.models import Library
from review.decisions import decide_automatically
from review.models import Policy, PolicyChange
from review.scores import Score, explain

FIELDS = ("confirm_confidence", "confirm_share", "dismiss_confidence")


def policy_of(library: Library) -> Policy:
    """The library's policy (an unsaved empty one when it has none: everything is reviewed)."""
    return Policy.objects.filter(library=library).first() or Policy(library=library)


def set_policy(
    *,
    library: Library,
    user,
    confirm_confidence: float | None,
    confirm_share: float = 0.0,
    dismiss_confidence: float | None,
    reason: str = "",
) -> Policy:
    """Change the library's policy, logged with what it was."""
    values = {
        "confirm_confidence": confirm_confidence,
        "confirm_share": confirm_share or 0.0,
        "dismiss_confidence": dismiss_confidence,
    }
    for name, value in values.items():
        if value is not None and not 0.0 <= value <= 1.0:
            raise ApiError(f"InvalidParameter.{_camel(name)}", f"{name}: a number from 0 to 1.")
    if (
        confirm_confidence is not None
        and dismiss_confidence is not None
        and dismiss_confidence > confirm_confidence
    ):
        raise ApiError(
            "InvalidParameter.Policy",
            "dismiss_confidence must not be above confirm_confidence.",
            status.HTTP_400_BAD_REQUEST,
        )
    with transaction.atomic():
        existing = Policy.objects.select_for_update().filter(library=library).first()
        before = {name: getattr(existing, name) for name in FIELDS} if existing else {}
        policy = existing or Policy(library=library)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        PolicyChange.objects.create(
            library=library,
            user=user,
            username=user.get_username(),
            before=before,
            after=values,
            reason=reason[:500],
        )
    return policy


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def route(score: Score, policy: Policy) -> str | None:
    """The decision the policy takes for a match of this score, or None (a moderator decides)."""
    if policy.confirm_confidence is not None and score.confidence >= policy.confirm_confidence:
        share = score.copied_share
        if share is not None and share >= policy.confirm_share:
            return ReviewStatus.CONFIRMED
    if policy.dismiss_confidence is not None and score.confidence < policy.dismiss_confidence:
        return ReviewStatus.DISMISSED
    return None


def apply_policies(job_ids: list) -> int:
    """Route the new pending matches of these jobs by their libraries' policies; returns how many
    were decided. Bulk imports' matches are not moderated (they go to the import's report)."""
    decided = 0
    jobs = Job.objects.filter(id__in=job_ids, batch_id__isnull=True)
    # A later match of a pair follows its earlier match (jobs/pairs.py), not the policy.
    matches = Match.objects.filter(
        job__in=jobs, review_status=ReviewStatus.PENDING, duplicate_of__isnull=True
    ).select_related("job", "media", "library")
    policies = {
        policy.library_id: policy for policy in Policy.objects.filter(library__in=jobs.values("library"))
    }
    for match in matches:
        policy = policies.get(match.library_id)
        if policy is None:
            continue
        score = explain(match)
        decision = route(score, policy)
        if decision is not None and decide_automatically(match=match, decision=decision, note=_why(score)):
            decided += 1
    return decided


def _why(score: Score) -> str:
    copied = f", {score.query_share:.0%} of the upload copied" if score.query_share is not None else ""
    return f"library policy: confidence {score.confidence:.2f}{copied}"
