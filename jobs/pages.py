"""Job pages: submit, the jobs list, a job's page and its input file. Thin: they call the same
selectors and services as the API. (Reviewing matches: review/pages.py.)"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApiError
from core.kinds import library_kind_map
from core.pages import add_api_error, json_error, paginate, query_without_page, wants_json
from core.previews import preview_response
from core.roles import Role, role_required
from core.serve import ranged_file_response
from jobs import selectors, services
from jobs.forms import JobFilterForm, SubmitForm
from jobs.models import ApiStyle, Job
from libraries.access import request_scope
from libraries.selectors import libraries


def _job(request, job_id) -> Job:
    try:
        return selectors.get_job(job_id, scope=request_scope(request))
    except ApiError as exc:
        raise Http404(exc.message) from exc


def _visible_libraries(request):
    return libraries(request_scope(request))


# Submit --------------------------------------------------------------------------------------------


def _submit_all(form: SubmitForm, request) -> list[Job]:
    """One job per file (or one for the URL or text), all or none."""
    data = form.cleaned_data
    common = {
        "library": data["library"],
        "media_type": data["media_type"],
        "save_type": data["save_type"],
        "user": request.user,
        "request_id": getattr(request, "request_id", ""),
        "api_style": ApiStyle.WEB,
    }
    key = (data.get("primary_key") or "").strip()
    jobs: list[Job] = []
    try:
        with transaction.atomic():
            if data["files"]:
                for upload in data["files"]:
                    name = Path(upload.name or "upload").name
                    file_key = key if len(data["files"]) == 1 and key else f"{key}{name}"
                    jobs.append(services.submit_job(primary_key=file_key[:128], upload=upload, **common))
            elif data.get("url"):
                jobs.append(services.submit_job(primary_key=key, url=data["url"], **common))
            else:
                jobs.append(services.submit_job(primary_key=key, text=data["text"], **common))
    except ApiError:
        # The rows rolled back; the uploads already copied to storage must go too.
        for job in jobs:
            if job.input_file:
                job.input_file.delete(save=False)
        raise
    return jobs


@role_required(Role.MODERATOR)
@require_http_methods(["GET", "POST"])
def submit(request):
    initial = {}
    if library_id := request.GET.get("library"):
        initial["library"] = library_id
    form = SubmitForm(
        request.POST or None, request.FILES or None, initial=initial, libraries=_visible_libraries(request)
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                jobs = _submit_all(form, request)
            except ApiError as exc:
                if wants_json(request):
                    return json_error(exc, request)
                add_api_error(form, exc)
            else:
                if len(jobs) == 1:
                    location = reverse("job-page", args=[jobs[0].id.hex])
                else:
                    location = reverse("job-list-page") + "?ids=" + ",".join(j.id.hex for j in jobs)
                if wants_json(request):
                    return JsonResponse({"location": location, "jobs": [j.id.hex for j in jobs]}, status=201)
                return HttpResponseRedirect(location)
        elif wants_json(request):
            first = next(iter(form.errors.items()))
            field = "" if first[0] == "__all__" else f"{first[0]}: "
            return JsonResponse(
                {"code": "InvalidParameter", "message": f"{field}{first[1][0]}", "request_id": ""}, status=400
            )
    libraries = {lib.id.hex: lib.media_type for lib in form.fields["library"].queryset}
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "library_kinds": libraries,
        "kind_libraries": library_kind_map(),
        "max_upload": settings.MAX_UPLOAD_BYTES,
    }
    return render(request, "jobs/submit.html", context, status=status)


# Jobs ----------------------------------------------------------------------------------------------


def _day_start(day) -> str:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone()).isoformat()


@role_required(Role.VIEWER)
def job_list(request):
    form = JobFilterForm(request.GET or None, libraries=_visible_libraries(request))
    error = ""
    jobs = Job.objects.none()
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        params = {"ids": request.GET.get("ids", "")}
        if data.get("status"):
            params["status"] = data["status"]
        if data.get("library"):
            params["library"] = data["library"].id.hex
        if data.get("created_after"):
            params["created_after"] = _day_start(data["created_after"])
        if data.get("created_before"):  # the "to" day is included
            params["created_before"] = _day_start(data["created_before"] + timedelta(days=1))
        try:
            jobs = selectors.filter_jobs({k: v for k, v in params.items() if v}, scope=request_scope(request))
        except ApiError as exc:
            error = exc.message
        # Meta.ordering does not apply to grouped queries: order explicitly.
        jobs = jobs.annotate(match_count=Count("matches")).order_by("-created_at", "id")
        if data.get("has_matches") == "yes":
            jobs = jobs.filter(match_count__gt=0)
        elif data.get("has_matches") == "no":
            jobs = jobs.filter(match_count=0)
    context = {
        "form": form,
        "page": paginate(request, jobs),
        "query": query_without_page(request),
        "error": error,
    }
    return render(request, "jobs/list.html", context)


@role_required(Role.VIEWER)
def job_detail(request, job_id):
    job = _job(request, job_id)
    context = {"job": job, "matches": job.matches.all(), "attempts": job.callback_attempts.all()}
    return render(request, "jobs/detail.html", context)


@role_required(Role.MODERATOR)
@require_POST
def job_cancel(request, job_id):
    job = _job(request, job_id)
    try:
        services.cancel_job(job=job)
    except ApiError:
        pass  # it started or ended meanwhile; the page shows what it is now
    return HttpResponseRedirect(reverse("job-page", args=[job.id.hex]))


@role_required(Role.VIEWER)
def job_file(request, job_id):
    job = _job(request, job_id)
    source = selectors.job_source(job)
    if source is None:
        raise Http404("This job has no input file.")
    if isinstance(source, Path):
        return ranged_file_response(request, open(source, "rb"), source.stat().st_size, source.name)  # noqa: SIM115
    return ranged_file_response(request, source.open("rb"), source.size, source.name)


@role_required(Role.VIEWER)
def job_thumb(request, job_id):
    return preview_response(request, selectors.job_source(_job(request, job_id)), "thumb")


@role_required(Role.VIEWER)
def job_waveform(request, job_id):
    return preview_response(request, selectors.job_source(_job(request, job_id)), "waveform")
