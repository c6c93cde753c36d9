"""Small display filters the pages share."""

from django import template

from core.display import clock as _clock
from core.display import similarity_band, similarity_colour

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """Seconds as m:ss.s (or h:mm:ss.s)."""
    try:
        return _clock(float(seconds))
    except (TypeError, ValueError):
        return ""


@register.filter
def hours(seconds) -> str:
    """A library's total playing time: '–' for none, minutes under an hour, else hours."""
    seconds = float(seconds or 0)
    if seconds <= 0:
        return "–"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


@register.filter
def colour(similarity) -> str:
    return similarity_colour(float(similarity or 0))


@register.filter
def band(similarity) -> str:
    return similarity_band(float(similarity or 0))


@register.filter
def ago(seconds) -> str:
    """A wait in seconds as '42 s', '5 min' or '3.2 h'."""
    if seconds is None:
        return ""
    seconds = float(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@register.filter
def percent(share) -> str:
    """A share (0-1) as '20%'; '?' when unknown."""
    if share is None:
        return "?"
    return f"{float(share):.0%}"
