"""How much of each side a match covers: the upload's and the library item's copied length, from the
match's segments and what is known of both files' lengths. Stored on each match (its query share, for
the review queue's coverage filter) and shown by the review pages' scores (review/scores.py)."""

from __future__ import annotations

from dataclasses import dataclass

from engine import registry


@dataclass(frozen=True)
class Coverage:
    unit: str  # "seconds", "characters", or "" (a picture matches whole)
    query_covered: float | None = None
    query_length: float | None = None
    reference_covered: float | None = None
    reference_length: float | None = None

    @property
    def query_share(self) -> float | None:
        return share(self.query_covered, self.query_length)

    @property
    def reference_share(self) -> float | None:
        return share(self.reference_covered, self.reference_length)

    @property
    def copied_share(self) -> float | None:
        """The share of the upload copied, a picture being copied whole: what the queue filters on."""
        return self.query_share if self.unit else 1.0


def coverage_of(segments: dict, query_meta: dict, item) -> Coverage:
    """`segments`: a match's segments by track; `query_meta`: the job's input facts (duration,
    characters); `item`: the matched library item, or None when it was deleted."""
    units = {track.name: track.unit for track in registry.tracks()}
    rows = [(units[name], row) for name, track in segments.items() if name in units for row in track]
    if not rows:
        return Coverage(unit="")
    unit = rows[0][0]
    spans = [row for _, row in rows]
    if unit == "seconds":
        query_length = query_meta.get("duration")
        reference_length = item.duration if item else None
    else:
        query_length = query_meta.get("characters")
        reference_length = (item.characters or len(item.text)) if item else None
    return Coverage(
        unit=unit,
        query_covered=union([(s["start"], s["end"]) for s in spans]),
        query_length=query_length,
        reference_covered=union([(s["library_start"], s["library_end"]) for s in spans]),
        reference_length=reference_length,
    )


def share(covered: float | None, length: float | None) -> float | None:
    if covered is None or not length:
        return None
    return min(1.0, covered / length)


def union(spans: list[tuple[float, float]]) -> float:
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
