"""The dashboard (what is in the libraries, how jobs went lately, what waits for review, and whether
the workers are alive) and the API's root (where each endpoint is)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.roles import Role, role_required
from dnaportal.health import worker_health
from jobs.models import Job, JobStatus, Match
from libraries.access import Scope, request_scope
from libraries.selectors import libraries
from review.queue import matches_in_view

DAYS = 14


def jobs_by_day(scope: Scope, days: int = DAYS) -> list[dict]:
    """For each of the last `days` days (oldest first): the count of the jobs the scope sees created
    that day, per status."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        Job.objects.filter(scope.jobs_q(), created_at__date__gte=first)
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
    scope = request_scope(request)
    libs = libraries(scope).annotate(seconds=Sum("media__duration"))
    matches = Match.objects.filter(scope.jobs_q("job__"))
    context = {
        "libraries": libs[:50],
        "days": jobs_by_day(scope),
        "statuses": JobStatus.choices,
        "queue_length": matches_in_view(scope=scope).count(),
        "recent_matches": matches.select_related("job", "library").order_by("-created_at", "-id")[:10],
        "health": worker_health(),
    }
    return render(request, "dashboard.html", context)


@extend_schema(
    responses={200: OpenApiTypes.OBJECT}, description="Links to every endpoint, the schema and the docs."
)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request):
    """What the API offers, for a newcomer's first request: every endpoint, the schema and the docs.
    The endpoints themselves need a token (Authorization: Token ...)."""

    def link(name: str, *placeholders: str) -> str:
        return unquote(request.build_absolute_uri(reverse(name, args=placeholders)))

    return Response(
        {
            "libraries": link("library-list"),
            "library": link("library-detail", "{library_id}"),
            "library_media": link("media-list", "{library_id}"),
            "jobs": link("job-list"),
            "job": link("job-detail", "{job_id}"),
            "match": link("match-detail", "{match_id}"),
            "imports": link("import-list"),
            "import": link("import-detail", "{import_id}"),
            "schema": link("schema"),
            "cloud_styles": {
                "alibaba_ice": link("ice-rpc"),
                "alibaba_mps": link("mps-rpc"),
                "tencent_ci": link("ci-jobs"),
            },
            "authentication": "Authorization: Token <token>  (make one with: make token USER=<name>)",
            "docs": "docs/api.md in the source tree",
        }
    )
