"""Reads of jobs shared by the API and the pages, with strict filter parsing."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework import status

from core.errors import ApiError, Codes
from engine.text.reading import decode_text, read_text
from jobs.inputs import InputError, resolve_import_path
from jobs.models import CallbackAttempt, InputType, Job, JobStatus, Match
from libraries.access import Scope

MAX_IDS = 100


def jobs_with_results() -> QuerySet[Job]:
    return Job.objects.select_related("library").prefetch_related(
        Prefetch("matches", queryset=Match.objects.order_by("-global_similarity", "id")),
        Prefetch("callback_attempts", queryset=CallbackAttempt.objects.order_by("attempt")),
    )


def visible_jobs(scope: Scope) -> QuerySet[Job]:
    """The jobs the scope sees, with their results."""
    return jobs_with_results().filter(scope.jobs_q())


def get_job(job_id, *, scope: Scope) -> Job:
    """The job, or ResourceNotFound.Job; a job outside the scope does not exist for the caller."""
    try:
        return visible_jobs(scope).get(id=uuid.UUID(str(job_id)))
    except (ValueError, Job.DoesNotExist) as exc:
        raise ApiError(
            Codes.JOB_NOT_FOUND, f"Job {job_id!r} does not exist.", status.HTTP_404_NOT_FOUND
        ) from exc


def _parse_time(name: str, value: str):
    parsed = None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        pass
    if parsed is None:
        raise ApiError(
            f"InvalidParameter.{name.title().replace('_', '')}",
            f"{name}: use ISO 8601, e.g. 2026-11-21T10:00:00Z.",
        )
    return parsed


def filter_jobs(params, *, scope: Scope) -> QuerySet[Job]:
    """The jobs the scope sees, through the list filters (ids, status, library, created_after/before,
    pipeline)."""
    jobs = visible_jobs(scope)
    if ids := params.get("ids"):
        parts = [p.strip() for p in ids.split(",") if p.strip()]
        if len(parts) > MAX_IDS:
            raise ApiError("InvalidParameter.Ids", f"ids: at most {MAX_IDS} ids at a time.")
        try:
            jobs = jobs.filter(id__in=[uuid.UUID(p) for p in parts])
        except ValueError as exc:
            raise ApiError("InvalidParameter.Ids", "ids: comma-separated job ids.") from exc
    if value := params.get("status"):
        if value not in JobStatus.values:
            raise ApiError("InvalidParameter.Status", f"status: one of {', '.join(JobStatus.values)}.")
        jobs = jobs.filter(status=value)
    if value := params.get("library"):
        try:
            jobs = jobs.filter(library_id=uuid.UUID(value))
        except ValueError as exc:
            raise ApiError("InvalidParameter.Library", "library: a library id.") from exc
    if value := params.get("created_after"):
        jobs = jobs.filter(created_at__gte=_parse_time("created_after", value))
    if value := params.get("created_before"):
        jobs = jobs.filter(created_at__lt=_parse_time("created_before", value))
    if "pipeline" in params:
        jobs = jobs.filter(pipeline=params.get("pipeline"))
    return jobs


def job_source(job: Job):
    """The job's input as stored: a FieldFile, a Path under the import root, or None (inline text)."""
    if job.input_file:
        return job.input_file
    if job.input_type == InputType.MEDIA and job.input_media is not None and job.input_media.file:
        return job.input_media.file
    if job.input_type == InputType.PATH:
        try:
            return resolve_import_path(job.input_path, settings.IMPORT_ROOT)
        except InputError:
            return None
    return None


def query_text(job: Job) -> str:
    """The job's input as text (for a text job's review page); "" when it cannot be read."""
    if job.input_type == InputType.TEXT:
        return job.input_text
    if job.input_type == InputType.MEDIA and job.input_media is not None and not job.input_media.file:
        return job.input_media.text
    source = job_source(job)
    if source is None:
        return ""
    try:
        if isinstance(source, Path):
            return read_text(source)
        with source.open("rb") as handle:
            return decode_text(handle.read())
    except Exception:  # noqa: BLE001 - a page shows what it can; the job already holds the result
        return ""
