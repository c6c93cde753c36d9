"""One error type for the cloud styles: a code, a message and an HTTP status, shaped by each style."""

from core.errors import DATABASE_UNAVAILABLE_MESSAGE, STORAGE_FULL_MESSAGE, database_unavailable, disk_full


class CompatError(Exception):
    def __init__(self, code: str, message: str, http_status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


def outage_error(exc: BaseException) -> CompatError | None:
    """An outage met while serving a cloud-style call, as that style's error (None if `exc` is not
    one): the database away is the clouds' retryable 503 ServiceUnavailable, a full disk 507."""
    if database_unavailable(exc):
        return CompatError("ServiceUnavailable", DATABASE_UNAVAILABLE_MESSAGE, 503)
    if disk_full(exc):
        return CompatError("InsufficientStorage", STORAGE_FULL_MESSAGE, 507)
    return None
