"""Text files to text: UTF-8 (with or without BOM), UTF-16 with BOM, legacy 8-bit; binary refused."""

from __future__ import annotations

import codecs
from pathlib import Path

from engine.base import MediaError
from engine.files import read_bytes

# Text larger than this is refused: a fingerprint of a 50 MB "text" is almost surely a wrong input.
MAX_TEXT_BYTES = 50 * 1024 * 1024


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else refuse binary data."""
    if not data:
        raise MediaError("The text is empty.", "InvalidFile.Empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise MediaError("The UTF-16 text is corrupt.") from exc
    if b"\x00" in data[:65536]:
        raise MediaError("The file looks binary, not text (it holds NUL bytes).", "InvalidFile.Unsupported")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Legacy 8-bit text (Latin-1/Windows-1252) is common in archives; every byte maps.
        return data.decode("cp1252", errors="replace")


def read_text(path: Path) -> str:
    return decode_text(read_bytes(path, MAX_TEXT_BYTES))
