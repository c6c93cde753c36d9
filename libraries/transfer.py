"""A library moved to another portal: its items, their facts and their fingerprints written to a folder
in a documented, versioned format (docs/operations.md, "Moving a library"), and loaded from one
without decoding any media, as long as the fingerprints were made by the versions this portal runs.
Fingerprints of other versions are made again from the media when the export holds it; otherwise the
load is refused up front, saying which fingerprinter differs.

    OUT/library.json   {"format": "dnaportal.library", "version": 1, "library": {...},
                        "fingerprinters": {name: version}, "items": n, "with_media": bool}
    OUT/items.jsonl    one item a line: its key, kind, facts, text, "file" (media/...) or null, and
                       "fingerprints": [{"fingerprinter", "version", "file", "sha256"}]
    OUT/fingerprints/  the stored fingerprints, one file each, as the library keeps them
    OUT/media/         the items' files (with --with-media)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils import timezone

from core.errors import ApiError
from engine import registry
from engine.base import EngineError, Fingerprint, MediaInput
from engine.extract import fingerprint_input
from libraries.models import Library, Media
from libraries.services import MEDIA_FACTS, create_library, save_media

FORMAT = "dnaportal.library"
VERSION = 1


class TransferError(Exception):
    """The export cannot be written, or cannot be loaded here (the message says why)."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_library(library: Library, out: Path, *, with_media: bool = False) -> int:
    """Write the library to the new folder `out`; returns how many items."""
    if out.exists() and any(out.iterdir()):
        raise TransferError(f"{out} is not empty: export into a new folder.")
    (out / "fingerprints").mkdir(parents=True, exist_ok=True)
    if with_media:
        (out / "media").mkdir()
    count = 0
    with open(out / "items.jsonl", "w", encoding="utf-8") as lines:
        items = library.media.order_by("created_at", "id").prefetch_related("fingerprints")
        for number, item in enumerate(items.iterator(chunk_size=200), start=1):
            lines.write(json.dumps(_item_record(item, number, out, with_media), ensure_ascii=False) + "\n")
            count += 1
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "library": {
            "name": library.name,
            "description": library.description,
            "media_type": library.media_type,
            "duplicate_threshold": library.duplicate_threshold,
        },
        "fingerprinters": {fp.name: fp.version for fp in registry.fingerprinters()},
        "items": count,
        "with_media": with_media,
    }
    (out / "library.json").write_text(json.dumps(header, indent=2, ensure_ascii=False) + "\n")
    return count


def _item_record(item: Media, number: int, out: Path, with_media: bool) -> dict:
    fingerprints = []
    for stored in item.fingerprints.all():
        data = bytes(stored.data)
        name = f"fingerprints/{number}-{stored.fingerprinter}.bin"
        (out / name).write_bytes(data)
        fingerprints.append(
            {
                "fingerprinter": stored.fingerprinter,
                "version": stored.version,
                "file": name,
                "sha256": _digest(data),
            }
        )
    media_file = None
    if with_media and item.file:
        ending = PurePosixPath(item.file.name).suffix[:16]
        media_file = f"media/{number}{ending}"
        with item.file.open("rb") as source, open(out / media_file, "wb") as target:
            shutil.copyfileobj(source, target)
    return {
        "primary_key": item.primary_key,
        "media_type": item.media_type,
        "original_name": item.original_name,
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
        **{fact: getattr(item, fact) for fact in MEDIA_FACTS},
        "text": item.text if not item.file else None,
        "subtitles": item.subtitles or None,
        "file": media_file,
        "fingerprints": fingerprints,
    }


@dataclass
class LoadReport:
    library: Library | None = None
    loaded: int = 0
    refingerprinted: int = 0
    present: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def read_header(folder: Path) -> dict:
    try:
        header = json.loads((folder / "library.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TransferError(f"{folder} holds no readable library.json: not a library export.") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TransferError("library.json is not a DNA Portal library export.")
    if header.get("version") != VERSION:
        raise TransferError(
            f"This export is format version {header.get('version')!r}; this portal reads version {VERSION}."
        )
    return header


def stale_fingerprinters(header: dict) -> list[str]:
    """Fingerprinters whose version in the export is not the one this portal runs."""
    current = {fp.name: fp.version for fp in registry.fingerprinters()}
    exported = header.get("fingerprinters") or {}
    return [
        f"{name} v{version} (this portal: v{current[name]})"
        if name in current
        else f"{name} v{version} (unknown here)"
        for name, version in sorted(exported.items())
        if current.get(name) != version
    ]


def import_library(folder: Path, *, name: str | None = None, user=None) -> LoadReport:
    """Load an export into a new library named `name` (default: the exported name)."""
    header = read_header(folder)
    stale = stale_fingerprinters(header)
    if stale and not header.get("with_media"):
        raise TransferError(
            "The export's fingerprints were made by other versions than this portal runs: "
            f"{', '.join(stale)}. Export again with --with-media, so that they can be made again here."
        )
    facts = header.get("library") or {}
    report = LoadReport()
    report.library = create_library(
        name=name or str(facts.get("name", "")),
        media_type=str(facts.get("media_type", "")),
        description=str(facts.get("description", ""))[:1024],
        duplicate_threshold=float(facts.get("duplicate_threshold", 0.5)),
        user=user,
    )
    for record in _records(folder):
        _load_item(folder, report, record)
    return report


def _records(folder: Path) -> Iterator[dict]:
    with open(folder / "items.jsonl", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _inside(folder: Path, relative: str | None) -> Path | None:
    """A file named by the export, which must lie inside it."""
    if not relative:
        return None
    posix = PurePosixPath(str(relative))
    if posix.is_absolute() or ".." in posix.parts:
        raise TransferError(f"The export names a file outside itself: {relative!r}.")
    return folder / posix


def _load_item(folder: Path, report: LoadReport, record: dict) -> None:
    key = str(record.get("primary_key", ""))
    try:
        media_path = _inside(folder, record.get("file"))
        fingerprints, current = _fingerprints(folder, record)
        if current:
            _save(report.library, record, fingerprints, media_path)
            report.loaded += 1
        else:  # made by other versions: made again from the item's file or text
            _save(report.library, record, _remake(record, media_path), media_path)
            report.refingerprinted += 1
    except TransferError as exc:
        report.failed.append((key, str(exc)))
    except EngineError as exc:
        report.failed.append((key, f"its media cannot be fingerprinted again: {exc}"))


def _fingerprints(folder: Path, record: dict) -> tuple[list[Fingerprint], bool]:
    made, current = [], True
    for entry in record.get("fingerprints") or []:
        fingerprinter = registry.named(str(entry.get("fingerprinter")))
        if fingerprinter is None or fingerprinter.version != entry.get("version"):
            current = False
            continue
        data = _inside(folder, entry.get("file")).read_bytes()
        if _digest(data) != entry.get("sha256"):
            raise TransferError(f"{entry.get('file')} is damaged (its checksum differs).")
        made.append(Fingerprint(fingerprinter.name, fingerprinter.version, data))
    return made, current and bool(made)


def _remake(record: dict, media_path: Path | None) -> list[Fingerprint]:
    text = record.get("text")
    if media_path is None and text is None:
        raise TransferError(
            "its fingerprints are of another version and the export holds no media to remake them"
        )
    subtitles = record.get("subtitles") if isinstance(record.get("subtitles"), str) else None
    media = (
        MediaInput(path=media_path, subtitles=subtitles) if media_path is not None else MediaInput(text=text)
    )
    return fingerprint_input(str(record.get("media_type")), media, query=False).fingerprints


def _save(library: Library, record: dict, fingerprints: list[Fingerprint], media_path: Path | None) -> None:
    """Store the item: with its file if exported, its text for a text item, else without content
    (its size and checksum as exported)."""
    try:
        save_media(
            library=library,
            primary_key=str(record.get("primary_key", "")),
            media_type=str(record.get("media_type", "")),
            fingerprints=fingerprints,
            meta={fact: record.get(fact) for fact in MEDIA_FACTS},
            path=media_path,
            text=record.get("text") if media_path is None else None,
            subtitles=record.get("subtitles") if isinstance(record.get("subtitles"), str) else "",
            original_name=str(record.get("original_name", "")),
            known_content=(int(record.get("size_bytes") or 0), str(record.get("sha256", ""))),
        )
    except ApiError as exc:
        raise TransferError(f"{exc.error_code}: {exc.message}") from exc
