"""What the review page draws, computed on the server so the page shows its facts without JS:
segment bars placed on each file's timeline and coloured by similarity, and text with matched passages
marked in the same colour on both sides."""

from __future__ import annotations

from dataclasses import dataclass

TRACK_NAMES = {"video": "Picture", "audio": "Sound", "text": "Text"}
MIN_BAR_PERCENT = 0.6  # a one-second match on a ten-hour timeline still shows


def similarity_colour(similarity: float) -> str:
    """Amber at 0.5 through red-orange to deep red at 1.0 (darker = closer copy); as an HSL colour."""
    s = min(1.0, max(0.0, (similarity - 0.5) / 0.5))
    hue = round(45 - 45 * s)
    light = round(52 - 14 * s)
    return f"hsl({hue} 90% {light}%)"


def similarity_band(similarity: float) -> str:
    if similarity >= 0.9:
        return "very high"
    if similarity >= 0.75:
        return "high"
    if similarity >= 0.6:
        return "medium"
    return "low"


@dataclass
class Bar:
    number: int
    track: str
    start: float
    end: float
    master_start: float
    master_end: float
    similarity: float
    query_left: float
    query_width: float
    master_left: float
    master_width: float

    @property
    def colour(self) -> str:
        return similarity_colour(self.similarity)

    @property
    def track_name(self) -> str:
        return TRACK_NAMES.get(self.track, self.track)

    @property
    def label(self) -> str:
        return (
            f"Segment {self.number} ({self.track_name.lower()}): "
            f"query {clock(self.start)}–{clock(self.end)}, "
            f"library {clock(self.master_start)}–{clock(self.master_end)}, "
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


def bars(
    match, query_duration: float | None, master_duration: float | None
) -> tuple[list[Bar], float, float]:
    """Every timed segment of a match as a bar on both timelines, in query order, numbered from 1."""
    rows = [("video", s) for s in match.video_segments] + [("audio", s) for s in match.audio_segments]
    rows.sort(key=lambda r: (r[1]["start"], r[0]))
    query_length = timeline_length(query_duration, [s["end"] for _, s in rows])
    master_length = timeline_length(master_duration, [s["master_end"] for _, s in rows])
    placed = []
    for number, (track, s) in enumerate(rows, start=1):
        q_left, q_width = _place(s["start"], s["end"], query_length)
        m_left, m_width = _place(s["master_start"], s["master_end"], master_length)
        placed.append(
            Bar(
                number,
                track,
                s["start"],
                s["end"],
                s["master_start"],
                s["master_end"],
                s["similarity"],
                q_left,
                q_width,
                m_left,
                m_width,
            )
        )
    return placed, query_length, master_length


def clock(seconds: float) -> str:
    """12.5 -> '0:12.5', 3725 -> '1:02:05.0'."""
    seconds = max(0.0, float(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return f"{int(hours)}:{int(minutes):02d}:{secs:04.1f}"
    return f"{int(minutes)}:{secs:04.1f}"


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
