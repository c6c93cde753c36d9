"""Error codes and the single JSON error shape: {"code", "message", "request_id"}.

Codes follow the cloud services' dotted style so clients moving from them recognise them. docs/api.md
lists every code with its HTTP status.
"""

import errno
import logging
import re

from django.conf import settings
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

log = logging.getLogger(__name__)


class Codes:
    # Request errors (HTTP 4xx).
    INVALID_PARAMETER = "InvalidParameter"
    MISSING_PARAMETER = "MissingParameter"
    FILE_TOO_LARGE = "InvalidParameter.FileTooLarge"
    LIBRARY_NOT_FOUND = "ResourceNotFound.Library"
    MEDIA_NOT_FOUND = "ResourceNotFound.Media"
    JOB_NOT_FOUND = "ResourceNotFound.Job"
    PIPELINE_NOT_FOUND = "ResourceNotFound.Pipeline"
    NOT_FOUND = "ResourceNotFound"
    PRIMARY_KEY_EXISTS = "ResourceAlreadyExists.PrimaryKey"
    LIBRARY_NAME_EXISTS = "ResourceAlreadyExists.LibraryName"
    URL_FORBIDDEN = "Forbidden.PrivateAddress"
    PATH_FORBIDDEN = "Forbidden.Path"
    UNSUPPORTED_MEDIA_TYPE = "Unsupported.MediaType"
    INCORRECT_JOB_STATUS = "IncorrectStatus.Job"
    UNAUTHORIZED = "Unauthorized"
    FORBIDDEN = "Forbidden"
    METHOD_NOT_ALLOWED = "MethodNotAllowed"
    UNSUPPORTED_CONTENT_TYPE = "Unsupported.ContentType"
    NOT_ACCEPTABLE = "NotAcceptable"
    THROTTLING = "Throttling"
    INTERNAL_ERROR = "InternalError"
    DATABASE_UNAVAILABLE = "ServiceUnavailable.Database"
    STORAGE_FULL = "InsufficientStorage"

    # Job failures (stored on the job, status `fail`).
    FILE_EMPTY = "InvalidFile.Empty"
    FILE_CORRUPT = "InvalidFile.Corrupt"
    FILE_UNSUPPORTED = "InvalidFile.Unsupported"
    INPUT_NOT_FOUND = "InvalidInput.NotFound"
    DOWNLOAD_FAILED = "Download.Failed"
    JOB_LOST = "Job.WorkerLost"
    JOB_TIMEOUT = "Job.Timeout"
    JOB_STORAGE_FULL = "Storage.Full"


class ApiError(exceptions.APIException):
    """An error with a stable code; raise it from views and services."""

    def __init__(self, code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=message, code=code)
        self.status_code = http_status
        self.error_code = code
        self.message = message


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


def _first_validation_error(detail, prefix: str = "") -> tuple[str, str, str]:
    """(field path, message, drf code) of the first error in a nested ValidationError detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors":
                path = prefix
            return _first_validation_error(value, path)
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], prefix)
    return prefix, str(detail), getattr(detail, "code", "invalid")


def validation_code(field_path: str, drf_code: str) -> str:
    if drf_code.startswith(("InvalidParameter", "MissingParameter", "Unsupported", "Forbidden")):
        return drf_code
    base = Codes.MISSING_PARAMETER if drf_code == "required" else Codes.INVALID_PARAMETER
    suffix = ".".join(_camel(part) for part in field_path.split(".") if part)
    return f"{base}.{suffix}" if suffix else base


def error_body(code: str, message: str, request) -> dict:
    return {"code": code, "message": message, "request_id": getattr(request, "request_id", "")}


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, ApiError):
        return Response(error_body(exc.error_code, exc.message, request), status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        field, message, drf_code = _first_validation_error(exc.detail)
        text = f"{field}: {message}" if field else message
        return Response(error_body(validation_code(field, drf_code), text, request), status=400)
    if isinstance(exc, Http404):
        return Response(error_body(Codes.NOT_FOUND, "Not found.", request), status=404)
    mapping = {
        exceptions.NotAuthenticated: Codes.UNAUTHORIZED,
        exceptions.AuthenticationFailed: Codes.UNAUTHORIZED,
        exceptions.PermissionDenied: Codes.FORBIDDEN,
        exceptions.NotFound: Codes.NOT_FOUND,
        exceptions.MethodNotAllowed: Codes.METHOD_NOT_ALLOWED,
        exceptions.UnsupportedMediaType: Codes.UNSUPPORTED_CONTENT_TYPE,
        exceptions.NotAcceptable: Codes.NOT_ACCEPTABLE,
        exceptions.Throttled: Codes.THROTTLING,
        exceptions.ParseError: Codes.INVALID_PARAMETER,
    }
    for exc_class, code in mapping.items():
        if isinstance(exc, exc_class):
            response = Response(error_body(code, str(exc.detail), request), status=exc.status_code)
            if getattr(exc, "auth_header", None):
                response["WWW-Authenticate"] = exc.auth_header
            if getattr(exc, "wait", None):
                response["Retry-After"] = str(int(exc.wait))
            return response
    if isinstance(exc, exceptions.APIException):
        return Response(error_body(Codes.INVALID_PARAMETER, str(exc.detail), request), exc.status_code)
    return None  # a real bug: let Django log it and answer 500 (handler500 keeps the JSON shape)


# What a client is told when the database is away (restarting, failing over, connections dropped).
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_MESSAGE = (
    "The database is unreachable for the moment; nothing was changed. Retry shortly."
)


STORAGE_FULL_MESSAGE = "The portal's disk is full; nothing was stored. Retry later."


def disk_full(exc: BaseException | None) -> bool:
    """Is this a write refused for want of space (the disk, or the user's quota on it)?"""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def database_unavailable(exc: BaseException) -> bool:
    """Is this the database being away (a dropped connection, a refused one), not a bug in a query?"""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))


def outage_response(request, exc: BaseException | None):
    """The answer to an outage met while serving a request, or None if `exc` is not one: the database
    away (503 ServiceUnavailable.Database, Retry-After) or the disk full (507 InsufficientStorage).
    JSON under /api/, plain text for the pages."""
    from django.db import close_old_connections
    from django.http import HttpResponse

    if database_unavailable(exc):
        close_old_connections()  # drop the broken connection now; the next request opens a new one
        code, message, http_status = Codes.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, 503
    elif disk_full(exc):
        code, message, http_status = Codes.STORAGE_FULL, STORAGE_FULL_MESSAGE, 507
    else:
        return None
    log.warning("%s during %s %s: %s", code, request.method, request.path, exc)
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(code, message, request), status=http_status)
    else:
        response = HttpResponse(message, status=http_status, content_type="text/plain")
    if http_status == 503:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def json_404(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(Codes.NOT_FOUND, "No such endpoint.", request), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_400(request, exception=None):
    """Django refuses some requests before DRF sees them (e.g. an inline body over its limit)."""
    from django.core.exceptions import RequestDataTooBig
    from django.views.defaults import bad_request

    if not request.path.startswith("/api/"):
        return bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message = (
            "The request body is over the limit for inline data "
            f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes); send large media as a file upload."
        )
        return JsonResponse(error_body(Codes.FILE_TOO_LARGE, message, request), status=413)
    return JsonResponse(error_body(Codes.INVALID_PARAMETER, "Bad request.", request), status=400)


def json_500(request):
    import sys

    outage = outage_response(request, sys.exc_info()[1])  # raised outside a view (a middleware's query)
    if outage is not None:
        return outage
    if request.path.startswith("/api/"):
        body = error_body(Codes.INTERNAL_ERROR, "Internal error; quote the request id.", request)
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error

    return server_error(request)
