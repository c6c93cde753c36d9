"""The dashboard: what is in the libraries, how jobs went lately, what waits for review, and whether
the workers are alive."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import render
from django.utils import timezone

from dnaportal.health import worker_health
from dnaportal.roles import Role, role_required
from jobs.models import Job, JobStatus, Match, ReviewStatus
from libraries.selectors import libraries

DAYS = 14


def jobs_by_day(days: int = DAYS) -> list[dict]:
    """For each of the last `days` days (oldest first): the count of jobs created that day per status."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        Job.objects.filter(created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"))
    )
    counts: dict = {}
    for row in rows:
        counts.setdefault(row["day"], {})[row["status"]] = row["n"]
    top = max((sum(c.values()) for c in counts.values()), default=0) or 1
    out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        by_status = counts.get(day, {})
        total = sum(by_status.values())
        out.append(
            {
                "day": day,
                "total": total,
                "parts": [
                    {
                        "status": s,
                        "label": label,
                        "n": by_status.get(s, 0),
                        "percent": 100 * by_status.get(s, 0) / top,
                    }
                    for s, label in JobStatus.choices
                    if by_status.get(s)
                ],
            }
        )
    return out


@role_required(Role.VIEWER)
def dashboard(request):
    libs = libraries().annotate(seconds=Sum("media__duration"))
    context = {
        "libraries": libs[:50],
        "days": jobs_by_day(),
        "statuses": JobStatus.choices,
        "queue_length": Match.objects.filter(review_status=ReviewStatus.PENDING).count(),
        "recent_matches": Match.objects.select_related("job", "library").order_by("-created_at", "-id")[:10],
        "health": worker_health(),
    }
    return render(request, "dashboard.html", context)
