"""How numbers look on pages: times as clocks, similarities as colours and words."""

from __future__ import annotations


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


def clock(seconds: float) -> str:
    """12.5 -> '0:12.5', 3725 -> '1:02:05.0'."""
    seconds = max(0.0, float(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return f"{int(hours)}:{int(minutes):02d}:{secs:04.1f}"
    return f"{int(minutes)}:{secs:04.1f}"
