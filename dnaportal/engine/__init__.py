"""The fingerprint engine. Plain Python + numpy/opencv/librosa; it imports no Django."""

from dnaportal.engine.base import (
    EngineError,
    Fingerprint,
    Fingerprinter,
    Index,
    Match,
    MediaError,
    MediaInput,
    Segment,
)
from dnaportal.engine.image import ImageFingerprinter
from dnaportal.engine.text import TextFingerprinter
from dnaportal.engine.video import VideoFingerprinter

# Job media type -> the fingerprinters that describe it. Video and audio join through this table.
_FINGERPRINTERS: dict[str, list[Fingerprinter]] = {
    "image": [ImageFingerprinter()],
    "text": [TextFingerprinter()],
    "video": [VideoFingerprinter()],
}


def fingerprinters_for(media_type: str) -> list[Fingerprinter]:
    """Fingerprinters for a job media type; empty when the portal cannot fingerprint it yet."""
    return list(_FINGERPRINTERS.get(media_type, []))


def fingerprinter_named(name: str) -> Fingerprinter | None:
    for fingerprinters in _FINGERPRINTERS.values():
        for fingerprinter in fingerprinters:
            if fingerprinter.name == name:
                return fingerprinter
    return None


__all__ = [
    "EngineError",
    "Fingerprint",
    "Fingerprinter",
    "Index",
    "Match",
    "MediaError",
    "MediaInput",
    "Segment",
    "fingerprinters_for",
    "fingerprinter_named",
]
