"""What a worker does with a claimed job: fetch the input, fingerprint it, search the library, save
it if the save type says so, and record the result, all or nothing."""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction

from dnaportal.engine import EngineError, Fingerprinter, MediaError, MediaInput, fingerprinters_for
from dnaportal.engine import Fingerprint as EngineFingerprint
from dnaportal.engine.media import read_text
from dnaportal.errors import ApiError, Codes
from jobs import objects, services
from jobs.inputs import InputError, download, resolve_import_path
from jobs.models import InputType, Job, Match, SaveType
from libraries.indexes import library_index
from libraries.models import Library, Media
from libraries.services import save_media

log = logging.getLogger(__name__)

# Matched passages are stored with their text up to this length; offsets always give the full range.
SEGMENT_TEXT_LIMIT = 2000
MATCH_LIMIT = 50


@dataclass
class FoundMatch:
    media: Media
    similarity: float
    segments: dict[str, list[dict]] = field(default_factory=dict)


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
        log.exception("job %s failed unexpectedly", job.id.hex)
        services.requeue_job(job, f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(job: Job, workdir: Path) -> None:
    library = job.library
    if library is None:
        raise ApiError(Codes.LIBRARY_NOT_FOUND, "The job's library was deleted before it ran.")
    media_input, source_path = _materialise(job, workdir)
    fingerprinters = fingerprinters_for(job.media_type)
    # Long decodes report progress, which keeps the job's heartbeat fresh (the lease stays ours).
    fingerprints = [
        fp.extract(media_input, lambda seconds: services.heartbeat(job, 10)) for fp in fingerprinters
    ]
    if not services.heartbeat(job, 50):
        return
    found: list[FoundMatch] = []
    if SaveType(job.save_type).searches:
        found = search_library(library, fingerprinters, fingerprints, media_input.text)
    if not services.heartbeat(job, 80):
        return
    save_type = SaveType(job.save_type)
    duplicate = any(m.similarity >= library.duplicate_threshold for m in found)
    should_save = save_type in (SaveType.FORCESAVE, SaveType.ONLYSAVE) or (
        save_type == SaveType.SAVE and not duplicate
    )
    meta: dict = {}
    for fingerprint in fingerprints:
        meta.update(fingerprint.meta)
    with transaction.atomic():
        # Fence: only the worker that still holds this attempt may write the result.
        if not services.held_by_worker(job).select_for_update().exists():
            return
        Match.objects.filter(job=job).delete()
        Match.objects.bulk_create(
            Match(
                job=job,
                library=library,
                media=m.media,
                primary_key=m.media.primary_key,
                global_similarity=m.similarity,
                video_segments=m.segments.get("video", []),
                audio_segments=m.segments.get("audio", []),
                text_segments=m.segments.get("text", []),
            )
            for m in found
        )
        saved = None
        if should_save:
            saved = save_media(
                library=library,
                primary_key=job.primary_key,
                media_type=job.media_type,
                fingerprints=fingerprints,
                path=source_path if media_input.text is None else None,
                text=media_input.text,
                original_name=job.input_name,
                job=job,
                replace=save_type == SaveType.FORCESAVE,
            )
        services.finish_job(job, saved_media=saved, input_meta=meta)


def _materialise(job: Job, workdir: Path) -> tuple[MediaInput, Path | None]:
    """The job's input as a local file (or text), whatever its source."""
    path: Path | None = None
    if job.input_type == InputType.TEXT:
        return MediaInput(text=job.input_text), None
    if job.input_type == InputType.MEDIA:
        item = job.input_media
        if item is None:
            raise InputError(Codes.INPUT_NOT_FOUND, "The library item this job reads was deleted.")
        if not item.file:
            return MediaInput(text=item.text), None
        path = workdir / "input"
        with item.file.open("rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    elif job.input_type == InputType.OBJECT:
        path = workdir / "object"
        objects.fetch_object(job.input_bucket, job.input_key, path)
        _keep_fetched(job, path, job.input_name)
    elif job.input_type == InputType.UPLOAD:
        path = workdir / "input"
        with job.input_file.open("rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    elif job.input_type == InputType.PATH:
        path = resolve_import_path(job.input_path, settings.IMPORT_ROOT)
    elif job.input_type == InputType.URL:
        path = workdir / "download"
        name = download(
            job.input_url,
            path,
            max_bytes=settings.MAX_UPLOAD_BYTES,
            timeout=settings.DOWNLOAD_TIMEOUT_SECONDS,
            allowed_networks=settings.ALLOWED_PRIVATE_NETWORKS,
        )
        _keep_fetched(job, path, name)
    if job.media_type in ("text", "asr"):
        return MediaInput(text=read_text(path)), None
    return MediaInput(path=path), path


def _keep_fetched(job: Job, path: Path, name: str) -> None:
    """Keep what was fetched, so reviewers see exactly what was checked."""
    with open(path, "rb") as handle:
        job.input_file.save(name, File(handle), save=False)
    Job.objects.filter(id=job.id).update(input_file=job.input_file.name)


def search_library(
    library: Library,
    fingerprinters: list[Fingerprinter],
    fingerprints: list[EngineFingerprint],
    query_text: str | None = None,
) -> list[FoundMatch]:
    merged: dict = {}
    for fingerprinter, fingerprint in zip(fingerprinters, fingerprints, strict=True):
        for match in library_index(library, fingerprinter).search(fingerprint, MATCH_LIMIT):
            current = merged.setdefault(match.key, {"similarity": 0.0, "segments": {}})
            current["similarity"] = max(current["similarity"], match.similarity)
            for track, segments in match.segments.items():
                current["segments"].setdefault(track, []).extend(segments)
    media = Media.objects.in_bulk(list(merged))
    found = []
    for key, result in merged.items():
        item = media.get(key)
        if item is None:  # deleted since the index was synced
            continue
        segments = {}
        for track, items in result["segments"].items():
            rows = [segment.as_dict() for segment in sorted(items, key=lambda s: s.start)]
            if track == "text":
                for row in rows:
                    row["query_text"] = _clip(query_text or "", row["start"], row["end"])
                    row["master_text"] = _clip(item.text, row["master_start"], row["master_end"])
            segments[track] = rows
        found.append(FoundMatch(item, round(result["similarity"], 4), segments))
    found.sort(key=lambda m: -m.similarity)
    return found


def _clip(text: str, start: float, end: float) -> str:
    piece = text[int(start) : int(end)]
    return piece if len(piece) <= SEGMENT_TEXT_LIMIT else piece[:SEGMENT_TEXT_LIMIT] + "…"
