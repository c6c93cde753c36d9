"""What the review page draws, computed on the server so the page shows its facts without JS:
segment bars placed on each file's timeline and coloured by similarity, and text with matched passages
marked in the same colour on both sides."""

from __future__ import annotations

from dataclasses import dataclass

from core.display import clock, similarity_colour
from engine import registry
from engine.base import Track

MIN_BAR_PERCENT = 0.6  # a one-second match on a ten-hour timeline still shows


@dataclass
class Bar:
    number: int
    track: Track
    start: float
    end: float
    library_start: float
    library_end: float
    similarity: float
    query_left: float
    query_width: float
    library_left: float
    library_width: float
    # What was said on each side (speech: the recognised words), "" where the track has no words.
    query_text: str = ""
    library_text: str = ""

    @property
    def colour(self) -> str:
        return similarity_colour(self.similarity)

    @property
    def frame_times(self) -> list[tuple[float, float]]:
        """Four moments along the segment, on each side (the middles of its quarters): its frame strip."""
        return [
            (
                self.start + (self.end - self.start) * (2 * k + 1) / 8,
                self.library_start + (self.library_end - self.library_start) * (2 * k + 1) / 8,
            )
            for k in range(4)
        ]

    @property
    def label(self) -> str:
        return (
            f"Segment {self.number} ({self.track.label.lower()}): "
            f"query {clock(self.start)}–{clock(self.end)}, "
            f"library {clock(self.library_start)}–{clock(self.library_end)}, "
            f"similarity {self.similarity:.2f}"
        )


def _place(start: float, end: float, length: float) -> tuple[float, float]:
    if length <= 0:
        return 0.0, 0.0
    left = max(0.0, min(100.0, 100.0 * start / length))
    width = max(MIN_BAR_PERCENT, min(100.0 - left, 100.0 * (end - start) / length))
    return round(left, 3), round(width, 3)


def timeline_length(duration: float | None, ends: list[float]) -> float:
    """The file's duration; when unknown (an older job), the last matched second, so bars still fit."""
    return float(duration) if duration else max(ends, default=0.0)


def timed_tracks() -> list[Track]:
    """The tracks whose segments are stretches of time (drawn as bars), from the engine's registry."""
    return [track for track in registry.tracks() if track.unit == "seconds"]


def bars(
    segments: dict[str, list[dict]], query_duration: float | None, library_duration: float | None
) -> tuple[list[Bar], float, float]:
    """Every timed segment of a match as a bar on both timelines, in query order, numbered from 1."""
    rows = [(track, s) for track in timed_tracks() for s in segments.get(track.name, [])]
    rows.sort(key=lambda r: (r[1]["start"], r[0].name))
    query_length = timeline_length(query_duration, [s["end"] for _, s in rows])
    library_length = timeline_length(library_duration, [s["library_end"] for _, s in rows])
    placed = []
    for number, (track, s) in enumerate(rows, start=1):
        q_left, q_width = _place(s["start"], s["end"], query_length)
        l_left, l_width = _place(s["library_start"], s["library_end"], library_length)
        times = (s["start"], s["end"], s["library_start"], s["library_end"])
        said = (s.get("query_text", ""), s.get("library_text", ""))
        placed.append(Bar(number, track, *times, s["similarity"], q_left, q_width, l_left, l_width, *said))
    return placed, query_length, library_length


@dataclass
class Piece:
    text: str
    segment: int | None = None  # 1-based segment number when the piece is inside a matched passage
    colour: str = ""


def highlight(text: str, spans: list[tuple[int, int, int, float]], limit: int = 200_000) -> list[Piece]:
    """Split `text` into plain pieces and marked passages. `spans` are (number, start, end, similarity)
    in characters; where passages overlap, the earlier-numbered one keeps the characters."""
    text = text[:limit]
    owner: list[tuple[int, float] | None] = [None] * len(text)
    for number, start, end, similarity in sorted(spans):
        for i in range(max(0, int(start)), min(len(text), int(end))):
            if owner[i] is None:
                owner[i] = (number, similarity)
    pieces: list[Piece] = []
    run_start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or owner[i] != owner[run_start]:
            mark = owner[run_start]
            if mark is None:
                pieces.append(Piece(text[run_start:i]))
            else:
                pieces.append(Piece(text[run_start:i], mark[0], similarity_colour(mark[1])))
            run_start = i
    return pieces
