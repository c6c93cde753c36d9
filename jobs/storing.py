"""Storing what claimed jobs found: their matches, the items they save and their end, in one
transaction under the library's lock, and only for the jobs this worker still holds. A worker's group
of import jobs is stored in a few statements for the whole group; should that fail, its jobs are
stored one by one, so that one job's trouble is that job's alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.errors import ApiError, Codes
from core.rows import update_each
from engine import registry
from engine.base import Fingerprint, MediaInput
from engine.extract import Extraction
from jobs import pairs, searching, services
from jobs.coverage import coverage_of
from jobs.failures import failures_handled
from jobs.models import Job, JobStatus, Match, SaveType
from jobs.searching import GroupIndex
from jobs.transcripts import packed
from libraries.indexing import writer
from libraries.models import Library, Media
from libraries.services import NewItem, delete_media, key_taken, new_media, save_media, save_media_together

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """A job fingerprinted (and searched, if its save type searches), ready to be stored."""

    job: Job
    media_input: MediaInput
    source_path: Path | None
    extraction: Extraction
    found: list[Match]
    searched_at: int | None
    input_sha256: str = ""  # for jobs that search (jobs/pairs.py)


class _Apart(Exception):
    """The group cannot be stored in one go (two of its jobs save one key): store it job by job."""


def store(ready: list[Prepared]) -> None:
    """Store the jobs' results, all or nothing (see the module's docstring)."""
    if len(ready) > 1:
        try:
            _store(ready, together=True)
            return
        except Exception as exc:  # everything rolled back: now each job on its own
            if not isinstance(exc, _Apart):
                log.warning("a group of %d jobs is stored one by one: %r", len(ready), exc)
    _store(ready, together=False)


def _store(ready: list[Prepared], *, together: bool) -> None:
    library = ready[0].job.library
    saved: list[tuple[Media, list[Fingerprint]]] = []
    segments: list[str] = []
    try:
        with transaction.atomic():
            held = _still_held([one.job for one in ready])
            kept = [one for one in ready if one.job.id in held]
            ended: list = []
            if kept:
                locked_at = _locked_generation(library)
                way = _store_together if together else _store_apart
                saved, ended = way(kept, library, locked_at, _group_index(kept))
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


def _group_index(kept: list[Prepared]) -> GroupIndex | None:
    """Items saved earlier in a group are searched by the group's later jobs that search."""
    searches = any(SaveType(one.job.save_type).searches for one in kept)
    return GroupIndex() if searches and len(kept) > 1 else None


def _store_apart(kept: list[Prepared], library: Library, locked_at: int, group: GroupIndex | None):
    """Each job in its own savepoint: a failure ends that job alone. Returns the items saved, with
    their stored fingerprints, and the jobs that ended well."""
    saved, ended = [], []
    for one in kept:
        with failures_handled([one.job]), transaction.atomic():
            outcome = _store_one(one, library, locked_at, group)
            ended.append(one.job.id)
            if outcome is not None:
                saved.append(outcome)
    return saved, ended


def _store_one(
    one: Prepared, library: Library, locked_at: int, group: GroupIndex | None
) -> tuple[Media, list[Fingerprint]] | None:
    """Store one job's result; returns the item it saved with its stored fingerprints, if it saved."""
    job, extraction = one.job, one.extraction
    found = _settled(library, locked_at, one, group)
    _write_matches([(one, found)])
    saved = None
    if _should_save(one, found, library):
        stored = [registry.storable(fp) for fp in extraction.fingerprints]
        media = save_media(
            library=library,
            primary_key=job.primary_key,
            media_type=job.media_type,
            fingerprints=stored,
            meta=extraction.meta,
            path=_content_path(one),
            text=one.media_input.text,
            subtitles=one.media_input.subtitles or "",
            original_name=job.input_name,
            job=job,
            replace=job.save_type == SaveType.FORCESAVE,
            index=False,  # indexed with the rest of the job's group (_store)
            already_stored=True,
        )
        if group is not None:
            group.add(media, stored)
        saved = (media, stored)
    services.finish_job(
        job,
        saved_media=saved[0] if saved else None,
        input_meta=extraction.meta,
        notes=extraction.notes,
        input_sha256=one.input_sha256,
        transcript=packed(extraction.words),
        announce=False,
    )
    return saved


def _store_together(kept: list[Prepared], library: Library, locked_at: int, group: GroupIndex | None):
    """The whole group in a few statements: its items, their fingerprints, its matches, its jobs' end
    (measured: 3.7 ms a job apart, most of it statements). Keys are checked in one query; a job whose
    key is taken fails alone, as it would apart."""
    keys = [one.job.primary_key for one in kept if one.job.save_type != SaveType.NOSAVE]
    if len(set(keys)) < len(keys):
        raise _Apart()
    existing = {m.primary_key: m for m in Media.objects.filter(library=library, primary_key__in=keys)}
    ending: list[tuple[Prepared, list[Match], tuple[Media, NewItem] | None]] = []
    for one in kept:
        with failures_handled([one.job]):
            found = _settled(library, locked_at, one, group)
            item = _to_save(one, found, library, existing.get(one.job.primary_key))
            entry = (new_media(library, item), item) if item is not None else None
            if entry is not None and group is not None:
                group.add(entry[0], item.fingerprints)
            ending.append((one, found, entry))
    entries = [entry for _, _, entry in ending if entry is not None]
    save_media_together(entries)
    _write_matches([(one, found) for one, found, _ in ending])
    _finish_together([(one, entry[0] if entry else None) for one, _, entry in ending])
    return [(media, item.fingerprints) for media, item in entries], [one.job.id for one, _, _ in ending]


def _to_save(one: Prepared, found: list[Match], library: Library, existing: Media | None) -> NewItem | None:
    """What the job saves, if it saves, its key made free (forcesave) or found taken (ApiError)."""
    if not _should_save(one, found, library):
        return None
    job = one.job
    if existing is not None:
        if job.save_type != SaveType.FORCESAVE:
            raise key_taken(library, job.primary_key)
        delete_media(media=existing)
    return NewItem(
        primary_key=job.primary_key,
        media_type=job.media_type,
        fingerprints=[registry.storable(fp) for fp in one.extraction.fingerprints],
        meta=one.extraction.meta,
        path=_content_path(one),
        text=one.media_input.text,
        original_name=job.input_name,
        job=job,
        subtitles=one.media_input.subtitles or "",
    )


def _finish_together(ending: list[tuple[Prepared, Media | None]]) -> None:
    """Record the jobs' success in one statement (the fence, _still_held, locked their rows)."""
    now, jobs = timezone.now(), []
    for one, media in ending:
        job = one.job
        job.status, job.progress, job.finished_at = JobStatus.SUCCESS, 100, now
        job.saved, job.saved_media = media is not None, media
        job.input_meta, job.notes = one.extraction.meta, list(one.extraction.notes)
        job.input_sha256 = one.input_sha256
        job.transcript = packed(one.extraction.words)
        jobs.append(job)
    fields = [
        "status",
        "progress",
        "finished_at",
        "saved",
        "saved_media",
        "input_meta",
        "notes",
        "input_sha256",
        "transcript",
    ]
    update_each(jobs, fields)


def _write_matches(answers: list[tuple[Prepared, list[Match]]]) -> None:
    """The jobs' matches, with how much of the upload each covers and the earlier match of its pair;
    a job's earlier attempt wrote none (they are written with its end), unless it ended and was run
    again."""
    retried = [one.job.id for one, _ in answers if one.job.attempts > 1]
    if retried:
        Match.objects.filter(job_id__in=retried).delete()
    matches, taken = [], []
    for one, found in answers:
        one.job.input_sha256 = one.input_sha256
        for match in found:
            match.job = one.job
            match.query_coverage = coverage_of(match.segments, one.extraction.meta, match.media).copied_share
            matches.append(match)
        if found:
            taken += pairs.join_earlier_pairs(one.job, found)
    Match.objects.bulk_create(matches)
    pairs.log_taken_decisions(taken)


def _should_save(one: Prepared, found: list[Match], library: Library) -> bool:
    save_type = SaveType(one.job.save_type)
    duplicate = any(match.global_similarity >= library.duplicate_threshold for match in found)
    return save_type in (SaveType.FORCESAVE, SaveType.ONLYSAVE) or (
        save_type == SaveType.SAVE and not duplicate
    )


def _content_path(one: Prepared) -> Path | None:
    return one.source_path if one.media_input.text is None else None


def _settled(library: Library, locked_at: int, one: Prepared, group: GroupIndex | None) -> list[Match]:
    """The database decides duplicates: writers of one library hold its row lock to commit, and so
    save one after another. If the library changed since our search (another job saved an item,
    perhaps this very content), search again under the lock, so that concurrent `save` jobs of one
    content store it once and a concurrent `forcesave` replaces what the other saved. Items this
    worker's group saved before are not in the index yet: they are searched on their own."""
    if not SaveType(one.job.save_type).searches:
        return one.found
    search = searching.search_library
    fingerprints, text = one.extraction.fingerprints, one.media_input.text
    found = one.found if locked_at == one.searched_at else search(library, fingerprints, text)
    if group:
        found = sorted(
            found + search(library, fingerprints, text, within=group),
            key=lambda match: -match.global_similarity,
        )
    return found
