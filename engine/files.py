"""Input files as the engine first meets them: present, not empty, not larger than a kind accepts."""

from __future__ import annotations

from pathlib import Path

from engine.base import MediaError


def file_size(path: Path) -> int:
    """The file's size; MediaError when it is missing or empty."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise MediaError(f"Input file {path.name} does not exist.", "InvalidInput.NotFound") from exc
    if size == 0:
        raise MediaError("The input file is empty (0 bytes).", "InvalidFile.Empty")
    return size


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The whole file, refused with InvalidFile.TooLarge past `limit` bytes (before reading it)."""
    size = file_size(path)
    if limit is not None and size > limit:
        raise MediaError(
            f"The input is {size} bytes; at most {limit} are accepted for this media type.",
            "InvalidFile.TooLarge",
        )
    return path.read_bytes()
