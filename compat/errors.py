"""One error type for the cloud styles: a code, a message and an HTTP status, shaped by each style."""


class CompatError(Exception):
    def __init__(self, code: str, message: str, http_status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
