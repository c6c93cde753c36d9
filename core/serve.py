"""Serving stored media to signed-in browsers with HTTP range requests, which `<video>` and `<audio>`
need to seek (Chromium will not jump to a time in a file served without them)."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024
# Uploads are client content: only types a browser shows without running anything are served inline
# (an uploaded .html or .svg would otherwise run script on our origin).
INLINE_TYPES = ("video/", "audio/", "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")


def content_type_for(name: str) -> tuple[str, bool]:
    """(content type, inline?) for a stored file name."""
    guessed = mimetypes.guess_type(name)[0] or ""
    if guessed.startswith(INLINE_TYPES):
        return guessed, True
    if guessed == "text/plain":
        return "text/plain; charset=utf-8", True
    return "application/octet-stream", False


def _chunks(handle, remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(request, handle, size: int, name: str) -> HttpResponse:
    """The whole file, or the one byte range the request asks for (206), or 416 for a bad range."""
    content_type, inline = content_type_for(name)
    header = request.headers.get("Range", "")
    match = RANGE.match(header.strip()) if header else None
    if match is None or size == 0:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = match.groups()
        if first == "":  # a suffix range: the last N bytes
            start, end = max(0, size - int(last or 0)), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        response = StreamingHttpResponse(
            _chunks(handle, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline" if inline else "attachment"
    # Media may be private: keep it out of shared caches.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
