"""Alibaba Cloud MPS QueryFpShotJobList at /api/mps/, in JSON or XML (`Format=XML`).

List shape: the English reference shows lists as plain arrays (`"FpShotJobList": [...]`, and in XML the
element repeated); the Chinese reference, like Alibaba's classic RPC wire format its SDKs parse, wraps
each list in an object named after its item (`"FpShotJobList": {"FpShotJob": [...]}`).
DNAPORTAL_MPS_LIST_STYLE picks the JSON shape, `wrapped` (default) or `flat`; XML answers are flat, as
the XML example; a request may ask for either with `ListStyle=flat|wrapped`. Wrapped is the default
because the official MPS SDK (alibabacloud_mts20140618) reads each list through its wrapper
(`FpShotJobList.FpShotJob`, `FpShotSlices.FpShotSlice`...): given a flat array its models fail and the
caller gets an empty body, silently.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from django.conf import settings

from compat import paging, shapes
from compat.rpc import Action, Call, RpcError, endpoint
from core.roles import Role
from jobs import selectors as job_selectors
from jobs.models import Job, JobStatus, Match

STATES = {
    "Queuing": [JobStatus.QUEUING],
    "Analysing": [JobStatus.ANALYSING],
    "Success": [JobStatus.SUCCESS],
    "Fail": [JobStatus.FAIL, JobStatus.CANCELLED],
}
MAX_JOB_IDS = 10
# Item names of the wrapped lists (Chinese reference).
WRAPPERS = {
    "FpShotJobList": "FpShotJob",
    "AudioFpShots": "FpShot",
    "FpShots": "FpShot",
    "FpShotSlices": "FpShotSlice",
    "TextFpShots": "TextFpShot",
    "TextFpShotSlices": "TextFpShotSlice",
    "NonExistIds": "String",
}


def _number(value: float) -> str:
    """The reference gives times and similarities as strings of numbers ("46", "0.8914769887924194")."""
    return str(int(value)) if float(value).is_integer() else str(round(float(value), 6))


def _slices(segments: list[dict]) -> list[dict]:
    return [
        {
            "Duplication": {
                "Start": _number(s["library_start"]),
                "Duration": _number(s["library_end"] - s["library_start"]),
            },
            "Similarity": _number(s["similarity"]),
            "Input": {"Start": _number(s["start"]), "Duration": _number(s["end"] - s["start"])},
        }
        for s in segments
    ]


def _shot(match: Match, segments: list[dict]) -> dict:
    return {
        "PrimaryKey": match.primary_key,
        "FpShotSlices": _slices(segments),
        "Similarity": _number(match.global_similarity),
    }


def _text_shot(match: Match) -> dict:
    return {
        "PrimaryKey": match.primary_key,
        "Similarity": _number(match.global_similarity),
        "TextFpShotSlices": [
            {
                "Similarity": _number(s["similarity"]),
                "InputText": s.get("query_text", ""),
                "DuplicationText": s.get("library_text", ""),
                "InputFragment": {"Start": _number(s["start"]), "Duration": _number(s["end"] - s["start"])},
            }
            # Speech passages (asr jobs) are text to the cloud, in seconds instead of characters.
            for s in [*match.track("text"), *match.track("speech")]
        ],
    }


def fp_shot_result(job: Job) -> dict:
    matches = list(job.matches.all()) if job.status == JobStatus.SUCCESS else []
    return {
        "AudioFpShots": [_shot(m, m.track("audio")) for m in matches if m.track("audio")],
        # Image matches have no time segments: they are listed here with no slices.
        "FpShots": [_shot(m, m.track("video")) for m in matches if m.track("video") or not m.segment_count],
        "TextFpShots": [_text_shot(m) for m in matches if m.track("text") or m.track("speech")],
    }


def fp_shot_job(job: Job) -> dict:
    code, message = shapes.error_of(job)
    file = shapes.input_file(job)
    shown = {
        "FpShotResult": fp_shot_result(job),
        "CreationTime": shapes.utc(job.created_at),
        "FinishTime": shapes.utc(job.finished_at),
        "State": shapes.ALIBABA_STATES[job.status],
        "Message": message,
        "FpShotConfig": {
            "PrimaryKey": job.primary_key,
            "SaveType": job.save_type,
            "FpDBId": job.library_id.hex if job.library_id else "",
        },
        "FileId": job.saved_media_id.hex if job.saved_media_id else "",
        "UserData": job.user_data,
        "Duration": round(shapes.duration(job)),
        "Code": code,
        "InputFile": file,
        "PipelineId": job.pipeline,
        "Id": job.id.hex,
        "Input": json.dumps(file, separators=(",", ":")),
    }
    if not message:  # "not returned if the job is successful"
        del shown["Message"]
    return shown


def wrap(value, key: str | None = None):
    """The flat shape -> the wrapped one: every list under a WRAPPERS key becomes {item: [...]}."""
    if isinstance(value, dict):
        return {k: wrap(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [wrap(v) for v in value]
        return {WRAPPERS[key]: items} if key in WRAPPERS else items
    return value


def query(call: Call) -> dict:
    # The setting is the JSON shape (what the SDKs parse); XML answers are flat, as the XML example.
    fmt = call.get("Format", "JSON").upper()
    style = call.get("ListStyle") or (settings.MPS_LIST_STYLE if fmt == "JSON" else "flat")
    if style not in ("flat", "wrapped"):
        raise RpcError("InvalidParameter.ListStyle", "ListStyle: flat or wrapped.")
    ids = call.ids("JobIds", MAX_JOB_IDS)
    # NextPageToken is always there (empty on the last page), as the response table lists it.
    body: dict = {"NextPageToken": ""}
    if ids:
        parsed = {}
        for value in ids:
            try:
                parsed[value] = uuid.UUID(value)
            except ValueError:
                parsed[value] = None
        found = {
            job.id: job
            for job in job_selectors.visible_jobs(call.scope).filter(id__in=[u for u in parsed.values() if u])
        }
        body["FpShotJobList"] = [fp_shot_job(found[u]) for u in parsed.values() if u in found]
        missing = [value for value, u in parsed.items() if u not in found]
        if missing:
            body["NonExistIds"] = missing
    else:
        body = list_page(call)
    return wrap(body) if style == "wrapped" else body


def list_page(call: Call) -> dict:
    state = call.get("State", "All")
    if state != "All" and state not in STATES:
        raise RpcError("InvalidParameter.State", f"State: All or one of {', '.join(STATES)}.")
    params = {}
    for name, native in (
        ("StartOfJobCreatedTimeRange", "created_after"),
        ("EndOfJobCreatedTimeRange", "created_before"),
    ):
        if value := call.get(name):
            try:
                datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError as exc:
                raise RpcError(
                    f"InvalidParameter.{name}", f"{name}: ISO 8601 UTC, YYYY-MM-DDThh:mm:ssZ."
                ) from exc
            params[native] = value
    if "PipelineId" in call.params:
        params["pipeline"] = call.get("PipelineId")
    jobs = job_selectors.filter_jobs(params, scope=call.scope)
    if state != "All":
        jobs = jobs.filter(status__in=STATES[state])
    size = paging.page_size(call.get("MaximumPageSize"), default=10, name="MaximumPageSize")
    rows, token = paging.page(jobs, call.get("NextPageToken"), size)
    return {"NextPageToken": token, "FpShotJobList": [fp_shot_job(job) for job in rows]}


rpc = endpoint("MPS", {"QueryFpShotJobList": Action(query, Role.VIEWER)})
