"""Reference exclusions from the review page: a moderator marks the stretch of a library item that a
match lies on as not the item's own (a licence every book of a library carries, a shared intro). It
never produces a match again (jobs/searching.py), and pending matches made only of excluded
stretches are closed now, logged."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ApiError
from jobs.models import Match, ReviewStatus
from libraries.models import Exclusion, Media
from libraries.services import exclude_range
from review.decisions import decide_automatically

EXCLUSION_USERNAME = "(reference exclusion)"


@dataclass
class Excluded:
    exclusion: Exclusion
    closed: int


def exclude_segment(
    *, match: Match, track: str, library_start: float, library_end: float, user, reason: str = ""
) -> Excluded:
    """Exclude the library item's stretch under one of the match's segments; close what it empties."""
    if match.media is None:
        raise ApiError("ResourceNotFound.Media", "The library item of this match was deleted.")
    if not any(
        abs(s["library_start"] - library_start) < 1e-3 and abs(s["library_end"] - library_end) < 1e-3
        for s in match.track(track)
    ):
        raise ApiError(
            "InvalidParameter.Segment", "Exclude a segment of this match: its track and library range."
        )
    exclusion = exclude_range(
        media=match.media, track=track, start=library_start, end=library_end, user=user, reason=reason
    )
    return Excluded(
        exclusion, close_excluded(match.media, reason or "a shared stretch of the reference", user)
    )


def close_excluded(media: Media, reason: str, user=None) -> int:
    """Dismiss the pending matches of the item made only of its excluded stretches (those another
    moderator than `user` holds are left to them); returns how many."""
    exclusions = list(media.exclusions.all())
    closed = 0
    for match in Match.objects.filter(media=media, review_status=ReviewStatus.PENDING):
        segments = [(track, s) for track, found in match.segments.items() for s in found]
        if segments and all(
            any(e.track == track and e.covers(s["library_start"], s["library_end"]) for e in exclusions)
            for track, s in segments
        ):
            if decide_automatically(
                match=match,
                decision=ReviewStatus.DISMISSED,
                note=f"reference exclusion: {reason}",
                by=EXCLUSION_USERNAME,
                acting=user,
            ):
                closed += 1
    return closed
