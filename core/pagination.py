"""Cursor pagination with strict page_size (1-100, default 10) and clear errors for bad cursors."""

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from core.errors import ApiError


class Pages(CursorPagination):
    page_size = 10
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "-created_at"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ApiError(
                "InvalidParameter.PageSize",
                f"page_size must be a whole number from 1 to {self.max_page_size}.",
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise ApiError("InvalidParameter.Cursor", "The cursor is not valid.") from exc
        # The position is compared with created_at: a forged one must be a time, or the query fails.
        if cursor is not None and cursor.position is not None and not _is_time(cursor.position):
            raise ApiError("InvalidParameter.Cursor", "The cursor is not valid.")
        return cursor


def _is_time(text: str) -> bool:
    try:
        return parse_datetime(text) is not None
    except ValueError:  # well-formed but impossible (month 13)
        return False
