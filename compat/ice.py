"""Alibaba Cloud Intelligent Media Services (ICE) DNA actions at /api/ice/ (SubmitDNAJob,
QueryDNAJobList, CreateDNADB, ListDNADB, DeleteDNADB, ListDNAFiles, DeleteDNAFiles) and the DNAResult
document each finished job points to. Ids are the portal's: JobId = job id, DBId = library id."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from compat import paging, shapes
from compat.auth import AuthFailed, bearer_user
from compat.rpc import Action, Call, RpcError, endpoint, error_response
from core.errors import ApiError
from core.kinds import MediaKind
from core.roles import Role, has_role
from jobs import selectors as job_selectors
from jobs import services as job_services
from jobs.models import Job, JobStatus, SaveType
from libraries import selectors as library_selectors
from libraries import services as library_services
from libraries.access import Scope, refuse_limited_token, scope_for, sole_team
from libraries.models import Library

MODELS = {
    "Video": MediaKind.VIDEO,
    "Audio": MediaKind.AUDIO,
    "Image": MediaKind.IMAGE,
    "Text": MediaKind.TEXT,
}
MODEL_NAMES = {value: name for name, value in MODELS.items()}
RESULT_SALT = "dnaportal.ice.dna-result"
RESULT_URL_SECONDS = 7 * 24 * 3600  # how long a DNAResult link works without a token
MAX_JOB_IDS = 10


# Libraries ---------------------------------------------------------------------------------------


def db_info(library: Library) -> dict:
    return {
        "DBId": library.id.hex,
        "Name": library.name,
        "Description": library.description,
        "Model": MODEL_NAMES[library.media_type],
        "Status": "active",
    }


def library_for(call: Call, name: str = "DBId", http_status: int = 400) -> Library:
    return library_selectors.get_library(call.required(name), scope=call.scope, http_status=http_status)


def create_db(call: Call) -> dict:
    refuse_limited_token(call.scope, "create DNA libraries")
    model = call.get("Model", "Video")
    if model not in MODELS:
        raise RpcError("InvalidParameter.Model", f"Model: one of {', '.join(MODELS)}.")
    name = call.required("Name")
    if len(name) > 128:
        raise RpcError("InvalidParameter.Name", "Name: at most 128 characters.")
    if len(call.get("Description")) > 1024:
        raise RpcError("InvalidParameter.Description", "Description: at most 1024 characters.")
    library = library_services.create_library(
        name=name,
        description=call.get("Description"),
        media_type=MODELS[model],
        team=sole_team(call.user),  # the cloud call names no owner: the creator's team, if only one
        user=call.user,
    )
    return {"DBInfo": db_info(library)}


def list_dbs(call: Call) -> dict:
    ids = call.ids("DBIds", 100)
    found = library_selectors.libraries(call.scope)
    if ids:
        found = found.filter(id__in=_uuids(ids))
    return {"DBList": [db_info(library) for library in found]}


def delete_db(call: Call) -> dict:
    library_services.delete_library(library=library_for(call, http_status=404))
    return {}


def list_files(call: Call) -> dict:
    library = library_for(call, http_status=404)
    size = paging.page_size(call.get("PageSize"), default=20, name="PageSize")
    items = library_selectors.library_media(library).select_related("saved_by_job")
    page, token = paging.page(items, call.get("NextPageToken"), size)
    files = [
        {
            "PrimaryKey": item.primary_key,
            "InputFile": shapes.input_file(item.saved_by_job)
            if item.saved_by_job
            else {"Bucket": "", "Location": "", "Object": item.original_name},
            "CreationTime": shapes.utc(item.created_at),
        }
        for item in page
    ]
    return {"NextPageToken": token, "FileList": files}


def delete_files(call: Call) -> dict:
    library = library_for(call, http_status=404)
    keys = [k.strip() for k in call.required("PrimaryKeys").split(",") if k.strip()]
    if len(keys) > 100:
        raise RpcError("InvalidParameter.PrimaryKeys", "PrimaryKeys: at most 100 at a time.")
    # Deleting is idempotent: keys the library does not hold are already gone.
    with transaction.atomic():
        for item in library.media.filter(primary_key__in=keys):
            library_services.delete_media(media=item)
    return {}


# Jobs ----------------------------------------------------------------------------------------------


def _uuids(ids: list[str]) -> list[uuid.UUID]:
    parsed = []
    for value in ids:
        try:
            parsed.append(uuid.UUID(value))
        except ValueError:
            continue  # not one of ours: it simply does not exist
    return parsed


def _config(call: Call, library: Library) -> tuple[str, str]:
    config = call.json_object("Config")
    save_type = str(config.get("SaveType", SaveType.SAVE)).lower()
    if save_type not in SaveType.values:
        raise RpcError("InvalidParameter.Config", f"Config.SaveType: one of {', '.join(SaveType.values)}.")
    default_type = library.media_type
    media_type = str(config.get("MediaType", default_type)).lower()
    if media_type not in MediaKind.values:
        raise RpcError("InvalidParameter.Config", f"Config.MediaType: one of {', '.join(MediaKind.values)}.")
    return save_type, media_type


def _notify_address(user_data: str) -> str:
    """ICE takes a callback as UserData {"NotifyAddress": "https://..."}."""
    try:
        value = json.loads(user_data)
    except ValueError:
        return ""
    return str(value.get("NotifyAddress", "")) if isinstance(value, dict) else ""


def submit_job(call: Call) -> dict:
    library = library_for(call)
    primary_key = call.required("PrimaryKey")
    if len(primary_key) > 128 or any(ord(c) < 32 for c in primary_key):
        raise RpcError(
            "InvalidParameter.PrimaryKey", "PrimaryKey: at most 128 characters, no control characters."
        )
    given = call.json_object("Input")
    kind, media = str(given.get("Type", "")), str(given.get("Media", "")).strip()
    if not media:
        raise RpcError("MissingParameter.Input", 'Input needs {"Type": "OSS" or "Media", "Media": ...}.')
    save_type, media_type = _config(call, library)
    sources: dict = {}
    if kind == "OSS":
        if media.startswith(("http://", "https://")):
            sources["url"] = media
        else:
            from jobs.objects import split_object

            sources["object_bucket"], sources["object_key"] = split_object(media)
    elif kind == "Media":
        sources["source_media"] = library_selectors.find_media(media, scope=call.scope)
    else:
        raise RpcError("InvalidParameter.Input", "Input.Type: OSS or Media.")
    user_data = call.get("UserData")
    job = job_services.submit_job(
        library=library,
        primary_key=primary_key,
        media_type=media_type,
        save_type=save_type,
        user_data=user_data,
        pipeline=call.get("PipelineId"),
        callback_url=_notify_address(user_data),
        api_style="ice",
        user=call.user,
        request_id=call.request_id,
        **sources,
    )
    return {"JobId": job.id.hex}


def result_url(request, job: Job) -> str:
    token = signing.dumps(job.id.hex, salt=RESULT_SALT)
    path = reverse("ice-dna-result", args=[job.id.hex])
    if request is not None:
        return request.build_absolute_uri(f"{path}?token={token}")
    # Callbacks are sent by workers, which have no request: the configured public address.
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}?token={token}"


def job_info(job: Job, request=None) -> dict:
    code, message = shapes.error_of(job)
    config = {"SaveType": job.save_type, "MediaType": job.media_type}
    return {
        "DNAResult": result_url(request, job) if job.status == JobStatus.SUCCESS else "",
        "PrimaryKey": job.primary_key,
        "DBId": job.library_id.hex if job.library_id else "",
        "CreationTime": shapes.utc(job.created_at),
        "FinishTime": shapes.utc(job.finished_at),
        "Status": shapes.ALIBABA_STATES[job.status],
        "Message": message,
        "Config": json.dumps(config),
        "UserData": job.user_data,
        "Code": code,
        "Input": shapes.ice_input(job),
        "Id": job.id.hex,
    }


def query_jobs(call: Call) -> dict:
    ids = call.ids("JobIds", MAX_JOB_IDS)
    jobs = job_selectors.visible_jobs(call.scope)
    # Without JobIds: the most recent jobs, as many as one query may name.
    jobs = jobs.filter(id__in=_uuids(ids)) if ids else jobs.order_by("-created_at")[:MAX_JOB_IDS]
    by_id = {job.id.hex: job for job in jobs}
    order = [i.replace("-", "").lower() for i in ids] if ids else list(by_id)
    return {"JobList": [job_info(by_id[i], call.request) for i in order if i in by_id]}


def match_info(match) -> dict:
    def timed(segment: dict) -> dict:
        return {
            "StartTime": segment["start"],
            "EndTime": segment["end"],
            "MasterStartTime": segment["library_start"],
            "MasterEndTime": segment["library_end"],
            "Similarity": segment["similarity"],
        }

    return {
        "PrimaryKey": match.primary_key,
        "GlobalSimilarity": match.global_similarity,
        "VideoMatchSegments": [timed(s) for s in match.track("video")],
        "AudioMatchSegments": [timed(s) for s in match.track("audio")],
        "TextMatchSegments": [
            {
                "Start": s["start"],
                "End": s["end"],
                "QueryText": s.get("query_text", ""),
                "MasterText": s.get("library_text", ""),
                "Similarity": s["similarity"],
            }
            # Speech passages (asr jobs) are text to the cloud, in seconds instead of characters.
            for s in [*match.track("text"), *match.track("speech")]
        ],
    }


@csrf_exempt
def dna_result(request, job_id: str):
    """The array of VideoMatchInfo a job's DNAResult URL points to: readable with the signed link
    (like the cloud's result object URL) or with an API token."""
    try:
        scope = None
        token = request.GET.get("token", "")
        if token:
            try:
                # The signed link is the permission, as a cloud's presigned result URL.
                if signing.loads(token, salt=RESULT_SALT, max_age=RESULT_URL_SECONDS) == job_id:
                    scope = Scope.everything()
            except signing.BadSignature:
                scope = None
        if scope is None:
            user = bearer_user(request)
            if user is not None and has_role(user, Role.VIEWER):
                scope = scope_for(user, by_token=True)
        if scope is None:
            raise AuthFailed(
                "Forbidden.Signature", "The link is expired or not valid; query the job again.", 403
            )
        job = job_selectors.get_job(job_id, scope=scope)
        if job.status != JobStatus.SUCCESS:
            raise RpcError(
                "IncorrectStatus.Job", f"The job is {shapes.ALIBABA_STATES[job.status]}; no result yet.", 409
            )
    except (AuthFailed, RpcError) as exc:
        return error_response(request, "JSON", exc.code, exc.message, exc.http_status)
    except ApiError as exc:
        return error_response(
            request, "JSON", "InvalidParameter.ResourceNotFound", exc.message, exc.status_code
        )
    matches = [match_info(m) for m in job.matches.all()]
    return JsonResponse(matches, safe=False, json_dumps_params={"ensure_ascii": False})


dna_result.own_error_shape = True  # only reads; its errors are in the Alibaba shape


def callback_body(job: Job) -> dict:
    return {"EventType": "DNAJobComplete", "EventTime": shapes.utc(job.finished_at), "Job": job_info(job)}


rpc = endpoint(
    "ICE",
    {
        "SubmitDNAJob": Action(submit_job, Role.MODERATOR),
        "QueryDNAJobList": Action(query_jobs, Role.VIEWER),
        "CreateDNADB": Action(create_db, Role.ADMIN),
        "ListDNADB": Action(list_dbs, Role.VIEWER),
        "DeleteDNADB": Action(delete_db, Role.ADMIN),
        "ListDNAFiles": Action(list_files, Role.VIEWER),
        "DeleteDNAFiles": Action(delete_files, Role.MODERATOR),
    },
)
