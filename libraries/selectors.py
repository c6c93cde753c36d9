"""Reads shared by the API and the pages."""

from __future__ import annotations

import uuid

from django.db.models import Count, QuerySet
from rest_framework import status

from core.errors import ApiError, Codes
from engine import registry
from engine.base import Fingerprint
from libraries.access import Scope
from libraries.models import Library, Media


def parse_id(value: str, code: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ApiError(code, f"{what} {value!r} does not exist.", status.HTTP_404_NOT_FOUND) from exc


def libraries(scope: Scope) -> QuerySet[Library]:
    """The libraries the scope sees, with their item counts."""
    return (
        Library.objects.filter(scope.libraries_q())
        .select_related("team")
        .annotate(media_count=Count("media"))
    )


def get_library(library_id, *, scope: Scope, http_status: int = status.HTTP_404_NOT_FOUND) -> Library:
    """The library, or ResourceNotFound.Library (404 on its own URL, 400 when named in a body); a
    library outside the scope does not exist for the caller."""
    try:
        return libraries(scope).get(id=uuid.UUID(str(library_id)))
    except (ValueError, Library.DoesNotExist) as exc:
        raise ApiError(
            Codes.LIBRARY_NOT_FOUND, f"Library {library_id!r} does not exist.", http_status
        ) from exc


def library_named(given: str) -> Library | None:
    """A library by its name, or else by its id (for admins' commands, which see every library)."""
    found = Library.objects.filter(name=given).first()
    if found is None:
        try:
            found = Library.objects.filter(id=uuid.UUID(str(given))).first()
        except ValueError:
            found = None
    return found


def library_media(library: Library) -> QuerySet[Media]:
    return library.media.prefetch_related("fingerprints").order_by("-created_at", "id")


def get_media(library: Library, primary_key: str) -> Media:
    try:
        return library_media(library).get(primary_key=primary_key)
    except Media.DoesNotExist as exc:
        raise ApiError(
            Codes.MEDIA_NOT_FOUND,
            f"Library {library.name!r} holds no item with primary key {primary_key!r}.",
            status.HTTP_404_NOT_FOUND,
        ) from exc


def find_media(media_id, *, scope: Scope, http_status: int = status.HTTP_400_BAD_REQUEST) -> Media:
    """An item by its id, in any library the scope sees (an input named in a request body: 400 if
    unknown)."""
    try:
        items = Media.objects.filter(scope.libraries_q("library__")).select_related("library")
        return items.get(id=uuid.UUID(str(media_id)))
    except (ValueError, Media.DoesNotExist) as exc:
        raise ApiError(Codes.MEDIA_NOT_FOUND, f"Item {media_id!r} does not exist.", http_status) from exc


def item_words(item: Media) -> list[tuple[str, float, float]]:
    """The words an item's stored fingerprints were made of, with their times (speech items), or []."""
    for stored in item.fingerprints.all():
        fingerprinter = registry.named(stored.fingerprinter)
        if fingerprinter is not None and stored.version == fingerprinter.version:
            fingerprint = Fingerprint(stored.fingerprinter, stored.version, bytes(stored.data))
            said = fingerprinter.words(fingerprint)
            if said:
                return said
    return []
