"""Scores that explain themselves: how much of each side a match copies, and how sure it is.

A match's `global_similarity` mixes the two (for timed media it is about the share of the upload
covered), so an exact 6-second copy inside a 30-second upload scored 0.2 and read "low". Here they
are apart: the upload's and the reference's covered length and share, the engine's confidence in the
copied stretches (their similarity, weighted by length), and what their geometry shows of the edit
(a copy played faster or slower)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from core.display import similarity_band
from engine import registry
from jobs.coverage import Coverage, coverage_of
from jobs.models import Match

# Stretches shorter than this say little about speed; ratios this close to 1 are not a speed change.
SPEED_MIN_SECONDS = 2.0
SPEED_TOLERANCE = 0.03


@dataclass(frozen=True)
class Score(Coverage):
    """A match's coverage of each side (jobs/coverage.py), how sure the engine is, what it changed."""

    confidence: float = 0.0
    changes: list[str] = field(default_factory=list)

    @property
    def confidence_band(self) -> str:
        return similarity_band(self.confidence)

    @property
    def query_text(self) -> str:
        """ "6.0 s of 30.0 s (20%)": how much of the upload is copied."""
        return self._covered(self.query_covered, self.query_length, self.query_share)

    @property
    def reference_text(self) -> str:
        return self._covered(self.reference_covered, self.reference_length, self.reference_share)

    def _covered(self, covered: float | None, length: float | None, share: float | None) -> str:
        if not self.unit:
            return "the whole picture"
        amount = _amount(covered, self.unit)
        return amount if share is None else f"{amount} of {_amount(length, self.unit)} ({share:.0%})"

    def as_dict(self) -> dict:
        return {
            "unit": self.unit,
            "confidence": round(self.confidence, 4),
            "query_covered": _rounded(self.query_covered),
            "query_length": _rounded(self.query_length),
            "query_share": _rounded(self.query_share),
            "reference_covered": _rounded(self.reference_covered),
            "reference_length": _rounded(self.reference_length),
            "reference_share": _rounded(self.reference_share),
            "changes": self.changes,
        }


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    return f"{value:.1f} s" if unit == "seconds" else f"{int(value):,} characters"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def explain(match: Match) -> Score:
    """The match's score, from its segments and the lengths of both files (what is known of them)."""
    coverage = coverage_of(match.segments, match.job.input_meta, match.media)
    if not coverage.unit:  # a picture: the engine's similarity is its confidence
        return Score(
            **asdict(coverage), confidence=float(match.global_similarity), changes=list(match.changes)
        )
    tracks = {track.name: track for track in registry.tracks()}
    segments = [row for name, rows in match.segments.items() if name in tracks for row in rows]
    # Speech read again by another voice has its own pace: a pace, not a speed change of a recording.
    spoken = all(tracks[name].words for name, rows in match.segments.items() if name in tracks and rows)
    timed = _speed(segments, "pace" if spoken else "speed") if coverage.unit == "seconds" else []
    return Score(
        **asdict(coverage), confidence=_weighted_similarity(segments), changes=[*match.changes, *timed]
    )


def _weighted_similarity(segments: list[dict]) -> float:
    weights = [max(0.0, s["end"] - s["start"]) for s in segments]
    if sum(weights) <= 0:
        return max(s["similarity"] for s in segments)
    return sum(w * s["similarity"] for w, s in zip(weights, segments, strict=True)) / sum(weights)


def _speed(segments: list[dict], name: str = "speed") -> list[str]:
    """A speed change, when every long enough stretch shows the same one (the upload plays the
    reference `ratio` times as fast)."""
    ratios = [
        (s["library_end"] - s["library_start"]) / (s["end"] - s["start"])
        for s in segments
        if s["end"] - s["start"] >= SPEED_MIN_SECONDS
    ]
    if not ratios:
        return []
    low, high = min(ratios), max(ratios)
    middle = (low + high) / 2
    if abs(middle - 1.0) <= SPEED_TOLERANCE or high - low > SPEED_TOLERANCE:
        return []
    return [f"{name} ×{middle:.2f}"]
