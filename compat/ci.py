"""Tencent Cloud CI Video DNA at /api/ci/: `POST /api/ci/jobs` with the reference's XML <Request>, and
`GET /api/ci/jobs/{JobId}` to read a job back. XML in, XML out; errors as
<Error><Code/><Message/><Resource/><RequestId/><TraceId/>.

RuleType -> native job: GetFingerPrint = search and save (forcesave: the object key is the primary key,
so sending the same object again replaces its fingerprints); FindSimilarVideo = search only (nosave);
DeleteFingerPrint = delete item VideoId, recorded as a finished job. VideoId is the library item's id.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from compat import limits, shapes
from compat.auth import cos_user
from compat.errors import CompatError, outage_error
from core import xml
from core.errors import DATABASE_RETRY_AFTER_SECONDS, ApiError
from core.roles import Role, has_role
from jobs import selectors as job_selectors
from jobs import services as job_services
from jobs.models import InputType, Job, JobStatus, Operation, SaveType
from libraries import selectors as library_selectors
from libraries.access import Scope, scope_for

RULES = {"GetFingerPrint": SaveType.FORCESAVE, "FindSimilarVideo": SaveType.NOSAVE}
DELETE = "DeleteFingerPrint"
MAX_BODY = 64 * 1024


class CiError(CompatError):
    pass


def _native_error(exc: ApiError) -> CiError:
    if exc.status_code == 404 or exc.error_code.startswith("ResourceNotFound"):
        return CiError("NoSuchResource", exc.message, 404)
    if exc.status_code == 403:
        return CiError("AccessDenied", exc.message, 403)
    if exc.status_code == 409:
        return CiError("ResourceConflict", f"{exc.error_code}: {exc.message}", 409)
    if exc.status_code == 413:
        return CiError("EntityTooLarge", exc.message, 413)
    if exc.status_code == 503:
        return CiError("ServiceUnavailable", f"{exc.error_code}: {exc.message}", 503)
    return CiError("InvalidArgument", f"{exc.error_code}: {exc.message}", exc.status_code)


def _xml(root: str, body: dict, request, http_status: int = 200) -> HttpResponse:
    response = HttpResponse(xml.render(root, body), status=http_status, content_type="application/xml")
    response["x-ci-request-id"] = request.request_id
    return response


def _error(request, exc: CiError) -> HttpResponse:
    # Every element the COS SDK's error parser reads, none empty (it reads each one's text; one missing
    # and it reports the code as "Unknown"): Code, Message, Resource, RequestId, TraceId.
    body = {
        "Code": exc.code,
        "Message": exc.message or exc.code,
        "Resource": request.path,
        "RequestId": request.request_id,
        "TraceId": request.request_id,
    }
    response = _xml("Error", body, request, exc.http_status)
    if exc.code == "SlowDown":
        response["Retry-After"] = limits.retry_after()
    return response


def _caller(request, needed: Role, action: str) -> tuple[object, Scope]:
    """The signed-in caller and what they see (a token's or signature's library limit applies)."""
    prefix = request.path[: request.path.index("/jobs")] if "/jobs" in request.path else ""
    user = cos_user(request, [request.path, request.path[len(prefix) :]])
    if not has_role(user, needed):
        raise CiError("AccessDenied", f"This needs the {needed.group} role.", 403)
    if limits.over_limit(user.pk, f"CI:{action}"):
        raise CiError("SlowDown", "Please reduce your request rate.", 503)
    return user, scope_for(user, by_token=True)


# Shapes ---------------------------------------------------------------------------------------------


def _int(value: float) -> int:
    return int(round(value))


def detection(match) -> dict:
    segments = match.track("video") or match.track("audio")
    audio = max((s["similarity"] for s in match.track("audio")), default=0.0)
    library_duration = match.media.duration if match.media is not None else None
    return {
        "Audio": {"Similar": _int(audio * 100)},
        "Duration": _int(library_duration or 0),
        "MatchDetail": [
            {
                "MatchEndTime": _int(s["library_end"]),
                "MatchStartTime": _int(s["library_start"]),
                "SrcEndTime": _int(s["end"]),
                "SrcStartTime": _int(s["start"]),
            }
            for s in segments
        ],
        "Similar": _int(match.global_similarity * 100),
        "SimilarDuration": _int(sum(s["end"] - s["start"] for s in segments)),
        "VideoId": match.media_id.hex if match.media_id else match.primary_key,
    }


def _video_id(job: Job) -> str:
    """The input video's id: the item it was saved as (or deleted), else the job's own id."""
    if job.saved_media_id:
        return job.saved_media_id.hex
    return job.input_meta.get("deleted_media") or job.id.hex


def jobs_detail(job: Job) -> dict:
    code, message = shapes.error_of(job)
    bucket, key = shapes.object_name(job)
    dna_config = {"DnaDbId": job.library_id.hex if job.library_id else "", "RuleType": shapes.rule_type(job)}
    if job.operation == Operation.DELETE:
        dna_config["VideoId"] = _video_id(job)
    operation: dict = {}
    if job.status == JobStatus.SUCCESS:
        operation["DNAResult"] = {
            "Detection": [detection(m) for m in job.matches.all()],
            "Duration": _int(shapes.duration(job)),
            "VideoId": _video_id(job),
        }
    operation.update({"DnaConfig": dna_config, "UserData": job.user_data, "JobLevel": str(job.priority)})
    return {
        "Code": code or "Success",
        "Message": message,
        "JobId": job.id.hex,
        "State": shapes.TENCENT_STATES[job.status],
        "CreationTime": shapes.tencent_time(job.created_at),
        "StartTime": shapes.tencent_time(job.started_at),
        "EndTime": shapes.tencent_time(job.finished_at),
        "QueueId": job.pipeline or "default",
        "Tag": "DNA",
        "Input": {
            "BucketId": (bucket or settings.S3_BUCKET) if job.input_type == InputType.OBJECT else bucket,
            "Object": key or job.input_url or job.input_name,
            "Region": settings.S3_REGION if job.input_type == InputType.OBJECT else "",
        },
        "Operation": operation,
    }


def callback_body(job: Job) -> dict:
    return {"EventName": "TaskFinish", "JobsDetail": jobs_detail(job)}


# Requests ------------------------------------------------------------------------------------------


def _text(node: dict, *path: str) -> str:
    for name in path:
        node = node.get(name, {}) if isinstance(node, dict) else {}
    return node.strip() if isinstance(node, str) else ""


def _submit(request, user, scope: Scope, body: dict) -> Job:
    if _text(body, "Tag") != "DNA":
        raise CiError("InvalidArgument", "Tag must be DNA.")
    rule = _text(body, "Operation", "DnaConfig", "RuleType")
    if rule not in (*RULES, DELETE):
        raise CiError("InvalidArgument", f"RuleType: one of {', '.join([*RULES, DELETE])}.")
    db_id = _text(body, "Operation", "DnaConfig", "DnaDbId")
    if not db_id:
        raise CiError("InvalidArgument", "Operation.DnaConfig.DnaDbId is required.")
    library = library_selectors.get_library(db_id, scope=scope, http_status=404)
    level = _text(body, "Operation", "JobLevel") or "0"
    if level not in ("0", "1", "2"):
        raise CiError("InvalidArgument", "JobLevel: 0, 1 or 2.")
    callback = _text(body, "CallBack")
    if callback == "no":
        callback = ""
    callback_type = _text(body, "CallBackType") or "URL"
    if callback_type != "URL" or "CallBackMqConfig" in body:
        raise CiError("InvalidArgument", "CallBackType: only URL callbacks are supported.")
    callback_format = (_text(body, "CallBackFormat") or "XML").upper()
    if callback_format not in ("JSON", "XML"):
        raise CiError("InvalidArgument", "CallBackFormat: JSON or XML.")
    common = {
        "user_data": _text(body, "Operation", "UserData"),
        "priority": int(level),
        "callback_url": callback,
        "callback_format": callback_format.lower(),
        "api_style": "ci",
        "user": user,
        "request_id": request.request_id,
    }
    if rule == DELETE:
        video_id = _text(body, "Operation", "DnaConfig", "VideoId")
        if not video_id:
            raise CiError("InvalidArgument", "DeleteFingerPrint needs Operation.DnaConfig.VideoId.")
        media = library_selectors.find_media(video_id, scope=scope, http_status=404)
        if media.library_id != library.id:
            raise CiError("NoSuchResource", f"Video {video_id} is not in DNA library {db_id}.", 404)
        return job_services.delete_item_job(media=media, **common)
    key = _text(body, "Input", "Object").lstrip("/")
    if not key:
        raise CiError("InvalidArgument", "Input.Object is required.")
    if len(key) > 128 or any(ord(c) < 32 for c in key):
        # The object key becomes the item's primary key, which holds at most 128 characters.
        raise CiError("InvalidArgument", "Input.Object: at most 128 characters, no control characters.")
    return job_services.submit_job(
        library=library,
        primary_key=key,
        media_type=library.media_type,
        save_type=RULES[rule],
        object_key=key,
        **common,
    )


def _answers_in_xml(view):
    """Every failure of a CI view becomes a Tencent <Error>; nothing escapes as a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CompatError as exc:
            return _error(request, CiError(exc.code, exc.message, exc.http_status))
        except ApiError as exc:
            return _error(request, _native_error(exc))
        except (DatabaseError, OSError) as exc:  # an outage (the database away, the disk full) or a bug
            outage = outage_error(exc)
            if outage is None:
                raise
            response = _error(request, CiError(outage.code, outage.message, outage.http_status))
            if outage.http_status == 503:
                response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
            return response

    answering = csrf_exempt(wrapper)
    answering.own_error_shape = True  # a NUL cannot reach storage through XML (a parse error) or a job id
    return answering


@_answers_in_xml
def jobs(request):
    if request.method != "POST":
        raise CiError("MethodNotAllowed", "POST a <Request> to submit a DNA job.", 405)
    user, scope = _caller(request, Role.MODERATOR, "CreateMediaJobs")
    if len(request.body) > MAX_BODY:
        raise CiError("EntityTooLarge", f"The XML body is over {MAX_BODY} bytes.", 413)
    try:
        root, body = xml.parse(request.body)
    except xml.XmlError as exc:
        raise CiError("MalformedXML", str(exc)) from exc
    if root != "Request":
        raise CiError("MalformedXML", "The body's root element must be <Request>.")
    job = _submit(request, user, scope, body)
    # The job as submitted (Submitted, as Tencent answers), not read back: a worker may already hold it.
    return _xml("Response", {"JobsDetail": jobs_detail(job)}, request)


@_answers_in_xml
def job(request, job_id: str):
    if request.method != "GET":
        raise CiError("MethodNotAllowed", "GET reads a job.", 405)
    _, scope = _caller(request, Role.VIEWER, "DescribeMediaJob")
    return _xml("Response", {"JobsDetail": jobs_detail(job_selectors.get_job(job_id, scope=scope))}, request)
