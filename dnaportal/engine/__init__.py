"""The fingerprint engine. Plain Python + numpy/opencv/librosa; it imports no Django."""

from dnaportal.engine.audio import AudioFingerprinter
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

# Job media type -> the fingerprinters that describe it. A video is searched by its pictures and by its
# sound (a video without a sound track gets an empty audio fingerprint, not an error).
_FINGERPRINTERS: dict[str, list[Fingerprinter]] = {
    "audio": [AudioFingerprinter()],
    "image": [ImageFingerprinter()],
    "text": [TextFingerprinter()],
    "video": [VideoFingerprinter(), AudioFingerprinter(required=False)],
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


def storable(fingerprint: Fingerprint) -> Fingerprint:
    """The part of a fingerprint that a library stores."""
    fingerprinter = fingerprinter_named(fingerprint.fingerprinter)
    return fingerprint if fingerprinter is None else fingerprinter.for_storage(fingerprint)


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
    "storable",
]
