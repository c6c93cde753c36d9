"""Writes to libraries and their media. Views and jobs call these; nothing else writes the tables."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from core.errors import ApiError, Codes
from core.storage import DigestingFile
from engine import registry
from engine.base import EngineError, Fingerprint, MediaInput
from engine.extract import fingerprint_input
from libraries.indexing import files as index_files
from libraries.indexing import reader, writer
from libraries.models import Exclusion, Library, Media, StoredFingerprint, TokenLimit

log = logging.getLogger(__name__)


def create_library(
    *,
    name: str,
    media_type: str,
    description: str = "",
    duplicate_threshold: float = 0.5,
    team=None,
    user=None,
) -> Library:
    """A new library, owned by `team` (None: shared by every team)."""
    try:
        with transaction.atomic():
            return Library.objects.create(
                name=name,
                description=description,
                media_type=media_type,
                duplicate_threshold=duplicate_threshold,
                team=team,
                created_by=user if user and user.is_authenticated else None,
            )
    except IntegrityError as exc:
        raise ApiError(
            Codes.LIBRARY_NAME_EXISTS,
            f"A library named {name!r} already exists.",
            status.HTTP_409_CONFLICT,
        ) from exc


def update_library(*, library: Library, **changes) -> Library:
    """Rename, describe, re-threshold, or give the library to another team (None: shared). Given to a
    team, the jobs that belonged to it through its old owner (or were shared) move with it; jobs other
    teams sent to it while it was shared stay theirs. Made shared, its jobs stay with their teams."""
    allowed = {"name", "description", "duplicate_threshold", "team"}
    old_team_id = library.team_id
    for field, value in changes.items():
        if field in allowed:
            setattr(library, field, value)
    try:
        with transaction.atomic():
            library.save()
            if library.team_id is not None and library.team_id != old_team_id:
                library.jobs.filter(team_id=old_team_id).update(team_id=library.team_id)
    except IntegrityError as exc:
        raise ApiError(
            Codes.LIBRARY_NAME_EXISTS,
            f"A library named {library.name!r} already exists.",
            status.HTTP_409_CONFLICT,
        ) from exc
    return library


def limit_token(*, user, libraries: list[Library] | None) -> None:
    """Limit the user's API token to these libraries (an empty list: to none), or lift the limit
    (None). Pages the user signs in to are not limited."""
    with transaction.atomic():
        if libraries is None:
            TokenLimit.objects.filter(user=user).delete()
            return
        limit, _ = TokenLimit.objects.get_or_create(user=user)
        limit.libraries.set(libraries)


def _delete_files_after_commit(names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                log.warning("could not delete stored file %s", name)

    transaction.on_commit(delete)


def delete_library(*, library: Library) -> None:
    """Delete a library with its media, fingerprints and index (files go once the rows are gone)."""
    with transaction.atomic():
        names = [name for name in library.media.values_list("file", flat=True) if name]
        segments = list(library.index_segments.values_list("name", flat=True))
        library_id = library.id
        library.delete()
        _delete_files_after_commit(names)
        transaction.on_commit(lambda: index_files.delete_all(library_id, segments))
        transaction.on_commit(lambda: reader.forget(library_id))


def delete_media(*, media: Media) -> None:
    """Delete an item; its tombstone hides it from every worker's index from the commit on."""
    with transaction.atomic():
        names = [media.file.name] if media.file else []
        writer.bury(media.library_id, [media.id])
        media.delete()
        _delete_files_after_commit(names)


def sha256_of(path: Path | None = None, text: str | None = None) -> str:
    digest = hashlib.sha256()
    if text is not None:
        digest.update(text.encode("utf-8"))
    else:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def save_media(
    *,
    library: Library,
    primary_key: str,
    media_type: str,
    fingerprints: list[Fingerprint],
    meta: dict | None = None,
    path: Path | None = None,
    text: str | None = None,
    subtitles: str = "",
    original_name: str = "",
    job=None,
    replace: bool = False,
    known_content: tuple[int, str] | None = None,
    index: bool = True,
    already_stored: bool = False,
) -> Media:
    """Store one item and its fingerprints atomically. `replace` swaps out an item with the same key;
    `meta` holds what decoding learnt of it (duration, width, height, characters...). With neither
    `path` nor `text`, the item has no stored content: `known_content` gives its size and sha256
    (an item moved from another portal without its media, libraries/transfer.py). Without `index`,
    the caller indexes the item itself before its transaction commits (writer.index_saved_together,
    for several items saved together). `already_stored`: the fingerprints are already what a library
    keeps of them (registry.storable).

    Raises ApiError(ResourceAlreadyExists.PrimaryKey) when the key is taken and not replacing.
    """
    if not already_stored:
        fingerprints = [registry.storable(fp) for fp in fingerprints]
    item = NewItem(
        primary_key, media_type, fingerprints, meta or {}, path, text, original_name, job, subtitles
    )
    media = new_media(library, item)
    segments: list[str] = []
    try:
        with transaction.atomic():
            _make_room(library, primary_key, replace=replace)
            _attach_content(media, path=path, text=text, original_name=original_name, known=known_content)
            try:
                with transaction.atomic():
                    media.save()
            except IntegrityError as exc:
                # Another job saved the same key between our check and our insert.
                raise key_taken(library, primary_key) from exc
            StoredFingerprint.objects.bulk_create(_stored(media, fp) for fp in fingerprints)
            if index:
                segments = writer.index_saved(library.id, media.id, fingerprints)
    except BaseException:
        if media.file:  # the rows rolled back; the copied file must not stay behind
            default_storage.delete(media.file.name)
        writer.forget_written(library.id, segments)
        raise
    return media


@dataclass
class NewItem:
    """An item to save: its key, kind, stored fingerprints (registry.storable), what decoding learnt
    of it, its content (a file or a text) and the job that saves it."""

    primary_key: str
    media_type: str
    fingerprints: list[Fingerprint]
    meta: dict
    path: Path | None = None
    text: str | None = None
    original_name: str = ""
    job: object = None
    subtitles: str = ""


def new_media(library: Library, item: NewItem) -> Media:
    """The item, not written yet (save_media_together writes it); its text is attached, its file is
    copied to storage when it is written."""
    media = Media(
        library=library,
        primary_key=item.primary_key,
        media_type=item.media_type,
        original_name=item.original_name[:255],
        saved_by_job=item.job,
        subtitles=item.subtitles,
        **{field: item.meta.get(field) for field in MEDIA_FACTS},
    )
    if item.text is not None:
        _attach_content(media, path=None, text=item.text, original_name=item.original_name, known=None)
    return media


def save_media_together(entries: list[tuple[Media, NewItem]]) -> None:
    """Write new items (new_media) in two statements, not a few per item (a worker's group of import
    jobs: for short items the statements cost as much as the fingerprinting). The caller holds the
    library's lock (its row, select_for_update) in the transaction, has checked that the keys are
    free, and indexes the items itself before it commits (writer.index_saved_together)."""
    try:
        for media, item in entries:
            if item.text is None:
                _attach_content(
                    media, path=item.path, text=None, original_name=item.original_name, known=None
                )
        Media.objects.bulk_create([media for media, _ in entries])
        StoredFingerprint.objects.bulk_create(
            _stored(media, fp) for media, item in entries for fp in item.fingerprints
        )
    except BaseException:
        for media, _ in entries:  # the rows roll back with the caller's transaction; the files go now
            if media.file:
                default_storage.delete(media.file.name)
        raise


# Facts of an item that decoding learns and Media keeps.
MEDIA_FACTS = ("duration", "width", "height", "fps", "sample_rate", "characters")


def _make_room(library: Library, primary_key: str, *, replace: bool) -> None:
    existing = Media.objects.select_for_update().filter(library=library, primary_key=primary_key).first()
    if existing is not None:
        if not replace:
            raise key_taken(library, primary_key)
        delete_media(media=existing)


def _attach_content(
    media: Media, *, path: Path | None, text: str | None, original_name: str, known: tuple[int, str] | None
) -> None:
    """The item's text, or a copy of its file in storage, with size and checksum (or, with neither,
    the size and checksum it is known by)."""
    if text is not None:
        media.text = text
        media.size_bytes = len(text.encode("utf-8"))
        media.sha256 = sha256_of(text=text)
        return
    if path is None:
        media.size_bytes, media.sha256 = known or (0, "")
        return
    media.size_bytes = path.stat().st_size
    with open(path, "rb") as handle:
        content = DigestingFile(handle, media.size_bytes)
        media.file.save(original_name or path.name, content, save=False)
    media.sha256 = content.sha256() or sha256_of(path)


def _stored(media: Media, fingerprint: Fingerprint) -> StoredFingerprint:
    return StoredFingerprint(
        media=media,
        library=media.library,
        fingerprinter=fingerprint.fingerprinter,
        version=fingerprint.version,
        data=fingerprint.data,  # (already storable: save_media made it so)
    )


def key_taken(library: Library, primary_key: str) -> ApiError:
    return ApiError(
        Codes.PRIMARY_KEY_EXISTS,
        f"Library {library.name!r} already holds primary key {primary_key!r}; "
        "use save type forcesave to replace it.",
        status.HTTP_409_CONFLICT,
    )


def refresh_fingerprints(*, library: Library | None = None, progress=None) -> dict[str, int]:
    """Re-make every fingerprint that an older version of its fingerprinter made (or that is missing),
    from the item's stored file or text. Searches only use current fingerprints, so after an upgrade
    that changes a fingerprinter, stale items stay out of search until this has run. Rows of a
    replaced fingerprinter go with the remade ones, and index segments no current fingerprinter
    searches are retired.

    Each item is updated on its own: an item that cannot be read is counted and left as it was.
    """
    counts = {"current": 0, "refreshed": 0, "failed": 0, "segments_retired": 0}
    media = Media.objects.all() if library is None else Media.objects.filter(library=library)
    for item in media.select_related("library").iterator(chunk_size=200):
        wanted = {f.name: f.version for f, _ in registry.for_kind(item.media_type)}
        have = dict(item.fingerprints.values_list("fingerprinter", "version"))
        if all(have.get(name) == version for name, version in wanted.items()):
            counts["current"] += 1
            continue
        try:
            fingerprints = _extract_stored(item)
        except (EngineError, OSError) as exc:
            log.warning("could not re-fingerprint %s: %s", item, exc)
            counts["failed"] += 1
            continue
        _store_refreshed(item, [fp for fp in fingerprints if have.get(fp.fingerprinter) != fp.version])
        counts["refreshed"] += 1
        if progress is not None:
            progress(item, counts)
    libraries = Library.objects.all() if library is None else Library.objects.filter(id=library.id)
    for each in libraries:
        counts["segments_retired"] += retire_stale_segments(each)
    return counts


def retire_stale_segments(library: Library) -> int:
    """Retire the library's index segments that no current fingerprinter of its kind searches (an
    older version's, or a replaced fingerprinter's such as image-dct256-orb): their files go with the
    next purge of retired segments. Returns how many were retired."""
    current = [(f.name, f.version) for f, _ in registry.for_kind(library.media_type)]
    stale = library.index_segments.filter(retired=False)
    for name, version in current:
        stale = stale.exclude(fingerprinter=name, version=version)
    return stale.update(retired=True, retired_at=timezone.now())


def refingerprint_items(*, media_ids: list) -> dict[str, int]:
    """Make the fingerprints of these items again from their stored files or texts, whatever their
    versions (an admin's action on items suspected of bad fingerprints)."""
    counts = {"refreshed": 0, "failed": 0}
    for item in Media.objects.filter(id__in=media_ids).select_related("library").iterator(chunk_size=200):
        try:
            fingerprints = _extract_stored(item)
        except (EngineError, OSError) as exc:
            log.warning("could not re-fingerprint %s: %s", item, exc)
            counts["failed"] += 1
            continue
        _store_refreshed(item, fingerprints)
        counts["refreshed"] += 1
    return counts


def _store_refreshed(item: Media, fingerprints: list[Fingerprint]) -> None:
    """Replace an item's fingerprints and index them (the new version's index gets a segment)."""
    segments: list[str] = []
    storable = [registry.storable(fp) for fp in fingerprints]
    try:
        with transaction.atomic():
            for fp in storable:
                StoredFingerprint.objects.update_or_create(
                    media=item,
                    fingerprinter=fp.fingerprinter,
                    defaults={"library": item.library, "version": fp.version, "data": fp.data},
                )
            # A replaced fingerprinter's rows (another name for the same kind) are no longer read.
            registered = [f.name for f, _ in registry.for_kind(item.media_type)]
            item.fingerprints.exclude(fingerprinter__in=registered).delete()
            segments = writer.index_saved(item.library_id, item.id, storable)
    except BaseException:
        writer.forget_written(item.library_id, segments)
        raise


def _extract_stored(item: Media) -> list[Fingerprint]:
    if not item.file:
        return fingerprint_input(item.media_type, MediaInput(text=item.text), query=False).fingerprints
    # Storage may be remote (an object store): work on a local copy.
    suffix = Path(item.file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, item.file.open("rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 20), b""):
            local.write(chunk)
        local.flush()
        media = MediaInput(path=Path(local.name), subtitles=item.subtitles or None)
        return fingerprint_input(item.media_type, media, query=False).fingerprints


def exclude_range(
    *, media: Media, track: str, start: float, end: float, user=None, reason: str = ""
) -> Exclusion:
    """Mark a stretch of a library item as not its own: no match made only of it is reported again."""
    if track not in {t.name for t in registry.tracks()}:
        raise ApiError(
            "InvalidParameter.Track", f"track: one of {', '.join(t.name for t in registry.tracks())}."
        )
    if not (0 <= start < end):
        raise ApiError("InvalidParameter.Range", "start and end: 0 <= start < end.")
    return Exclusion.objects.create(
        media=media,
        track=track,
        start=float(start),
        end=float(end),
        reason=reason.strip()[:500],
        created_by=user,
    )
