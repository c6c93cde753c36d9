"""Helpers the server-rendered pages share: pagination that keeps the filters, and service errors
shown on a form with the same message the API gives."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import JsonResponse

from core.errors import ApiError

PER_PAGE = 25


def paginate(request, items, per_page: int = PER_PAGE):
    """The requested page (an out-of-range or junk page number gives the nearest real page)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def add_api_error(form, exc: ApiError) -> None:
    """Put a service's error on the form, under the field it names when it names one."""
    field = exc.error_code.rsplit(".", 1)[-1]
    by_code = {"PrimaryKey": "primary_key", "LibraryName": "name", "MediaType": "media_type"}
    name = by_code.get(field)
    form.add_error(name if name in form.fields else None, f"{exc.message} ({exc.error_code})")


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def json_error(exc: ApiError, request) -> JsonResponse:
    from core.errors import error_body

    return JsonResponse(error_body(exc.error_code, exc.message, request), status=exc.status_code)
