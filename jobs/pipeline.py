"""What a worker does with a claimed job: fetch the input, fingerprint it, search the library, save
it if the save type says so, and record the result, all or nothing."""

from __future__ import annotations

import logging
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from core.errors import ApiError, Codes, disk_full
from core.kinds import accepts_inline_text
from engine import registry
from engine.base import EngineError, Fingerprint, Fingerprinter, Index, MediaError, MediaInput
from engine.extract import Extraction, fingerprint_input
from engine.text.reading import read_text
from jobs import objects, services
from jobs.inputs import InputError, download, resolve_import_path
from jobs.models import InputType, Job, JobStatus, Match, SaveType
from libraries.indexing import writer
from libraries.indexing.manifest import current_generation
from libraries.indexing.reader import library_index
from libraries.models import Library, Media
from libraries.services import save_media

log = logging.getLogger(__name__)

# Matched passages are stored with their text up to this length; offsets always give the full range.
SEGMENT_TEXT_LIMIT = 2000
MATCH_LIMIT = 50


@dataclass
class Prepared:
    """A job fingerprinted (and searched, if its save type searches), ready to be stored."""

    job: Job
    media_input: MediaInput
    source_path: Path | None
    extraction: Extraction
    found: list[Match]
    searched_at: int | None


def run_job(job: Job) -> None:
    run_jobs([job])


def run_jobs(jobs: list[Job]) -> None:
    """Run claimed jobs of one library: one job, or a worker's group of a bulk import's jobs
    (jobs/tasks.py). Each is fingerprinted and searched on its own, a failure being that job's alone;
    then all are stored in one transaction and what they saved is indexed as one segment."""
    workdir = Path(tempfile.mkdtemp(prefix=f"dnajob-{jobs[0].id.hex}-"))
    try:
        ready: list[Prepared | None] = []
        for job in jobs:
            with _failures_handled([job]):
                ready.append(_prepare(job, workdir / job.id.hex, alone=len(jobs) == 1))
        prepared = [one for one in ready if one is not None]
        if prepared:
            with _failures_handled([one.job for one in prepared]):
                _store(prepared)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _failures_handled(jobs: list[Job]):
    """A failure of the block ends these jobs: failed for good, or back to the queue for another try."""
    try:
        yield
    except Exception as exc:
        for job in jobs:
            _fail_or_retry(job, exc)


def _fail_or_retry(job: Job, exc: Exception) -> None:
    if isinstance(exc, (MediaError, ApiError, InputError)):
        code = getattr(exc, "error_code", None) or exc.code
        if getattr(exc, "permanent", True):
            services.fail_job(job, code, exc.message)
        else:
            services.requeue_job(job, exc.message, code=code)
    elif isinstance(exc, EngineError):
        log.warning("job %s: transient engine error: %s", job.id.hex, exc.message)
        services.requeue_job(job, exc.message, code=exc.code)
    elif disk_full(exc):  # what was written is gone (workdir, part files, segments): space given back
        log.warning("job %s: the disk is full: %s", job.id.hex, exc)
        services.requeue_job(job, f"The portal's disk is full ({exc}).", code=Codes.JOB_STORAGE_FULL)
    else:  # a bug or an outage: retry a few times, then fail with the reason
        log.error("job %s failed unexpectedly", job.id.hex, exc_info=exc)
        services.requeue_job(job, f"{type(exc).__name__}: {exc}")


def _prepare(job: Job, workdir: Path, *, alone: bool) -> Prepared | None:
    """Fetch, fingerprint and search one job; None when the job was taken from this worker meanwhile.
    A job run `alone` reports its progress as it goes; a group's jobs do not (their lease thread
    keeps them, and the fence in _store finds any taken away): with two workers, these writes would
    wait on each other's store transactions (measured: 5 ms a picture)."""
    workdir.mkdir()
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
    if not save_type.searches:
        if alone and not services.heartbeat(job, 80):
            return None
        return Prepared(job, media_input, source_path, extraction, [], None)
    if alone and not services.heartbeat(job, 50):
        return None
    searched_at = current_generation(library.id)
    found = search_library(library, extraction.fingerprints, media_input.text)
    if alone and not services.heartbeat(job, 80):
        return None
    return Prepared(job, media_input, source_path, extraction, found, searched_at)


def _store(ready: list[Prepared]) -> None:
    """Store the jobs' results in one transaction, all or nothing, under the library's lock (the
    database decides duplicates, see _settled); only what this worker still holds is written."""
    library = ready[0].job.library
    saved: list[tuple[Media, list[Fingerprint]]] = []
    segments: list[str] = []
    try:
        with transaction.atomic():
            held = _still_held([one.job for one in ready])
            locked_at = _locked_generation(library) if held else None
            # Items saved earlier in the group are searched by the later jobs that search.
            searching = any(SaveType(one.job.save_type).searches for one in ready)
            group = GroupIndex() if searching and len(ready) > 1 else None
            ended = []
            for one in ready:
                if one.job.id not in held:
                    continue
                outcome = None
                with _failures_handled([one.job]), transaction.atomic():
                    outcome = _store_one(one, library, locked_at, group)
                    ended.append(one.job.id)
                if outcome is not None:
                    saved.append(outcome)
            segments = writer.index_saved_together(
                library.id, [(media.id, stored) for media, stored in saved]
            )
            services.announce_finished(ended)
    except BaseException:
        for media, _ in saved:  # the rows rolled back; the copied files must not stay behind
            if media.file:
                default_storage.delete(media.file.name)
        writer.forget_written(library.id, segments)
        raise


def _still_held(jobs: list[Job]) -> set:
    """Fence: only the worker that still holds a job's attempt may write its result."""
    attempts = dict(
        Job.objects.select_for_update()
        .filter(id__in=[job.id for job in jobs], status=JobStatus.ANALYSING)
        .values_list("id", "attempts")
    )
    return {job.id for job in jobs if attempts.get(job.id) == job.attempts}


def _locked_generation(library: Library) -> int:
    """Take the library's row lock (held to commit), so that its writers save one after another."""
    locked_at = (
        Library.objects.select_for_update().filter(id=library.id).values_list("index_generation", flat=True)
    ).first()
    if locked_at is None:
        raise ApiError(Codes.LIBRARY_NOT_FOUND, "The job's library was deleted while the job ran.")
    return locked_at


def _store_one(
    one: Prepared, library: Library, locked_at: int, group: GroupIndex | None
) -> tuple[Media, list[Fingerprint]] | None:
    """Store one job's result; returns the item it saved with its stored fingerprints, if it saved."""
    job, extraction, save_type = one.job, one.extraction, SaveType(one.job.save_type)
    found = _settled(library, locked_at, one, group)
    duplicate = any(match.global_similarity >= library.duplicate_threshold for match in found)
    should_save = save_type in (SaveType.FORCESAVE, SaveType.ONLYSAVE) or (
        save_type == SaveType.SAVE and not duplicate
    )
    if job.attempts > 1:  # matches are written with the job's end: a first attempt has none yet
        Match.objects.filter(job=job).delete()
    for match in found:
        match.job = job
    Match.objects.bulk_create(found)
    saved = None
    if should_save:
        stored = [registry.storable(fp) for fp in extraction.fingerprints]
        media = _save(job, stored, one, replace=save_type == SaveType.FORCESAVE)
        if group is not None:
            group.add(media.id, stored)
        saved = (media, stored)
    services.finish_job(
        job,
        saved_media=saved[0] if saved else None,
        input_meta=extraction.meta,
        notes=extraction.notes,
        announce=False,
    )
    return saved


def _settled(library: Library, locked_at: int, one: Prepared, group: GroupIndex | None) -> list[Match]:
    """The database decides duplicates: writers of one library hold its row lock to commit, and so
    save one after another. If the library changed since our search (another job saved an item,
    perhaps this very content), search again under the lock, so that concurrent `save` jobs of one
    content store it once and a concurrent `forcesave` replaces what the other saved. Items this
    worker's group saved before are not in the index yet: they are searched on their own."""
    if not SaveType(one.job.save_type).searches:
        return one.found
    fingerprints, text = one.extraction.fingerprints, one.media_input.text
    found = one.found if locked_at == one.searched_at else search_library(library, fingerprints, text)
    if group:
        found = sorted(
            found + search_library(library, fingerprints, text, within=group),
            key=lambda match: -match.global_similarity,
        )
    return found


class GroupIndex:
    """What a worker's group of jobs saved so far, searchable before its segment is written."""

    def __init__(self) -> None:
        self.indexes: dict[str, Index] = {}

    def add(self, media_id, stored: list[Fingerprint]) -> None:
        """Add a saved item by its stored fingerprints (registry.storable)."""
        for fingerprint in stored:
            fingerprinter = registry.named(fingerprint.fingerprinter)
            if fingerprinter.name not in self.indexes:
                self.indexes[fingerprinter.name] = fingerprinter.new_index()
            self.indexes[fingerprinter.name].add(media_id, fingerprint)

    def index(self, fingerprinter: Fingerprinter) -> Index:
        return self.indexes.get(fingerprinter.name) or fingerprinter.new_index()

    def __len__(self) -> int:
        return sum(len(index) for index in self.indexes.values())


def _save(job: Job, stored: list[Fingerprint], one: Prepared, *, replace: bool) -> Media:
    return save_media(
        library=job.library,
        primary_key=job.primary_key,
        media_type=job.media_type,
        fingerprints=stored,
        meta=one.extraction.meta,
        path=one.source_path if one.media_input.text is None else None,
        text=one.media_input.text,
        original_name=job.input_name,
        job=job,
        replace=replace,
        index=False,  # indexed with the rest of the job's group (_store)
        already_stored=True,
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
    library: Library,
    fingerprints: list[Fingerprint],
    query_text: str | None = None,
    within: GroupIndex | None = None,
) -> list[Match]:
    """The library items the fingerprints match, as unsaved matches (best first): one per item, with
    the highest similarity any fingerprinter gave it and the segments of every track. `within`:
    search only these just-saved items instead of the library's index."""
    merged: dict = {}
    for fingerprint in fingerprints:
        fingerprinter = registry.named(fingerprint.fingerprinter)
        index = library_index(library, fingerprinter) if within is None else within.index(fingerprinter)
        for hit in index.search(fingerprint, MATCH_LIMIT):
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
