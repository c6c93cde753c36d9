"""Writes to jobs: submit, cancel, claim, finish, fail, requeue. The API, the pages and the worker
call these; each state change is a compare-and-set on the job's status, so two workers never both win.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from rest_framework import status

from core import kinds
from core.errors import ApiError, Codes
from engine.base import MediaError
from engine.speech.subtitles import MAX_SUBTITLE_BYTES, parse_cues
from engine.text.reading import decode_text
from jobs import objects
from jobs.callbacks import schedule_callback
from jobs.events import job_finished
from jobs.inputs import InputError, check_url, resolve_import_path
from jobs.limits import check_waiting_quota, quota_refusal, waiting_room
from jobs.models import ApiStyle, CallbackFormat, InputType, Job, JobStatus, Operation, SaveType
from jobs.pipelines import served
from libraries.access import team_of_job
from libraries.models import Library, Media
from libraries.services import delete_media

log = logging.getLogger(__name__)

PIPELINE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
USER_DATA_MAX_BYTES = 128


def _input_error(exc: InputError) -> ApiError:
    http = status.HTTP_403_FORBIDDEN if exc.code.startswith("Forbidden") else status.HTTP_400_BAD_REQUEST
    if not exc.permanent:  # e.g. the object store is down: try again later
        http = status.HTTP_503_SERVICE_UNAVAILABLE
    return ApiError(exc.code, exc.message, http)


def check_callback_url(url: str) -> None:
    if url:
        try:
            check_url(url, settings.ALLOWED_PRIVATE_NETWORKS)
        except InputError as exc:
            raise ApiError(
                exc.code if exc.code.startswith("Forbidden") else "InvalidParameter.CallbackUrl",
                f"callback_url: {exc.message}",
                status.HTTP_400_BAD_REQUEST,
            ) from exc


def submit_job(
    *,
    library: Library,
    primary_key: str,
    media_type: str,
    save_type: str = SaveType.SAVE,
    upload: UploadedFile | None = None,
    user=None,
    wake: bool = True,
    **given,
) -> Job:
    """Validate a submission completely, store it, and queue it once the transaction commits.

    The input is exactly one of (see _checked_job): an upload, a URL, a path under the import root,
    inline text, an item already in the portal (`source_media`), or an object (`object_key`, with
    `object_bucket` or the store's default bucket) read from the object store or, without one, from
    the import root. `wake=False` sends no wake-up to the workers: the caller sends them
    (wake_workers), fewer than one per job for a bulk import's groups. The rest of `given` is how
    the job is run and answered: user_data, priority, pipeline, callback_url, callback_format,
    api_style, request_id (see _new_job).
    """
    _check_kind(library, media_type)
    _check_key_free(library, primary_key, save_type)
    check_waiting_quota(user)
    job = _checked_job(
        library=library,
        primary_key=primary_key,
        media_type=media_type,
        save_type=save_type,
        upload=upload,
        user=user,
        **given,
    )
    with transaction.atomic():
        if upload is not None:
            job.input_file.save(job.input_name, upload, save=False)
        job.save()
        if wake:
            transaction.on_commit(lambda: enqueue(job.pipeline))
    return job


def submit_jobs(library: Library, specs: list[dict], *, user=None) -> list[Job | ApiError]:
    """Jobs of one library given by a path or a URL (a bulk import's next items), each checked as
    submit_job checks it, written in one statement, with no wake-up (the caller wakes the workers,
    wake_workers). Returns, for each spec, its job or the ApiError that refused it. `specs`: the
    keyword arguments of submit_job, without library and user."""
    keys = [spec["primary_key"] for spec in specs]
    held = set(
        Media.objects.filter(library=library, primary_key__in=keys).values_list("primary_key", flat=True)
    )
    room = waiting_room(user)
    answers: list[Job | ApiError] = []
    for spec in specs:
        try:
            _check_kind(library, spec["media_type"])
            if spec["primary_key"] in held:
                _check_key_free(library, spec["primary_key"], spec.get("save_type", SaveType.SAVE))
            if room is not None and room <= 0:
                raise quota_refusal(room)
            answers.append(_checked_job(library=library, user=user, **spec))
            room = None if room is None else room - 1
        except ApiError as exc:
            answers.append(exc)
    Job.objects.bulk_create([job for job in answers if isinstance(job, Job)])
    return answers


def _checked_job(
    *,
    library: Library,
    primary_key: str,
    media_type: str,
    save_type: str = SaveType.SAVE,
    upload: UploadedFile | None = None,
    url: str = "",
    path: str = "",
    text: str | None = None,
    source_media: Media | None = None,
    object_bucket: str = "",
    object_key: str = "",
    subtitles: str | None = None,
    subtitles_path: str = "",
    user=None,
    **delivery,
) -> Job:
    """A job, not saved yet, with everything it was given checked (but the library's kind, its key
    and the user's quota, which the callers check)."""
    job = _new_job(library=library, primary_key=primary_key, media_type=media_type, user=user, **delivery)
    job.save_type = save_type
    if subtitles_path:
        subtitles = _read_subtitles(subtitles_path)
    if subtitles is not None:
        _set_subtitles(job, subtitles)
    sources = [upload is not None, bool(url), bool(path), text is not None, source_media is not None]
    if sum(sources) + bool(object_key) != 1:
        raise ApiError(
            "MissingParameter.Input",
            "Give exactly one input: a file upload, input {type: url|path|object|media, media}, or text.",
        )
    if upload is not None:
        _set_upload_input(job, upload)
    elif url:
        _set_url_input(job, url)
    elif object_key:
        _set_object_input(job, object_bucket, object_key)
    elif source_media is not None:
        _set_media_input(job, source_media)
    elif path:
        _set_path_input(job, path)
    else:
        _set_text_input(job, text)
    return job


def _check_kind(library: Library, media_type: str) -> None:
    if not library.accepts(media_type):
        raise ApiError(
            "InvalidParameter.MediaType",
            f"Library {library.name!r} holds {library.media_type}; a {media_type} job cannot use it.",
        )
    if not kinds.can_fingerprint(media_type):
        raise ApiError(
            Codes.UNSUPPORTED_MEDIA_TYPE, f"This portal cannot fingerprint {media_type} media yet."
        )


def _check_key_free(library: Library, primary_key: str, save_type: str) -> None:
    if save_type in (SaveType.SAVE, SaveType.ONLYSAVE):
        if Media.objects.filter(library=library, primary_key=primary_key).exists():
            raise ApiError(
                Codes.PRIMARY_KEY_EXISTS,
                f"Library {library.name!r} already holds primary key {primary_key!r}; "
                "use save type forcesave to replace it, or nosave to only search.",
                status.HTTP_409_CONFLICT,
            )


def _new_job(
    *,
    library: Library,
    primary_key: str,
    media_type: str,
    user=None,
    user_data: str = "",
    priority: int = 0,
    pipeline: str = "",
    callback_url: str = "",
    callback_format: str = CallbackFormat.JSON,
    api_style: str = ApiStyle.NATIVE,
    request_id: str = "",
    batch_id=None,
) -> Job:
    """An unsaved job with what every job has, checked: who asked, how to run it, how to answer
    (`batch_id`: the bulk import it belongs to, if any)."""
    if len(user_data.encode("utf-8")) > USER_DATA_MAX_BYTES:
        raise ApiError(
            "InvalidParameter.UserData",
            f"user_data is {len(user_data.encode())} bytes; at most {USER_DATA_MAX_BYTES} are allowed.",
        )
    if pipeline and not PIPELINE_NAME.match(pipeline):
        raise ApiError("InvalidParameter.Pipeline", "pipeline: use 1-64 letters, digits, '_' or '-'.")
    if not served(pipeline):
        raise ApiError(
            Codes.PIPELINE_NOT_FOUND,
            f"No worker serves pipeline {pipeline!r}, so the job would wait for ever; start one with "
            f"Q_CLUSTER_NAME={pipeline} manage.py qcluster, or leave pipeline empty for the default queue.",
        )
    if priority not in (0, 1, 2):
        raise ApiError("InvalidParameter.Priority", "priority must be 0, 1 or 2.")
    check_callback_url(callback_url)
    if callback_format not in CallbackFormat.values:
        raise ApiError("InvalidParameter.CallbackFormat", "callback_format: json or xml.")
    return Job(
        library=library,
        primary_key=primary_key,
        media_type=media_type,
        user_data=user_data,
        priority=priority,
        pipeline=pipeline,
        callback_url=callback_url,
        callback_format=callback_format,
        api_style=api_style,
        request_id=request_id,
        team_id=team_of_job(library, user),
        batch_id=batch_id,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def _set_upload_input(job: Job, upload: UploadedFile) -> None:
    if upload.size == 0:
        raise ApiError(Codes.FILE_EMPTY, "The uploaded file is empty (0 bytes).")
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise ApiError(
            Codes.FILE_TOO_LARGE,
            f"The file is {upload.size} bytes; the limit is {settings.MAX_UPLOAD_BYTES}.",
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    job.input_type = InputType.UPLOAD
    job.input_name = Path(upload.name or "upload").name[:255]


def _set_url_input(job: Job, url: str) -> None:
    try:
        check_url(url, settings.ALLOWED_PRIVATE_NETWORKS)
    except InputError as exc:
        raise _input_error(exc) from exc
    job.input_type, job.input_url = InputType.URL, url
    job.input_name = Path(url.split("?")[0]).name[:255]


def _set_path_input(job: Job, path: str) -> None:
    try:
        resolve_import_path(path, settings.IMPORT_ROOT)
    except InputError as exc:
        raise _input_error(exc) from exc
    job.input_type, job.input_path = InputType.PATH, path
    job.input_name = Path(path).name[:255]


def _read_subtitles(path: str) -> str:
    """A subtitle file under the import root (a bulk import's sidecar or manifest column)."""
    try:
        found = resolve_import_path(path, settings.IMPORT_ROOT)
        if found.stat().st_size > MAX_SUBTITLE_BYTES:
            raise ApiError(
                "InvalidParameter.Subtitles", f"The subtitle file {path!r} is too large to be one."
            )
        return decode_text(found.read_bytes())
    except InputError as exc:
        raise ApiError("InvalidParameter.Subtitles", f"subtitles: {exc.message}") from exc
    except MediaError as exc:
        raise ApiError(
            "InvalidParameter.Subtitles", f"The subtitle file {path!r} is not text: {exc}"
        ) from exc


def _set_subtitles(job: Job, subtitles: str) -> None:
    """Subtitles given with a speech job's file: checked now, so a broken file is refused at once."""
    if not kinds.accepts_subtitles(job.media_type):
        raise ApiError("InvalidParameter.Subtitles", "Subtitles are given with speech (asr) jobs only.")
    try:
        parse_cues(subtitles)
    except MediaError as exc:
        raise ApiError("InvalidParameter.Subtitles", f"The subtitles are not SRT or WebVTT: {exc}") from exc
    job.input_subtitles = subtitles


def _set_text_input(job: Job, text: str) -> None:
    if not kinds.accepts_inline_text(job.media_type) or not text.strip():
        raise ApiError("InvalidParameter.Text", "Inline text is for text jobs and must not be empty.")
    job.input_type, job.input_text = InputType.TEXT, text


def _set_object_input(job: Job, bucket: str, key: str) -> None:
    try:
        objects.check_name(bucket, key)
        if objects.store_configured():
            objects.check_object(bucket, key)  # a missing object is refused now, not by the worker
            job.input_type, job.input_bucket, job.input_key = InputType.OBJECT, bucket, key
        else:
            job.input_path = objects.import_path(bucket, key)
            resolve_import_path(job.input_path, settings.IMPORT_ROOT)
            job.input_type = InputType.PATH
            job.input_bucket, job.input_key = bucket, key
    except InputError as exc:
        raise _input_error(exc) from exc
    job.input_name = Path(key).name[:255]


def _set_media_input(job: Job, media: Media) -> None:
    if media.media_type != job.media_type:
        raise ApiError(
            "InvalidParameter.MediaType",
            f"Item {media.id.hex} is {media.media_type}; a {job.media_type} job cannot use it.",
        )
    job.input_type, job.input_media = InputType.MEDIA, media
    job.input_name = (media.original_name or media.primary_key)[:255]


def enqueue(pipeline: str = "") -> None:
    """Queue one unit of work for a pipeline. The worker that takes it runs the best queuing job."""
    from django_q.tasks import async_task

    options = {"cluster": pipeline} if pipeline else {}
    async_task("jobs.tasks.process_next_job", pipeline, task_name="dna-job", **options)


def wake_workers(pipeline: str, jobs: int, *, batched: bool) -> int:
    """Wake-ups for newly queued jobs: one a job, or one a group (settings.IMPORT_GROUP) for the jobs
    of a bulk import, which a worker takes together. Returns how many were sent."""
    wake_ups = wake_ups_needed(jobs, batched=batched)
    for _ in range(wake_ups):
        enqueue(pipeline)
    return wake_ups


def wake_ups_needed(jobs: int, *, batched: bool) -> int:
    return -(-jobs // settings.IMPORT_GROUP) if batched else jobs


def delete_item_job(*, media: Media, user=None, **delivery) -> Job:
    """Delete a library item and record it as a finished job (Tencent CI's DeleteFingerPrint), so the
    deletion reads back like any job and its callback fires like any job's. `delivery` as for
    submit_job."""
    job = _new_job(
        library=media.library,
        primary_key=media.primary_key,
        media_type=media.media_type,
        user=user,
        **delivery,
    )
    now = timezone.now()
    job.save_type, job.operation = SaveType.NOSAVE, Operation.DELETE
    job.input_type, job.input_name = InputType.MEDIA, (media.original_name or media.primary_key)[:255]
    job.input_meta = {"deleted_media": media.id.hex}
    job.status, job.progress, job.started_at, job.finished_at = JobStatus.SUCCESS, 100, now, now
    with transaction.atomic():
        job.save()
        delete_media(media=media)
        _after_finish(job.id)
    return job


def cancel_job(*, job: Job) -> Job:
    changed = Job.objects.filter(id=job.id, status=JobStatus.QUEUING).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    if changed:
        _after_finish(job.id)  # a cancelled job is finished too: its callback says so
    else:
        raise ApiError(
            Codes.INCORRECT_JOB_STATUS,
            f"Only queuing jobs can be cancelled; this job is {job.status}.",
            status.HTTP_409_CONFLICT,
        )
    return job


def claimable(pipeline: str = ""):
    """Queuing jobs of a pipeline that a worker may take now (not waiting out a back-off)."""
    now = timezone.now()
    return Job.objects.filter(status=JobStatus.QUEUING, pipeline=pipeline).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )


def _taken(now) -> dict:
    """The fields a claim sets: the job is a worker's, for one more attempt, from now."""
    return {
        "status": JobStatus.ANALYSING,
        "started_at": now,
        "heartbeat_at": now,
        "attempts": F("attempts") + 1,
        "progress": 0,
        "error_code": "",
        "error_message": "",
    }


def claim_next_job(pipeline: str = "") -> Job | None:
    """Take the highest-priority, oldest queuing job of a pipeline (compare-and-set)."""
    for _ in range(10):
        candidate = (
            claimable(pipeline).order_by("-priority", "created_at").values_list("id", flat=True).first()
        )
        if candidate is None:
            return None
        now = timezone.now()
        won = Job.objects.filter(id=candidate, status=JobStatus.QUEUING).update(**_taken(now))
        if won:
            return Job.objects.select_related("library").get(id=candidate)
    return None


def claim_batch_mates(job: Job) -> list[Job]:
    """More queuing jobs of the job's bulk import, taken with it so that a worker runs them together
    (jobs/pipeline.py): for short items, a job's own bookkeeping costs as much as its fingerprinting.
    Up to IMPORT_GROUP jobs in all, whose files add up to at most IMPORT_GROUP_BYTES, and at most
    half of what the batch has queued, so that its last items spread over the workers. A group the
    sizes or the halving cut short passes on a wake-up for what it left (the feeder sends one a full
    group)."""
    if job.batch_id is None or settings.IMPORT_GROUP <= 1:
        return []
    queued = claimable(job.pipeline).filter(batch_id=job.batch_id)
    waiting = queued.count()
    wanted = settings.IMPORT_GROUP - 1
    candidates = queued.order_by("-priority", "created_at").values_list("id", "input_type", "input_path")
    room = settings.IMPORT_GROUP_BYTES - _input_bytes(job.input_type, job.input_path)
    chosen = []
    for candidate, input_type, input_path in candidates[: wanted if waiting > wanted else (waiting + 1) // 2]:
        room -= _input_bytes(input_type, input_path)
        if room < 0:
            break
        chosen.append(candidate)
    if len(chosen) < wanted and waiting > len(chosen):
        transaction.on_commit(lambda: enqueue(job.pipeline))
    if not chosen:
        return []
    now = timezone.now()
    # One claim for the group: rows locked as they are read (PostgreSQL: locked ones skipped, another
    # worker has them); SQLite's transaction holds the write lock from its start.
    with transaction.atomic():
        won = list(
            queued.select_for_update(skip_locked=True).filter(id__in=chosen).values_list("id", flat=True)
        )
        Job.objects.filter(id__in=won, status=JobStatus.QUEUING).update(**_taken(now))
    mates = Job.objects.select_related("library").in_bulk(won)
    return [mates[candidate] for candidate in chosen if candidate in mates]


def _input_bytes(input_type: str, input_path: str) -> int:
    """The size of a job's input when it is a file under the import root; otherwise (a download, an
    upload, a file gone) the whole group's room, so that the job goes alone or first."""
    if input_type != InputType.PATH:
        return settings.IMPORT_GROUP_BYTES
    try:
        return resolve_import_path(input_path, settings.IMPORT_ROOT).stat().st_size
    except (InputError, OSError):
        return settings.IMPORT_GROUP_BYTES


def held_by_worker(job: Job):
    """The job's row, only while this worker still holds it (same status and attempt)."""
    return Job.objects.filter(id=job.id, status=JobStatus.ANALYSING, attempts=job.attempts)


def heartbeat(job: Job, progress: int) -> bool:
    """Report progress; False means the job was taken away (reaped or cancelled)."""
    return bool(held_by_worker(job).update(progress=progress, heartbeat_at=timezone.now()))


def held_together(jobs) -> int:
    """Refresh the heartbeat of the jobs this worker still holds; returns how many it holds."""
    held = Q(pk__in=[])
    for job in jobs:
        held |= Q(id=job.id, attempts=job.attempts)
    return Job.objects.filter(held, status=JobStatus.ANALYSING).update(heartbeat_at=timezone.now())


def fail_job(job: Job, code: str, message: str) -> bool:
    done = held_by_worker(job).update(
        status=JobStatus.FAIL,
        error_code=code[:64],
        error_message=message,
        finished_at=timezone.now(),
    )
    if done:
        _after_finish(job.id)
    return bool(done)


def requeue_job(job: Job, reason: str, code: str = Codes.INTERNAL_ERROR) -> bool:
    """A transient failure: give the job back to the queue (or fail it after the last attempt)."""
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        return fail_job(job, code, f"Gave up after {job.attempts} attempts: {reason}")
    delay = retry_delay(job.attempts)
    not_before = timezone.now() + timedelta(seconds=delay) if delay else None
    done = held_by_worker(job).update(status=JobStatus.QUEUING, error_message=reason, not_before=not_before)
    if done and not delay:
        transaction.on_commit(lambda: enqueue(job.pipeline))
    # A delayed job is woken by the queue sweeper (jobs/sweeper.py) once its time has come.
    return bool(done)


def retry_delay(attempts: int) -> int:
    """Seconds a job waits after its `attempts`-th attempt failed: none after the first (a killed
    worker's job comes straight back), then JOB_RETRY_BACKOFF_SECONDS, doubling."""
    if attempts <= 1:
        return 0
    return settings.JOB_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 2)


def _after_finish(job_id) -> None:
    announce_finished([job_id])


def announce_finished(job_ids: list) -> None:
    """Once the transaction commits: each job's callback, and one job_finished signal per batch for
    the jobs that ended together (a worker's group of import jobs advances its batch once)."""

    def after_commit() -> None:
        batches: dict = {}
        ended = Job.objects.filter(id__in=job_ids).values_list("id", "batch_id", "callback_url")
        for job_id, batch_id, callback_url in ended:
            if callback_url:
                schedule_callback(job_id, attempt=1)
            batches.setdefault(batch_id, []).append(job_id)
        # A listener's failure is its own (logged): the jobs' end is committed whatever it does.
        for batch_id, ended in batches.items():
            for receiver, outcome in job_finished.send_robust(sender=Job, job_ids=ended, batch_id=batch_id):
                if isinstance(outcome, Exception):
                    log.error("jobs %s: %s failed on their end: %r", ended, receiver, outcome)

    transaction.on_commit(after_commit)


def finish_job(
    job: Job,
    *,
    saved_media: Media | None,
    input_meta: dict,
    notes: list[str] = (),
    input_sha256: str = "",
    transcript: dict | None = None,
    announce: bool = True,
) -> bool:
    """Record a job's success. `announce=False` leaves announce_finished to the caller (for jobs that
    end together)."""
    done = held_by_worker(job).update(
        status=JobStatus.SUCCESS,
        progress=100,
        saved=saved_media is not None,
        saved_media=saved_media,
        input_meta=input_meta,
        notes=list(notes),
        input_sha256=input_sha256,
        transcript=transcript or {},
        finished_at=timezone.now(),
    )
    if done and announce:
        _after_finish(job.id)
    return bool(done)


def reap_stale_jobs() -> int:
    """Jobs whose worker stopped sending heartbeats (killed, machine lost) go back to the queue."""
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    stale = Job.objects.filter(status=JobStatus.ANALYSING, heartbeat_at__lt=cutoff)
    count = 0
    for job in stale:
        with transaction.atomic():
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                if fail_job(
                    job,
                    Codes.JOB_LOST,
                    f"The worker stopped responding on each of {job.attempts} attempts.",
                ):
                    count += 1
            elif requeue_job(job, "The worker processing this job stopped responding."):
                count += 1
                log.warning("requeued job %s after its worker went silent", job.id.hex)
    return count
