"""How the team keeps up: decisions per moderator per day, and how long matches wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from jobs.models import ReviewEvent
from libraries.access import Scope
from review.queue import View, matches_in_view


@dataclass
class Waiting:
    library: str
    count: int
    oldest_hours: float
    median_hours: float


def decisions_per_day(*, scope: Scope, days: int = 14) -> tuple[list, list[str], dict]:
    """(days newest first, moderators, {(day, moderator): decisions}) over the last `days` days."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        ReviewEvent.objects.filter(scope.jobs_q("match__job__"), created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "username")
        .annotate(decisions=Count("id"))
    )
    counts = {(row["day"], row["username"]): row["decisions"] for row in rows}
    day_list = sorted({day for day, _ in counts}, reverse=True)
    moderators = sorted({name for _, name in counts})
    return day_list, moderators, counts


def waiting_by_library(*, scope: Scope) -> list[Waiting]:
    """Pending matches per library with the age of the oldest and the median one, oldest first."""
    now = timezone.now()
    ages: dict[str, list[float]] = {}
    found = matches_in_view(scope=scope, view=View()).values_list("library__name", "created_at")
    for library, created in found.iterator(chunk_size=2000):
        ages.setdefault(library or "(deleted library)", []).append((now - created).total_seconds() / 3600)
    waiting = [Waiting(name, len(hours), max(hours), median(hours)) for name, hours in ages.items()]
    return sorted(waiting, key=lambda w: -w.oldest_hours)
