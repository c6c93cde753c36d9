"""Media kinds: what a library holds and what a job submits, one concept for libraries, jobs, compat and
pages. A kind can be fingerprinted when an engine fingerprinter requires it (engine/registry.py); the
rest of what the portal knows about a kind is here, so a new kind is its engine folder plus a line or
two in this file (docs/architecture.md)."""

from __future__ import annotations

from django.db import models

from engine import registry


class MediaKind(models.TextChoices):
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"
    IMAGE = "image", "Image"
    TEXT = "text", "Text"
    ASR = "asr", "Speech (ASR text)"


# A kind whose items are kept in a library of another kind (speech is matched as text).
STORED_AS = {"asr": "text"}
# Kinds a job may give as inline text instead of a file (their files are read as text). Speech comes as
# sound: its words need their times.
INLINE_TEXT = {"text"}
# Kinds whose words may come from subtitles (SRT, WebVTT) given with the file.
SUBTITLED = {"asr"}
# Subtitle files: never items of a folder import, but the subtitles of the file with the same stem.
SUBTITLE_ENDINGS = (".srt", ".vtt")
# File name endings -> the kind a file most likely holds (bulk imports of folders; a manifest or
# --media-type says otherwise when it must).
EXTENSIONS = {
    "image": (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"),
    "video": (
        ".mp4",
        ".m4v",
        ".mkv",
        ".webm",
        ".mov",
        ".avi",
        ".mpg",
        ".mpeg",
        ".ts",
        ".ogv",
        ".wmv",
        ".flv",
    ),
    "audio": (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".aif", ".aiff"),
    "text": (".txt", ".md", ".text"),
}


def library_kind(kind: str) -> str:
    """The kind of library that holds and is searched by a job of this kind."""
    return STORED_AS.get(str(kind), str(kind))


def library_kinds() -> list[MediaKind]:
    """Kinds a library can be created for."""
    return [kind for kind in MediaKind if kind.value not in STORED_AS]


def kind_of_file(name: str) -> str | None:
    """The media kind a file name's ending suggests, or None."""
    ending = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((kind for kind, endings in EXTENSIONS.items() if ending in endings), None)


def can_fingerprint(kind: str) -> bool:
    return str(kind) in registry.kinds()


def accepts_inline_text(kind: str) -> bool:
    return str(kind) in INLINE_TEXT


def accepts_subtitles(kind: str) -> bool:
    return str(kind) in SUBTITLED


def choices() -> list[tuple[str, str]]:
    """Every job kind, for model fields (a callable, so a new kind needs no migration)."""
    return MediaKind.choices


def library_choices() -> list[tuple[str, str]]:
    """Every library kind, for model fields (a callable, so a new kind needs no migration)."""
    return [(kind.value, kind.label) for kind in library_kinds()]


def library_kind_map() -> dict[str, str]:
    """Job kind -> library kind, for pages that filter libraries by the kind chosen."""
    return {kind.value: library_kind(kind) for kind in MediaKind}
