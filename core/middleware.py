"""Request ids on every response, and an early refusal of oversized request bodies."""

import uuid

from django.conf import settings
from django.http import JsonResponse

from core.errors import Codes


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
