"""Rows of an import source, read as a stream (a manifest of a million rows is never held whole):
a folder under the import root (one row per file, in a fixed order so that a resumed read skips
exactly the rows already read), or a manifest in CSV or JSON Lines.

A row that cannot be imported as given (no primary key, a bad field, a file of no known kind) still
comes out, with its `problem`: the batch reports it and goes on."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.kinds import SUBTITLE_ENDINGS, MediaKind, kind_of_file

FIELDS = ("primary_key", "path", "url", "media_type", "user_data", "title", "metadata", "subtitles")
MAX_KEY = 128
MAX_PATH = 1024
MAX_URL = 2048
MAX_TITLE = 255
MAX_USER_DATA_BYTES = 128
MAX_METADATA_BYTES = 4096
# A manifest line longer than this is one bad row, not a reason to hold it in memory.
MAX_LINE_BYTES = 64 * 1024
MANIFEST_ENDINGS = (".csv", ".jsonl", ".ndjson")


@dataclass
class Row:
    number: int
    primary_key: str = ""
    path: str = ""
    url: str = ""
    media_type: str = ""
    user_data: str = ""
    title: str = ""
    metadata: dict = field(default_factory=dict)
    # An SRT or WebVTT file under the import root for a speech item (kinds.SUBTITLED).
    subtitles: str = ""
    # (code, message) when the row cannot be imported as given.
    problem: tuple[str, str] | None = None

    def refuse(self, code: str, message: str) -> Row:
        if self.problem is None:
            self.problem = (code, message)
        return self


def _text(value) -> str:
    return "" if value is None else str(value)


def checked(row: Row) -> Row:
    """The row with its first problem noted (the fields are cut to their columns' sizes so the row can
    still be stored and reported)."""
    for name in ("primary_key", "path", "url", "media_type", "user_data", "title", "subtitles"):
        value = getattr(row, name)
        if "\x00" in value or any("\udc80" <= c <= "\udcff" for c in value):
            row.refuse(f"InvalidParameter.{_camel(name)}", f"{name} holds a NUL or a byte that is not UTF-8.")
            setattr(row, name, value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8"))
    if not row.primary_key.strip():
        row.refuse("MissingParameter.PrimaryKey", "The row has no primary key.")
    elif len(row.primary_key) > MAX_KEY or any(ord(c) < 32 for c in row.primary_key):
        row.refuse(
            "InvalidParameter.PrimaryKey",
            f"primary_key: at most {MAX_KEY} characters, no control characters.",
        )
    if bool(row.path) == bool(row.url):
        row.refuse("MissingParameter.Input", "Give exactly one of path (under the import root) or url.")
    if len(row.path) > MAX_PATH:
        row.refuse("InvalidParameter.Path", f"path: at most {MAX_PATH} characters.")
    if len(row.subtitles) > MAX_PATH:
        row.refuse("InvalidParameter.Subtitles", f"subtitles: at most {MAX_PATH} characters.")
    if len(row.url) > MAX_URL:
        row.refuse("InvalidParameter.Url", f"url: at most {MAX_URL} characters.")
    if row.media_type and row.media_type not in MediaKind.values:
        row.refuse("InvalidParameter.MediaType", f"media_type: one of {', '.join(MediaKind.values)}.")
    if len(row.user_data.encode("utf-8", "replace")) > MAX_USER_DATA_BYTES:
        row.refuse("InvalidParameter.UserData", f"user_data: at most {MAX_USER_DATA_BYTES} bytes.")
    if len(row.title) > MAX_TITLE:
        row.refuse("InvalidParameter.Title", f"title: at most {MAX_TITLE} characters.")
    if len(json.dumps(row.metadata, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
        row.refuse("InvalidParameter.Metadata", f"metadata: at most {MAX_METADATA_BYTES} bytes of JSON.")
        row.metadata = {}
    row.primary_key, row.path, row.url = row.primary_key[:MAX_KEY], row.path[:MAX_PATH], row.url[:MAX_URL]
    row.subtitles = row.subtitles[:MAX_PATH]
    row.user_data, row.title = (
        row.user_data.encode()[:MAX_USER_DATA_BYTES].decode("utf-8", "ignore"),
        row.title[:MAX_TITLE],
    )
    return row


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _from_mapping(number: int, values: dict) -> Row:
    row = Row(number, **{name: _text(values.get(name)).strip() for name in FIELDS if name != "metadata"})
    metadata = values.get("metadata")
    if isinstance(metadata, str) and metadata.strip():
        try:
            metadata = json.loads(metadata)
        except ValueError:
            row.refuse("InvalidParameter.Metadata", "metadata is not JSON.")
            metadata = {}
    if metadata in (None, ""):
        metadata = {}
    if not isinstance(metadata, dict):
        row.refuse("InvalidParameter.Metadata", "metadata must be a JSON object.")
        metadata = {}
    row.metadata = metadata
    return checked(row)


def folder_rows(folder: Path, import_root: Path) -> Iterator[Row]:
    """One row per file under `folder` (which lies under the import root), in sorted order, hidden
    files and folders left out, symbolic links not followed. Primary key: the path relative to the
    folder without its ending; the kind: from the ending. Subtitle files are not rows: each is the
    subtitles of the file beside it with the same name but for the ending (talk.srt of talk.mp4)."""
    number = 0
    for current, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # talk.srt before talk.vtt when both are there
        sidecars = {
            _stem(f): f for f in sorted(files, reverse=True) if _is_subtitles(f) and not f.startswith(".")
        }
        for name in sorted(f for f in files if not f.startswith(".") and not _is_subtitles(f)):
            number += 1
            full = Path(current) / name
            relative = PurePosixPath(full.relative_to(folder).as_posix())
            row = Row(
                number,
                primary_key=str(relative.with_suffix("")) if relative.suffix else str(relative),
                path=full.relative_to(import_root).as_posix(),
                media_type=kind_of_file(name) or "",
            )
            sidecar = sidecars.get(_stem(name))
            if sidecar is not None and not (Path(current) / sidecar).is_symlink():
                row.subtitles = (Path(current) / sidecar).relative_to(import_root).as_posix()
            if not row.media_type:
                row.refuse("Unsupported.MediaType", f"No media kind is known for a file named {name!r}.")
            if full.is_symlink():
                row.refuse("Forbidden.Path", "Symbolic links are not followed.")
            yield checked(row)


def count_folder(folder: Path) -> int:
    total = 0
    for _, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        total += sum(1 for f in files if not f.startswith(".") and not _is_subtitles(f))
    return total


def _is_subtitles(name: str) -> bool:
    return name.lower().endswith(SUBTITLE_ENDINGS)


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) of a file read in binary, each line decoded on its own (a bad byte spoils
    one row, not the file); None for a line over MAX_LINE_BYTES."""
    with open(path, "rb") as handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = handle.readline(MAX_LINE_BYTES + 1)
                yield number, None
                continue
            text = raw.decode("utf-8", "surrogateescape")
            yield number, text[1:] if number == 1 and text.startswith("\ufeff") else text


def jsonl_rows(path: Path) -> Iterator[Row]:
    number = 0
    for _, line in _lines(path):
        if line is not None and not line.strip():
            continue  # blank lines are not rows
        number += 1
        if line is None:
            yield Row(number).refuse("InvalidParameter.Row", f"The line is over {MAX_LINE_BYTES} bytes.")
            continue
        try:
            values = json.loads(line)
        except ValueError:
            yield Row(number).refuse("InvalidParameter.Row", "The line is not JSON.")
            continue
        if not isinstance(values, dict):
            yield Row(number).refuse("InvalidParameter.Row", "The line is not a JSON object.")
            continue
        yield _from_mapping(number, values)


def csv_rows(path: Path) -> Iterator[Row]:
    """CSV with a header line naming the columns (primary_key and path or url, the rest optional;
    unknown columns are ignored, so a failure report can be fed back in)."""
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(_bounded(handle))
        if not reader.fieldnames or "primary_key" not in reader.fieldnames:
            raise SourceError("The CSV manifest's first line must name its columns, primary_key among them.")
        number = 0
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(number).refuse("InvalidParameter.Row", f"The row is not valid CSV: {exc}.")
                continue
            if None in values:  # more fields than columns
                yield Row(number).refuse("InvalidParameter.Row", "The row has more fields than the header.")
                continue
            yield _from_mapping(number, values)


def _bounded(handle: io.TextIOBase) -> Iterator[str]:
    for line in handle:
        yield line if len(line) <= MAX_LINE_BYTES else line[:MAX_LINE_BYTES]


def count_manifest(path: Path) -> int:
    """Rows in a manifest (lines with text; a CSV's header is not one), counted as a stream."""
    with open(path, "rb") as handle:
        total = sum(1 for line in handle if line.strip())
    return max(0, total - 1) if path.suffix.lower() == ".csv" else total


def manifest_rows(path: Path) -> Iterator[Row]:
    return csv_rows(path) if path.suffix.lower() == ".csv" else jsonl_rows(path)


class SourceError(Exception):
    """The source as a whole cannot be read (not one row of it)."""
