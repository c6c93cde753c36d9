"""Request ids on every response, an early refusal of oversized request bodies, and a 503 (not a 500)
when the database is away."""

import logging
import uuid

from django.conf import settings
from django.http import JsonResponse

from core.errors import Codes, database_unavailable, database_unavailable_response

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


class DatabaseUnavailableMiddleware:
    """A request that meets a dropped or refused database connection gets 503 with a code and
    Retry-After, not a 500. (Connections kept between requests are checked before use,
    CONN_HEALTH_CHECKS, so a database that restarted between two requests costs no error at all.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)
