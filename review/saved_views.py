"""Saved views: a moderator names the queue's current filters to come back to them, and sees how many
matches wait in each."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from rest_framework import status

from core.errors import ApiError
from libraries.access import Scope
from review.models import SavedView
from review.queue import View, matches_in_view

# Enough for a moderator's working sets; each is counted on every queue page.
MAX_PER_USER = 20
NAME_MAX_CHARS = 80


def save_view(*, user, name: str, view: View) -> SavedView:
    """Save the view under the name (a name the user already uses is replaced)."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX_CHARS or "\x00" in name:
        raise ApiError("InvalidParameter.Name", f"name: 1 to {NAME_MAX_CHARS} characters.")
    with transaction.atomic():
        replaced = SavedView.objects.filter(user=user, name=name).update(query=view.as_query())
        if replaced:
            return SavedView.objects.get(user=user, name=name)
        if SavedView.objects.filter(user=user).count() >= MAX_PER_USER:
            raise ApiError(
                "Review.TooManyViews",
                f"At most {MAX_PER_USER} saved views each; delete one first.",
                status.HTTP_409_CONFLICT,
            )
        try:
            with transaction.atomic():
                return SavedView.objects.create(user=user, name=name, query=view.as_query())
        except IntegrityError:  # the same name saved a moment ago, from another tab
            return SavedView.objects.get(user=user, name=name)


def delete_view(*, user, view_id: int) -> bool:
    return bool(SavedView.objects.filter(user=user, id=view_id).delete()[0])


def counted(*, user, scope: Scope, parse) -> list[tuple[SavedView, int]]:
    """The user's saved views, each with how many matches it holds now. `parse` turns a saved query
    into a View (the page's form does, against the libraries the user sees now)."""
    return [
        (saved, matches_in_view(scope=scope, view=parse(saved.query)).count())
        for saved in SavedView.objects.filter(user=user)
    ]
