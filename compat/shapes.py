"""Facts about a native job that every cloud shape needs: times, states, where its input came from."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from jobs.models import InputType, Job, JobStatus, Operation, SaveType

ALIBABA_STATES = {
    JobStatus.QUEUING: "Queuing",
    JobStatus.ANALYSING: "Analysing",
    JobStatus.SUCCESS: "Success",
    JobStatus.FAIL: "Fail",
    JobStatus.CANCELLED: "Fail",  # Alibaba has no cancelled state; Code says JobCancelled
}
TENCENT_STATES = {
    JobStatus.QUEUING: "Submitted",
    JobStatus.ANALYSING: "Running",
    JobStatus.SUCCESS: "Success",
    JobStatus.FAIL: "Failed",
    JobStatus.CANCELLED: "Cancel",
}
CANCELLED_CODE = "JobCancelled"


def utc(moment: datetime | None) -> str:
    """Alibaba's time format, 2022-12-28T03:21:37Z; empty when not yet."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def tencent_time(moment: datetime | None) -> str:
    """Tencent's time format, 2022-06-27T15:23:10+0000; `-` when not yet."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z") if moment else "-"


def error_of(job: Job) -> tuple[str, str]:
    if job.status == JobStatus.CANCELLED and not job.error_code:
        return CANCELLED_CODE, "The job was cancelled before it ran."
    return job.error_code, job.error_message


def object_name(job: Job) -> tuple[str, str]:
    """(bucket, object) the input was read from, when it was named as an object (or a path, which is
    the same thing under the import root)."""
    if job.input_key:
        return job.input_bucket, job.input_key
    if job.input_type == InputType.PATH:
        bucket, _, key = job.input_path.partition("/")
        return (bucket, key) if key else ("", bucket)
    return "", ""


def ice_input(job: Job) -> dict:
    """Input {Type, Media} as ICE shows it. Portal-only inputs use Type Upload or Text."""
    bucket, key = object_name(job)
    if key:
        return {"Type": "OSS", "Media": f"oss://{bucket}/{key}" if bucket else key}
    if job.input_type == InputType.URL:
        return {"Type": "OSS", "Media": job.input_url}
    if job.input_type == InputType.MEDIA:
        media_id = job.input_media_id or job.input_meta.get("deleted_media", "")
        return {"Type": "Media", "Media": media_id.hex if hasattr(media_id, "hex") else media_id}
    if job.input_type == InputType.TEXT:
        return {"Type": "Text", "Media": f"{len(job.input_text)} characters"}
    return {"Type": "Upload", "Media": job.input_name}


def input_file(job: Job | None) -> dict:
    """InputFile {Bucket, Location, Object} (MPS, ICE ListDNAFiles)."""
    if job is None:
        return {"Bucket": "", "Location": "", "Object": ""}
    bucket, key = object_name(job)
    if not key:
        key = job.input_url or job.input_name
    location = settings.S3_REGION if job.input_type == InputType.OBJECT else ""
    return {"Bucket": bucket, "Location": location, "Object": key}


def rule_type(job: Job) -> str:
    """Tencent CI's RuleType for any job, whichever API submitted it."""
    if job.operation == Operation.DELETE:
        return "DeleteFingerPrint"
    return "FindSimilarVideo" if job.save_type == SaveType.NOSAVE else "GetFingerPrint"


def duration(job: Job) -> float:
    value = job.input_meta.get("duration")
    if value is None and job.input_media is not None:
        value = job.input_media.duration
    return float(value or 0)
