"""What a worker does with a claimed job: fetch the input, fingerprint it, search the library, save
it if the save type says so, and record the result, all or nothing."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File

from core.errors import ApiError, Codes
from core.kinds import accepts_inline_text
from engine.base import MediaError, MediaInput
from engine.extract import fingerprint_input
from engine.text.reading import read_text
from jobs import objects, searching, services
from jobs.failures import failures_handled
from jobs.inputs import InputError, download, resolve_import_path
from jobs.models import InputType, Job, SaveType
from jobs.storing import Prepared, store
from jobs.workdirs import make_workdir
from libraries.indexing.manifest import current_generation
from libraries.services import sha256_of


def run_job(job: Job) -> None:
    run_jobs([job])


def run_jobs(jobs: list[Job]) -> None:
    """Run claimed jobs of one library: one job, or a worker's group of a bulk import's jobs
    (jobs/tasks.py). Each is fingerprinted and searched on its own, a failure being that job's alone;
    then all are stored in one transaction and what they saved is indexed as one segment."""
    workdir = make_workdir(jobs[0].id.hex)
    try:
        ready: list[Prepared | None] = []
        for job in jobs:
            with failures_handled([job]):
                ready.append(_prepare(job, workdir / job.id.hex, alone=len(jobs) == 1))
        prepared = [one for one in ready if one is not None]
        if prepared:
            with failures_handled([one.job for one in prepared]):
                store(prepared)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _prepare(job: Job, workdir: Path, *, alone: bool) -> Prepared | None:
    """Fetch, fingerprint and search one job; None when the job was taken from this worker meanwhile.
    A job run `alone` reports its progress as it goes; a group's jobs do not (their lease thread
    keeps them, and the fence in jobs/storing.py finds any taken away): with two workers, these writes would
    wait on each other's store transactions (measured: 5 ms a picture)."""
    workdir.mkdir()
    library = job.library
    if library is None:
        raise ApiError(Codes.LIBRARY_NOT_FOUND, "The job's library was deleted before it ran.")
    media_input, source_path = _materialise(job, workdir)
    save_type = SaveType(job.save_type)
    # A lone job's long decode shows its progress. A group's jobs report none: each report is a write
    # that waits for the other workers' stores (measured: 2.5 s a worker in a 10-hour audio import).
    extraction = fingerprint_input(
        job.media_type,
        media_input,
        query=save_type.searches,
        progress=_reporter(job) if alone else None,
    )
    if not save_type.searches:
        if alone and not services.heartbeat(job, 80):
            return None
        return Prepared(job, media_input, source_path, extraction, [], None)
    if alone and not services.heartbeat(job, 50):
        return None
    searched_at = current_generation(library.id)
    found = searching.search_library(library, extraction.fingerprints, media_input.text)
    if alone and not services.heartbeat(job, 80):
        return None
    content = sha256_of(media_input.path, media_input.text)  # the same upload again: jobs/pairs.py
    return Prepared(job, media_input, source_path, extraction, found, searched_at, content)


# Of the job timeout, the share fingerprinting may use: the rest is for searching and storing.
FINGERPRINT_SHARE_OF_TIMEOUT = 0.9


def _reporter(job: Job):
    """The progress of a lone job's decode: 10% to 70% as the media is read (where its length is
    known), and a clear failure, not a killed worker, once it has used its share of the job timeout
    (a recording hours long recognised on a slow machine)."""
    limit = settings.JOB_TIMEOUT_SECONDS * FINGERPRINT_SHARE_OF_TIMEOUT
    deadline = time.monotonic() + limit

    def report(seconds: float, total: float | None = None) -> None:
        if time.monotonic() > deadline:
            read = f"{seconds:.0f} s" + (f" of {total:.0f} s" if total else "")
            raise MediaError(
                f"Fingerprinting stopped after {limit:.0f} s, 90% of the job timeout "
                f"(DNAPORTAL_JOB_TIMEOUT), having read {read} of the media: split the file, or raise "
                "the timeout.",
                Codes.JOB_TIMEOUT,
            )
        share = min(1.0, seconds / total) if total else 0.0
        services.heartbeat(job, 10 + int(60 * share))

    return report


def _materialise(job: Job, workdir: Path) -> tuple[MediaInput, Path | None]:
    """The job's input as a local file (or text), whatever its source."""
    if job.input_type == InputType.TEXT:
        return MediaInput(text=job.input_text), None
    if job.input_type == InputType.MEDIA and job.input_media is not None and not job.input_media.file:
        return MediaInput(text=job.input_media.text), None
    path = _local_file(job, workdir)
    if accepts_inline_text(job.media_type):
        return MediaInput(text=read_text(path)), None
    subtitles = job.input_subtitles
    if not subtitles and job.input_type == InputType.MEDIA and job.input_media is not None:
        subtitles = job.input_media.subtitles
    return MediaInput(path=path, subtitles=subtitles or None), path


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
