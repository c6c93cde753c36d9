"""Tenancy: which libraries, jobs and matches a caller sees and acts on.

- An admin sees everything; a viewer or moderator sees the libraries of the teams they belong to and
  the shared libraries (no team), and the jobs of their teams, the shared jobs (no team) and their own.
- A job belongs to its library's team; a job sent to a shared library belongs to the submitter's team
  when they are in exactly one, else it is shared too (`team_of_job`).
- A token may be limited to some libraries (TokenLimit): every request made with it, native or in a
  cloud style, then reaches only those libraries and their jobs, whatever the user's role.

Selectors take a Scope and filter with it, so a page, the API and the cloud styles cannot disagree.
Objects outside the scope are answered as not existing (404), never as forbidden: their ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from rest_framework import status
from rest_framework.authtoken.models import Token

from core.errors import ApiError
from core.roles import Role, role_of
from libraries.models import Library, TokenLimit


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    all_teams: bool
    team_ids: frozenset = frozenset()
    # A limited token: only these libraries (ids), whatever the role. None: not limited.
    library_ids: frozenset | None = None

    @classmethod
    def everything(cls) -> Scope:
        """The workers' and management commands' view: no tenant boundary."""
        return cls(user_id=None, all_teams=True)

    @property
    def limited(self) -> bool:
        return self.library_ids is not None

    def libraries_q(self, prefix: str = "") -> Q:
        """Libraries in scope; `prefix` reaches them through a relation (e.g. "library__")."""
        q = Q()
        if not self.all_teams:
            q &= Q(**{f"{prefix}team__isnull": True}) | Q(**{f"{prefix}team__in": self.team_ids})
        if self.library_ids is not None:
            q &= Q(**{f"{prefix}id__in": self.library_ids})
        return q

    def jobs_q(self, prefix: str = "") -> Q:
        """Jobs in scope; `prefix` reaches them through a relation (e.g. "job__" from a match)."""
        q = Q()
        if not self.all_teams:
            q &= (
                Q(**{f"{prefix}team__isnull": True})
                | Q(**{f"{prefix}team__in": self.team_ids})
                | Q(**{f"{prefix}created_by": self.user_id})
            )
        if self.library_ids is not None:
            q &= Q(**{f"{prefix}library__in": self.library_ids})
        return q

    def sees_library(self, library: Library) -> bool:
        if self.library_ids is not None and library.id not in self.library_ids:
            return False
        return self.all_teams or library.team_id is None or library.team_id in self.team_ids


def refuse_limited_token(scope: Scope, what: str) -> None:
    """A token limited to some libraries cannot reach beyond them, so it cannot `what` (e.g. create
    a library, which would fall outside its own limit)."""
    if scope.limited:
        raise ApiError(
            "Forbidden.TokenLimit",
            f"This API token is limited to some libraries, so it cannot {what}; use an unlimited token.",
            status.HTTP_403_FORBIDDEN,
        )


def scope_for(user, *, by_token: bool) -> Scope:
    """The scope of a user; `by_token`: the request came with the user's API token (or a signature
    made with it), so the token's library limit applies."""
    if user is None or not user.is_authenticated:
        return Scope(user_id=None, all_teams=False)
    limit = None
    if by_token:
        row = TokenLimit.objects.filter(user=user).first()
        if row is not None:
            limit = frozenset(row.libraries.values_list("id", flat=True))
    return Scope(
        user_id=user.pk,
        all_teams=role_of(user) == Role.ADMIN,
        team_ids=frozenset(user.teams.values_list("id", flat=True)),
        library_ids=limit,
    )


def request_scope(request) -> Scope:
    """The scope of a page request (a session: no token limit) or of a DRF request (limited when
    authenticated with a token). Worked out once per request."""
    cached = getattr(request, "_dna_scope", None)
    if cached is None:
        cached = scope_for(request.user, by_token=isinstance(getattr(request, "auth", None), Token))
        request._dna_scope = cached
    return cached


def sole_team(user):
    """The user's team when they are in exactly one (what they create belongs to it), else None."""
    if user is None or not user.is_authenticated:
        return None
    teams = list(user.teams.all()[:2])
    return teams[0] if len(teams) == 1 else None


def team_of_job(library: Library, user):
    """The id of the team a new job belongs to: its library's, or for a shared library the
    submitter's own (None when they have no team or several: the job is shared, as its library)."""
    if library.team_id is not None:
        return library.team_id
    team = sole_team(user)
    return team.id if team is not None else None
