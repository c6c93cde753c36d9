"""Thumbnails and waveforms of stored files, for the review pages. The engine makes them from a local
file; storage may be remote, so a stored file is copied to a temporary one first. Waveforms are cached
(they cost a full decode); thumbnails are cached by the browser."""

from __future__ import annotations

import hashlib
import math
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse

from core.errors import error_body
from engine.base import EngineError
from engine.preview import frame_jpeg, waveform_peaks


@contextmanager
def local_path(source):
    """A local path for a FieldFile or a Path (yielded as is)."""
    if isinstance(source, Path):
        yield source
        return
    suffix = Path(source.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, source.open("rb") as stored:
        shutil.copyfileobj(stored, local, 1 << 20)
        local.flush()
        yield Path(local.name)


def _name(source) -> str:
    return str(source) if isinstance(source, Path) else source.name


def preview_response(request, source, kind: str):
    """`thumb` (JPEG of the frame at ?t= seconds) or `waveform` (JSON peaks) of a file."""
    if not source:
        raise Http404("There is no stored file to preview.")
    try:
        if kind == "thumb":
            try:
                seconds = float(request.GET.get("t", "0"))
            except ValueError:
                seconds = 0.0
            # inf, nan and absurd times would overflow the seek; past the end gives a coded 422 anyway.
            seconds = min(max(seconds, 0.0), 48 * 3600.0) if math.isfinite(seconds) else 0.0
            with local_path(source) as path:
                data = frame_jpeg(path, seconds)
            response = HttpResponse(data, content_type="image/jpeg")
            response["Cache-Control"] = "private, max-age=86400"
            return response
        key = "waveform:" + hashlib.sha256(_name(source).encode()).hexdigest()
        peaks = cache.get(key)
        if peaks is None:
            with local_path(source) as path:
                peaks = waveform_peaks(path)
            cache.set(key, peaks, 24 * 3600)
        return JsonResponse(peaks)
    except EngineError as exc:
        code = getattr(exc, "code", "InvalidFile.Corrupt")
        return JsonResponse(error_body(code, exc.message, request), status=422)
    except OSError as exc:
        raise Http404("The stored file is missing.") from exc
