"""Request ids on every response, an early refusal of oversized request bodies and of NUL characters,
and coded answers (not 500s) to outages: the database away, the disk full."""

import logging
import re
import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse

from core.errors import Codes, error_body, outage_response

log = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Give each request an id (echoed in errors and X-Request-Id) so a client can quote it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4()).upper()
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response


class UploadSizeLimitMiddleware:
    """Refuse a body over the upload limit from its Content-Length, before reading any of it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_UPLOAD_BYTES
        if length > limit:
            return JsonResponse(
                {
                    "code": Codes.FILE_TOO_LARGE,
                    "message": f"The request body is {length} bytes; the limit is {limit} bytes.",
                    "request_id": getattr(request, "request_id", ""),
                },
                status=413,
            )
        return self.get_response(request)


class OutageMiddleware:
    """A request that meets an outage gets a coded answer, not a 500: a dropped or refused database
    connection 503 with Retry-After, a full disk 507 (core.errors.outage_response). Connections kept
    between requests are checked before use (CONN_HEALTH_CHECKS), so a database that restarted between
    two requests costs no error at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return outage_response(request, exception)


class NulCharacterMiddleware:
    """Refuse a NUL character wherever a client's text could reach storage: the path, the query string,
    form fields, JSON strings (written \\u0000). PostgreSQL cannot store one (each such request was a
    500) and SQLite stored it silently. Views that answer in a cloud's own error shape mark themselves
    `own_error_shape` and check their parameters themselves (compat/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "own_error_shape", False):
            return None
        where = _nul_in(request)
        if where is None:
            return None
        message = f"{where} contains a NUL character."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(Codes.INVALID_PARAMETER, message, request), status=400)
        return HttpResponseBadRequest(message, content_type="text/plain")


# \u0000 in a JSON string: an escape preceded by an even number of backslashes (\\u0000 is text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")


def _nul_in(request) -> str | None:
    """Where the request carries a NUL character (a name for the message), or None."""
    if "\x00" in request.path:
        return "The path"
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return f"Query parameter {name!r}"
    if request.content_type == "application/json":
        return "The JSON body" if _JSON_NUL.search(request.body) else None
    if request.method == "POST" and request.content_type in (
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return f"Field {name!r}"
    return None
