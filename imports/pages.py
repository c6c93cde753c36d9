"""Import pages (admins): the batch list with a form to start one, and a batch's page with live
progress, its items by status, what it found, cancel and the report. Thin: imports.services does it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApiError
from core.pages import add_api_error, paginate, query_without_page
from core.roles import Role, role_required
from imports import services
from imports.forms import ImportForm, folders_under
from imports.models import ImportBatch, ItemStatus
from jobs.inputs import InputError, resolve_import_folder
from jobs.models import Match
from libraries.access import request_scope
from libraries.selectors import libraries


def _batches(request):
    return ImportBatch.objects.select_related("library").filter(
        request_scope(request).libraries_q("library__")
    )


def _batch(request, batch_id) -> ImportBatch:
    try:
        return _batches(request).get(id=services.parse_batch_id(batch_id))
    except (ApiError, ImportBatch.DoesNotExist) as exc:
        raise Http404("No such import.") from exc


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def import_list(request):
    root = Path(settings.IMPORT_ROOT)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        libraries=libraries(request_scope(request)),
        folders=folders_under(root),
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = _start(request, form.cleaned_data, root)
        except ApiError as exc:
            add_api_error(form, exc)
        else:
            return HttpResponseRedirect(reverse("import-page", args=[batch.id.hex]))
    context = {
        "form": form,
        "page": paginate(request, _batches(request)),
        "import_root": root,
        "query": query_without_page(request),
    }
    return render(request, "imports/list.html", context, status=400 if request.method == "POST" else 200)


def _start(request, data: dict, root: Path) -> ImportBatch:
    if data.get("folder"):
        try:
            source = resolve_import_folder(data["folder"], root)
        except InputError as exc:
            raise ApiError(exc.code, exc.message) from exc
    else:
        source = services.store_upload(data.get("manifest") or data.get("archive"))
    return services.start_batch(
        library=data["library"],
        source=source,
        save_type=data["save_type"],
        user=request.user,
        in_background=True,
    )


@role_required(Role.ADMIN)
def import_detail(request, batch_id):
    batch = _batch(request, batch_id)
    status = request.GET.get("status", "")
    items = batch.items.select_related("job").order_by("row")
    if status in ItemStatus.values:
        items = items.filter(status=status)
    # What the import found: its items' matches (duplicates inside the archive, overlaps with items
    # already there); they are not in the moderators' queue.
    overlaps = (
        Match.objects.filter(job__batch_id=batch.id).select_related("job").order_by("-global_similarity")
    )
    progress = services.progress(batch)
    context = {
        "batch": batch,
        "progress": progress,
        "states": [(value, label, progress["counts"][value]) for value, label in ItemStatus.choices],
        "page": paginate(request, items),
        "status": status,
        "statuses": ItemStatus.choices,
        "overlaps": overlaps[:100],
        "overlap_count": overlaps.count(),
        "failures": services.failures_by_code(batch),
        "query": query_without_page(request),
    }
    return render(request, "imports/detail.html", context)


@role_required(Role.ADMIN)
@require_POST
def import_cancel(request, batch_id):
    batch = _batch(request, batch_id)
    if batch.status in ("running", "paused"):
        services.cancel(batch)
    return HttpResponseRedirect(reverse("import-page", args=[batch.id.hex]))
