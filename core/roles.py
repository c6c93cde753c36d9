"""Who may do what. Three roles, held as Django groups so admins grant them in the Django admin:

- viewer: reads everything (pages and API), changes nothing;
- moderator: also reviews matches, submits jobs and manages a library's items;
- admin: everything, including libraries themselves and the Django admin.

A superuser is an admin whatever its groups. A signed-in user with no role sees only a page saying so;
the same rules hold for API tokens, so a client cannot reach through the API what its page hides.
"""

from __future__ import annotations

from enum import IntEnum
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission


class Role(IntEnum):
    VIEWER = 1
    MODERATOR = 2
    ADMIN = 3

    @property
    def group(self) -> str:
        return self.name.lower()


def role_of(user) -> Role | None:
    """The user's highest role, or None (anonymous, inactive, or no role granted)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    cached = getattr(user, "_dna_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = max((r for r in Role if r.group in names), default=None)
    user._dna_role = role
    return role


def has_role(user, needed: Role) -> bool:
    role = role_of(user)
    return role is not None and role >= needed


def role_required(needed: Role):
    """Page decorator: anonymous users go to sign-in; signed-in users without the role get 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, needed):
                raise PermissionDenied(f"This needs the {needed.group} role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class RolePermission(BasePermission):
    """API: reads need the view's `read_role` (viewer unless it says more); writes need its
    `write_role` (moderator unless it says more)."""

    message = "Your account has no role that allows this."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_role", Role.VIEWER)
        else:
            needed = getattr(view, "write_role", Role.MODERATOR)
        return has_role(request.user, needed)


def context(request) -> dict:
    """Template context: the user's role, for the navigation bar and for hiding buttons."""
    role = role_of(getattr(request, "user", None))
    return {
        "role": role.group if role else "",
        "can_moderate": role is not None and role >= Role.MODERATOR,
        "is_admin": role is not None and role >= Role.ADMIN,
    }
