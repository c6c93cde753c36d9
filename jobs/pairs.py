"""Pairs met again: an upload with the same content (its SHA-256) as an earlier upload of the same
team matching the same library item. Moderators decide a pair once: the later match follows the
earliest match of its pair (its root), taking the root's status when it is made and each of its
decisions after (review/decisions.py), and it is not queued on its own."""

from __future__ import annotations

from django.utils import timezone

from jobs.models import Job, Match, ReviewEvent, ReviewStatus

# How the audit log names a status a match took from the earlier match of its pair.
PAIR_USERNAME = "(same pair)"


def join_earlier_pairs(job: Job, matches: list[Match]) -> list[Match]:
    """Before the job's matches are written: point each at the root of its pair, if the pair was met
    before, and give it the root's status. Returns those that thereby took a decision (log them
    with log_taken_decisions once written). A bulk import's matches are not moderated: left alone."""
    if not job.input_sha256 or job.batch_id is not None:
        return []
    roots: dict = {}
    earlier = (
        Match.objects.filter(
            job__input_sha256=job.input_sha256,
            job__team_id=job.team_id,  # another team's decisions are theirs (libraries/access.py)
            media_id__in=[match.media_id for match in matches if match.media_id],
            duplicate_of__isnull=True,
        )
        .exclude(job=job)
        .order_by("-id")
    )
    for root in earlier:
        roots[root.media_id] = root  # the earliest wins: rows come newest first
    taken = []
    for match in matches:
        root = roots.get(match.media_id)
        if root is None:
            continue
        match.duplicate_of, match.review_status = root, root.review_status
        if root.review_status != ReviewStatus.PENDING:
            match.reviewed_by_id, match.reviewed_at = root.reviewed_by_id, timezone.now()
            match.review_note = f"as match {root.id}: the same upload and library item"
            match.review_version = 1
            taken.append(match)
    return taken


def log_taken_decisions(matches: list[Match]) -> None:
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            match=match,
            username=PAIR_USERNAME,
            decision=match.review_status,
            previous=ReviewStatus.PENDING,
            note=match.review_note,
            version_after=match.review_version,
        )
        for match in matches
    )
