"""Scores that explain themselves: how much of each side a match copies, and how sure it is.

A match's `global_similarity` mixes the two (for timed media it is about the share of the upload
covered), so an exact 6-second copy inside a 30-second upload scored 0.2 and read "low". Here they
are apart: the upload's and the reference's covered length and share, the engine's confidence in the
copied stretches (their similarity, weighted by length), and what their geometry shows of the edit
(a copy played faster or slower)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.display import similarity_band
from engine import registry
from jobs.models import Match

# Stretches shorter than this say little about speed; ratios this close to 1 are not a speed change.
SPEED_MIN_SECONDS = 2.0
SPEED_TOLERANCE = 0.03


@dataclass
class Score:
    unit: str  # "seconds", "characters", or "" (a picture matches whole)
    confidence: float
    query_covered: float | None = None
    query_length: float | None = None
    reference_covered: float | None = None
    reference_length: float | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def query_share(self) -> float | None:
        return _share(self.query_covered, self.query_length)

    @property
    def reference_share(self) -> float | None:
        return _share(self.reference_covered, self.reference_length)

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


def _share(covered: float | None, length: float | None) -> float | None:
    if covered is None or not length:
        return None
    return min(1.0, covered / length)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def explain(match: Match) -> Score:
    """The match's score, from its segments and the lengths of both files (what is known of them)."""
    units = {track.name: track.unit for track in registry.tracks()}
    rows = [
        (units[name], segment)
        for name, segments in match.segments.items()
        if name in units
        for segment in segments
    ]
    if not rows:  # a picture: the engine's similarity is its confidence; it covers the whole picture
        return Score(unit="", confidence=float(match.global_similarity))
    unit = rows[0][0]
    segments = [segment for _, segment in rows]
    query_length, reference_length = _lengths(match, unit)
    return Score(
        unit=unit,
        confidence=_weighted_similarity(segments),
        query_covered=_union([(s["start"], s["end"]) for s in segments]),
        query_length=query_length,
        reference_covered=_union([(s["library_start"], s["library_end"]) for s in segments]),
        reference_length=reference_length,
        changes=_speed(segments) if unit == "seconds" else [],
    )


def _lengths(match: Match, unit: str) -> tuple[float | None, float | None]:
    job, item = match.job, match.media
    if unit == "seconds":
        return job.input_meta.get("duration"), item.duration if item else None
    return job.input_meta.get("characters"), (item.characters or len(item.text)) if item else None


def _weighted_similarity(segments: list[dict]) -> float:
    weights = [max(0.0, s["end"] - s["start"]) for s in segments]
    if sum(weights) <= 0:
        return max(s["similarity"] for s in segments)
    return sum(w * s["similarity"] for w, s in zip(weights, segments, strict=True)) / sum(weights)


def _union(spans: list[tuple[float, float]]) -> float:
    """The length covered by the spans, overlaps counted once (picture and sound of one stretch)."""
    covered, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            covered += max(0.0, end - start)
            reach = end
        elif end > reach:
            covered += end - reach
            reach = end
    return covered


def _speed(segments: list[dict]) -> list[str]:
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
    return [f"speed ×{middle:.2f}"]
