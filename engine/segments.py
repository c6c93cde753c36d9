"""Segment files: an index written once as named arrays, then opened memory-mapped by every process.

A segment holds one index's export() (engine/base.py) plus the item keys, laid out so that each array
can be used in place: a fixed magic, the header length, a JSON header (format, metadata, each array's
dtype, shape and offset), then the arrays, each aligned to 64 bytes. The file's SHA-256 is returned
when it is written and checked when it is opened (a truncated, altered or foreign file is refused,
never searched). Processes that open one file share its pages through the page cache, so an index is
held in memory once per machine however many workers search it.

Checking a large file costs about a second per 1.5 GB, so a file checked once on this machine leaves a
small "<name>.checked" note (its size, modification time and inode); later opens trust a file that
still matches its note and only check its header. A full check ignores the notes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"DNASEG1\n"
FORMAT = 1
ALIGN = 64
KEYS = "__keys__"
_HEADER_LENGTH = 8  # bytes of the little-endian header length after the magic
_MAX_HEADER = 1 << 20


class SegmentError(Exception):
    """A segment file that cannot be used: missing, truncated, altered or not a segment."""


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str
    size: int


@dataclass
class Segment:
    """An opened segment: its metadata, its item keys and the index's arrays, all read-only views."""

    path: Path
    meta: dict
    keys: np.ndarray
    arrays: dict[str, np.ndarray]


def _aligned(offset: int) -> int:
    return (offset + ALIGN - 1) // ALIGN * ALIGN


def _layout(arrays: Mapping[str, np.ndarray], meta: dict) -> tuple[bytes, list[tuple[int, np.ndarray]]]:
    """The header bytes and where each array goes. Offsets count from the end of the header block."""
    entries, placed, offset = {}, [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.hasobject:
            raise TypeError(f"array {name!r} holds Python objects; segments hold plain numbers only")
        offset = _aligned(offset)
        entries[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        placed.append((offset, array))
        offset += array.nbytes
    header = json.dumps({"format": FORMAT, "meta": meta, "arrays": entries}).encode()
    return header, placed


def write_segment(path: Path, keys: np.ndarray, arrays: Mapping[str, np.ndarray], meta: dict) -> Written:
    """Write a segment atomically (a temporary file renamed into place once synced to disk)."""
    if KEYS in arrays:
        raise ValueError(f"{KEYS} is reserved for the item keys")
    header, placed = _layout({KEYS: keys, **arrays}, meta)
    start = _aligned(len(MAGIC) + _HEADER_LENGTH + len(header))
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            position = 0
            for chunk in _chunks(header, start, placed):
                out.write(chunk)
                digest.update(chunk)
                position += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)
    return Written(path, digest.hexdigest(), position)


def _chunks(header: bytes, start: int, placed: list[tuple[int, np.ndarray]]):
    prefix = MAGIC + len(header).to_bytes(_HEADER_LENGTH, "little") + header
    yield prefix + bytes(start - len(prefix))
    position = start
    for offset, array in placed:
        if start + offset > position:
            yield bytes(start + offset - position)
            position = start + offset
        data = memoryview(array.reshape(-1).view(np.uint8)) if array.size else b""
        for at in range(0, len(data), 1 << 24):
            piece = data[at : at + (1 << 24)]
            yield piece
            position += len(piece)


def _sync_directory(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def _note_path(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


def _identity(path: Path, sha256: str) -> str:
    status = path.stat()
    return f"{sha256} {status.st_size} {status.st_mtime_ns} {status.st_ino}"


def check_file(path: Path, sha256: str, *, trust_note: bool = True) -> None:
    """Raise SegmentError unless the file's SHA-256 is `sha256`. A file checked before on this
    machine and unchanged since (its note matches) is not read again, unless trust_note is False."""
    if not path.is_file():
        raise SegmentError(f"segment file {path.name} is missing")
    note = _note_path(path)
    identity = _identity(path, sha256)
    if trust_note and note.is_file() and note.read_text() == identity:
        return
    actual = file_sha256(path)
    if actual != sha256:
        raise SegmentError(f"segment file {path.name} is damaged: its SHA-256 is {actual}, not {sha256}")
    try:
        note.write_text(identity)
    except OSError:
        pass  # a read-only cache still works; the file is checked again next time


def open_segment(path: Path, sha256: str | None = None, *, trust_note: bool = True) -> Segment:
    """Open a segment memory-mapped. With `sha256`, the file is checked first (see check_file)."""
    if sha256 is not None:
        check_file(path, sha256, trust_note=trust_note)
    try:
        if path.stat().st_size == 0:
            raise SegmentError(f"{path.name} is not a segment file (it is empty)")
        mapped = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:
        raise SegmentError(f"segment file {path.name} cannot be opened: {exc}") from exc
    header, start = _header(path, mapped)
    arrays = {}
    for name, entry in header["arrays"].items():
        arrays[name] = _view(path, mapped, start, name, entry)
    keys = arrays.pop(KEYS, None)
    if keys is None:
        raise SegmentError(f"segment file {path.name} has no item keys")
    return Segment(path, header.get("meta", {}), keys, arrays)


def _header(path: Path, mapped: np.ndarray) -> tuple[dict, int]:
    lead = len(MAGIC) + _HEADER_LENGTH
    if len(mapped) < lead or bytes(mapped[: len(MAGIC)]) != MAGIC:
        raise SegmentError(f"{path.name} is not a segment file")
    length = int.from_bytes(bytes(mapped[len(MAGIC) : lead]), "little")
    if length > _MAX_HEADER or lead + length > len(mapped):
        raise SegmentError(f"segment file {path.name} is truncated")
    try:
        header = json.loads(bytes(mapped[lead : lead + length]))
    except ValueError as exc:
        raise SegmentError(f"segment file {path.name} has a damaged header") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SegmentError(f"segment file {path.name} has an unknown format")
    if not isinstance(header.get("arrays"), dict) or not isinstance(header.get("meta", {}), dict):
        raise SegmentError(f"segment file {path.name} has a damaged header")
    return header, _aligned(lead + length)


def _view(path: Path, mapped: np.ndarray, start: int, name: str, entry: dict) -> np.ndarray:
    try:
        dtype = np.dtype(entry["dtype"])
        shape = tuple(int(n) for n in entry["shape"])
        begin = start + int(entry["offset"])
    except (KeyError, TypeError, ValueError, SyntaxError) as exc:
        raise SegmentError(f"segment file {path.name} describes array {name!r} badly") from exc
    if dtype.hasobject or dtype.itemsize == 0 or any(n < 0 for n in shape) or begin < start:
        raise SegmentError(f"segment file {path.name} describes array {name!r} badly")
    size = math.prod(shape) * dtype.itemsize  # Python integers: a forged shape cannot overflow
    if begin + size > len(mapped):
        raise SegmentError(f"segment file {path.name} is truncated (array {name!r})")
    return mapped[begin : begin + size].view(dtype).reshape(shape)
