"""Calibration from decisions: how the matches moderators confirmed and dismissed spread over the
engine's confidence and the copied share, and the thresholds that would have decided a share of them
automatically at a stated error rate. Only suggested: applying one is a logged policy change."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.models import REAL_COPY_DISMISSALS, Match, ReviewStatus
from libraries.models import Library
from review.scores import Score, explain

BINS = 10
# A suggestion needs at least this many decided matches on its side of the threshold.
MIN_SUPPORT = 10


@dataclass
class Bin:
    low: float
    high: float
    confirmed: int = 0
    dismissed: int = 0


@dataclass
class Suggestion:
    decision: str  # what the threshold decides automatically: confirmed (at or above) or dismissed (below)
    threshold: float
    decided: int  # how many of the moderators' decisions it would have taken
    share: float  # ... as a share of all of them
    errors: int  # ... of which the moderators decided otherwise

    @property
    def error_rate(self) -> float:
        return self.errors / self.decided if self.decided else 0.0


def decided_by_moderators(library: Library) -> list[tuple[Score, str]]:
    """The library's uploads' matches a moderator confirmed or dismissed (but not the copies
    dismissed as licensed or public), with their scores."""
    matches = Match.objects.filter(
        library=library,
        job__batch_id__isnull=True,
        review_status__in=(ReviewStatus.CONFIRMED, ReviewStatus.DISMISSED),
        reviewed_by__isnull=False,  # a policy's own decisions would only confirm the policy
    ).select_related("job", "media")
    # A real copy dismissed because it is licensed or public says nothing of the engine's mistakes.
    matches = matches.exclude(review_status=ReviewStatus.DISMISSED, review_reason__in=REAL_COPY_DISMISSALS)
    return [(explain(match), match.review_status) for match in matches.iterator(chunk_size=500)]


def spread(scored: list[tuple[Score, str]], measure: str = "confidence") -> list[Bin]:
    """Confirmed and dismissed counts over ten bins of the measure (confidence or query_share)."""
    bins = [Bin(n / BINS, (n + 1) / BINS) for n in range(BINS)]
    for score, decision in scored:
        value = getattr(score, measure)
        if value is None:
            continue
        slot = bins[min(BINS - 1, int(value * BINS))]
        if decision == ReviewStatus.CONFIRMED:
            slot.confirmed += 1
        else:
            slot.dismissed += 1
    return bins


def suggest_confirm(scored: list[tuple[Score, str]], max_error: float) -> Suggestion | None:
    """The lowest confidence at or above which confirming automatically would have erred on at most
    `max_error` of the matches it took (dismissed ones counted as errors)."""
    ranked = sorted(scored, key=lambda pair: -pair[0].confidence)
    best, errors = None, 0
    for taken, (score, decision) in enumerate(ranked, start=1):
        errors += decision == ReviewStatus.DISMISSED
        if taken < len(ranked) and ranked[taken][0].confidence == score.confidence:
            continue  # a threshold takes every match of its confidence
        if taken >= MIN_SUPPORT and errors <= max_error * taken:
            best = Suggestion(
                ReviewStatus.CONFIRMED, round(score.confidence, 4), taken, taken / len(ranked), errors
            )
    return best


def suggest_dismiss(scored: list[tuple[Score, str]], max_error: float) -> Suggestion | None:
    """The highest confidence below which dismissing automatically would have erred on at most
    `max_error` of the matches it took (confirmed ones counted as errors)."""
    ranked = sorted(scored, key=lambda pair: pair[0].confidence)
    best, errors = None, 0
    for taken, (score, decision) in enumerate(ranked, start=1):
        errors += decision == ReviewStatus.CONFIRMED
        if taken == len(ranked) or ranked[taken][0].confidence == score.confidence:
            continue  # the threshold sits between this confidence and the next one up
        if taken >= MIN_SUPPORT and errors <= max_error * taken:
            threshold = round((score.confidence + ranked[taken][0].confidence) / 2, 4)
            best = Suggestion(ReviewStatus.DISMISSED, threshold, taken, taken / len(ranked), errors)
    return best
