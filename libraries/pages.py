"""Library pages: list, create, edit, delete, a library's items, an item's page and its file."""

from __future__ import annotations

import uuid

from django.db.models import Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.errors import ApiError
from core.pages import add_api_error, paginate, query_without_page
from core.previews import preview_response
from core.roles import Role, role_required
from core.serve import ranged_file_response
from libraries import selectors, services
from libraries.access import request_scope, sole_team
from libraries.forms import LibraryForm
from libraries.models import Library, Media


def _library(request, library_id) -> Library:
    try:
        return selectors.get_library(library_id, scope=request_scope(request))
    except ApiError as exc:
        raise Http404(exc.message) from exc


def _item(request, media_id) -> Media:
    """An item of a library the user sees (any other is 'no such item')."""
    items = Media.objects.filter(request_scope(request).libraries_q("library__"))
    try:
        return items.select_related("library", "saved_by_job").get(id=uuid.UUID(str(media_id)))
    except (ValueError, Media.DoesNotExist) as exc:
        raise Http404("No such library item.") from exc


@role_required(Role.VIEWER)
def library_list(request):
    libraries = selectors.libraries(request_scope(request)).annotate(seconds=Sum("media__duration"))
    return render(request, "libraries/list.html", {"libraries": libraries})


def _library_form_page(request, form: LibraryForm, library: Library | None, save):
    """Create and edit share one page: validate, call the service, show its error on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ApiError as exc:
            add_api_error(form, exc)
        else:
            return HttpResponseRedirect(reverse("library-page", args=[saved.id.hex]))
    status = 400 if request.method == "POST" else 200
    return render(request, "libraries/form.html", {"form": form, "library": library}, status=status)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def library_create(request):
    form = LibraryForm(request.POST or None, initial={"team": sole_team(request.user)})
    return _library_form_page(
        request, form, None, lambda data: services.create_library(user=request.user, **data)
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def library_edit(request, library_id):
    library = _library(request, library_id)
    initial = {f: getattr(library, f) for f in ("name", "description", "duplicate_threshold", "team")}
    form = LibraryForm(request.POST or None, initial=initial, editing=True)
    return _library_form_page(
        request, form, library, lambda data: services.update_library(library=library, **data)
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def library_delete(request, library_id):
    library = _library(request, library_id)
    if request.method == "POST":
        services.delete_library(library=library)
        return HttpResponseRedirect(reverse("library-list-page"))
    return render(request, "libraries/delete.html", {"library": library})


@role_required(Role.VIEWER)
def library_detail(request, library_id):
    library = _library(request, library_id)
    items = library.media.order_by("-created_at", "id")
    search = request.GET.get("q", "").strip()
    if search:
        items = items.filter(primary_key__icontains=search)
    kinds = sorted(set(library.media.values_list("media_type", flat=True)))
    kind = request.GET.get("kind", "")
    if kind:
        items = items.filter(media_type=kind)
    seconds = library.media.aggregate(s=Sum("duration"))["s"] or 0
    context = {
        "library": library,
        "page": paginate(request, items),
        "query": query_without_page(request),
        "search": search,
        "kinds": kinds,
        "kind": kind,
        "seconds": seconds,
    }
    return render(request, "libraries/detail.html", context)


@role_required(Role.VIEWER)
def item_detail(request, media_id):
    item = _item(request, media_id)
    fingerprints = [
        {"name": fp.fingerprinter, "version": fp.version, "bytes": len(fp.data), "created_at": fp.created_at}
        for fp in item.fingerprints.all()
    ]
    # Other teams' jobs may have matched an item of a shared library: only the user's own are listed.
    matches = item.matches.filter(request_scope(request).jobs_q("job__"))
    matches = matches.select_related("job").order_by("-created_at")[:20]
    context = {"item": item, "library": item.library, "fingerprints": fingerprints, "matches": matches}
    return render(request, "libraries/item.html", context)


@role_required(Role.MODERATOR)
@require_http_methods(["GET", "POST"])
def item_delete(request, media_id):
    item = _item(request, media_id)
    if request.method == "POST":
        library_id = item.library_id
        services.delete_media(media=item)
        return HttpResponseRedirect(reverse("library-page", args=[library_id.hex]))
    return render(request, "libraries/item_delete.html", {"item": item, "library": item.library})


@role_required(Role.VIEWER)
def item_file(request, media_id):
    item = _item(request, media_id)
    if not item.file:
        raise Http404("This item has no stored file.")
    handle = item.file.open("rb")
    return ranged_file_response(request, handle, item.file.size, item.file.name)


@role_required(Role.VIEWER)
def item_thumb(request, media_id):
    item = _item(request, media_id)
    return preview_response(request, item.file, "thumb")


@role_required(Role.VIEWER)
def item_waveform(request, media_id):
    item = _item(request, media_id)
    return preview_response(request, item.file, "waveform")
