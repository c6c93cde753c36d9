"""What a worker does with a claimed job: fetch the input, fingerprint it, search the library, save
it if the save type says so, and record the result, all or nothing."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction

from core.errors import ApiError, Codes, disk_full
from core.kinds import accepts_inline_text
from engine import registry
from engine.base import EngineError, Fingerprint, MediaError, MediaInput
from engine.extract import Extraction, fingerprint_input
from engine.text.reading import read_text
from jobs import objects, services
from jobs.inputs import InputError, download, resolve_import_path
from jobs.models import InputType, Job, Match, SaveType
from libraries.indexing.manifest import current_generation
from libraries.indexing.reader import library_index
from libraries.models import Library, Media
from libraries.services import save_media

log = logging.getLogger(__name__)

# Matched passages are stored with their text up to this length; offsets always give the full range.
SEGMENT_TEXT_LIMIT = 2000
MATCH_LIMIT = 50


def run_job(job: Job) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"dnajob-{job.id.hex}-"))
    try:
        _run(job, workdir)
    except (MediaError, ApiError, InputError) as exc:
        code = getattr(exc, "error_code", None) or exc.code
        if getattr(exc, "permanent", True):
            services.fail_job(job, code, exc.message)
        else:
            services.requeue_job(job, exc.message, code=code)
    except EngineError as exc:
        log.warning("job %s: transient engine error: %s", job.id.hex, exc.message)
        services.requeue_job(job, exc.message, code=exc.code)
    except Exception as exc:  # a bug or an outage: retry a few times, then fail with the reason
        if disk_full(exc):  # what was written is gone (workdir, part files, segments): space given back
            log.warning("job %s: the disk is full: %s", job.id.hex, exc)
            services.requeue_job(job, f"The portal's disk is full ({exc}).", code=Codes.JOB_STORAGE_FULL)
            return
        log.exception("job %s failed unexpectedly", job.id.hex)
        services.requeue_job(job, f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(job: Job, workdir: Path) -> None:
    library = job.library
    if library is None:
        raise ApiError(Codes.LIBRARY_NOT_FOUND, "The job's library was deleted before it ran.")
    media_input, source_path = _materialise(job, workdir)
    save_type = SaveType(job.save_type)
    # Long decodes report progress, which keeps the job's heartbeat fresh (the lease stays ours).
    extraction = fingerprint_input(
        job.media_type,
        media_input,
        query=save_type.searches,
        progress=lambda seconds: services.heartbeat(job, 10),
    )
    if not services.heartbeat(job, 50):
        return
    searched_at = current_generation(library.id)
    found = search_library(library, extraction.fingerprints, media_input.text) if save_type.searches else []
    if not services.heartbeat(job, 80):
        return
    with transaction.atomic():
        # Fence: only the worker that still holds this attempt may write the result.
        if not services.held_by_worker(job).select_for_update().exists():
            return
        found = _settled(library, searched_at, found, extraction, media_input, save_type)
        duplicate = any(match.global_similarity >= library.duplicate_threshold for match in found)
        should_save = save_type in (SaveType.FORCESAVE, SaveType.ONLYSAVE) or (
            save_type == SaveType.SAVE and not duplicate
        )
        Match.objects.filter(job=job).delete()
        for match in found:
            match.job = job
        Match.objects.bulk_create(found)
        saved = None
        if should_save:
            saved = _save(job, extraction, media_input, source_path, replace=save_type == SaveType.FORCESAVE)
        services.finish_job(job, saved_media=saved, input_meta=extraction.meta, notes=extraction.notes)


def _settled(
    library: Library, searched_at, found: list[Match], extraction, media_input, save_type
) -> list[Match]:
    """The database decides duplicates: writers of one library take its row lock (held to commit) and
    so save one after another. If the library changed since our search (another job saved an item,
    perhaps this very content), search again under the lock, so that concurrent `save` jobs of one
    content store it once and a concurrent `forcesave` replaces what the other saved. A library
    deleted since the job began is found here, before anything is written for it."""
    locked_at = (
        Library.objects.select_for_update().filter(id=library.id).values_list("index_generation", flat=True)
    ).first()
    if locked_at is None:
        raise ApiError(Codes.LIBRARY_NOT_FOUND, "The job's library was deleted while the job ran.")
    if locked_at == searched_at or not save_type.searches:
        return found
    return search_library(library, extraction.fingerprints, media_input.text)


def _save(job: Job, extraction: Extraction, media: MediaInput, path: Path | None, *, replace: bool) -> Media:
    return save_media(
        library=job.library,
        primary_key=job.primary_key,
        media_type=job.media_type,
        fingerprints=extraction.fingerprints,
        meta=extraction.meta,
        path=path if media.text is None else None,
        text=media.text,
        original_name=job.input_name,
        job=job,
        replace=replace,
    )


def _materialise(job: Job, workdir: Path) -> tuple[MediaInput, Path | None]:
    """The job's input as a local file (or text), whatever its source."""
    if job.input_type == InputType.TEXT:
        return MediaInput(text=job.input_text), None
    if job.input_type == InputType.MEDIA and job.input_media is not None and not job.input_media.file:
        return MediaInput(text=job.input_media.text), None
    path = _local_file(job, workdir)
    if accepts_inline_text(job.media_type):
        return MediaInput(text=read_text(path)), None
    return MediaInput(path=path), path


def _local_file(job: Job, workdir: Path) -> Path:
    if job.input_type == InputType.MEDIA:
        if job.input_media is None:
            raise InputError(Codes.INPUT_NOT_FOUND, "The library item this job reads was deleted.")
        return _copy(job.input_media.file, workdir / "input")
    if job.input_type == InputType.OBJECT:
        path = workdir / "object"
        objects.fetch_object(job.input_bucket, job.input_key, path)
        _keep_fetched(job, path, job.input_name)
        return path
    if job.input_type == InputType.UPLOAD:
        return _copy(job.input_file, workdir / "input")
    if job.input_type == InputType.PATH:
        return resolve_import_path(job.input_path, settings.IMPORT_ROOT)
    path = workdir / "download"
    name = download(
        job.input_url,
        path,
        max_bytes=settings.MAX_UPLOAD_BYTES,
        timeout=settings.DOWNLOAD_TIMEOUT_SECONDS,
        allowed_networks=settings.ALLOWED_PRIVATE_NETWORKS,
        deadline=settings.DOWNLOAD_DEADLINE_SECONDS,
    )
    _keep_fetched(job, path, name)
    return path


def _copy(stored, path: Path) -> Path:
    with stored.open("rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return path


def _keep_fetched(job: Job, path: Path, name: str) -> None:
    """Keep what was fetched, so reviewers see exactly what was checked."""
    with open(path, "rb") as handle:
        job.input_file.save(name, File(handle), save=False)
    Job.objects.filter(id=job.id).update(input_file=job.input_file.name)


def search_library(
    library: Library, fingerprints: list[Fingerprint], query_text: str | None = None
) -> list[Match]:
    """The library items the fingerprints match, as unsaved matches (best first): one per item, with
    the highest similarity any fingerprinter gave it and the segments of every track."""
    merged: dict = {}
    for fingerprint in fingerprints:
        fingerprinter = registry.named(fingerprint.fingerprinter)
        for hit in library_index(library, fingerprinter).search(fingerprint, MATCH_LIMIT):
            current = merged.setdefault(hit.key, {"similarity": 0.0, "segments": {}})
            current["similarity"] = max(current["similarity"], hit.similarity)
            for track, segments in hit.segments.items():
                current["segments"].setdefault(track, []).extend(segments)
    items = Media.objects.in_bulk(list(merged))
    found = []
    for key, result in merged.items():
        item = items.get(key)
        if item is None:  # deleted since the index was synced
            continue
        segments = {
            track: _rows(track, found_segments, query_text, item)
            for track, found_segments in result["segments"].items()
        }
        found.append(
            Match(
                library=library,
                media=item,
                primary_key=item.primary_key,
                global_similarity=round(result["similarity"], 4),
                segments=segments,
            )
        )
    found.sort(key=lambda match: -match.global_similarity)
    return found


def _rows(track: str, segments: list, query_text: str | None, item: Media) -> list[dict]:
    """Segments as stored, in query order; passages of text tracks carry their text on both sides."""
    rows = [segment.as_dict() for segment in sorted(segments, key=lambda s: s.start)]
    if registry.track(track).unit == "characters":
        for row in rows:
            row["query_text"] = _clip(query_text or "", row["start"], row["end"])
            row["library_text"] = _clip(item.text, row["library_start"], row["library_end"])
    return rows


def _clip(text: str, start: float, end: float) -> str:
    piece = text[int(start) : int(end)]
    return piece if len(piece) <= SEGMENT_TEXT_LIMIT else piece[:SEGMENT_TEXT_LIMIT] + "…"
