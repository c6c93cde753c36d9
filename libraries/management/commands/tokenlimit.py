"""Limit a user's API token to some libraries: every request made with it (native API, ICE, MPS, CI,
signed or not) then reaches only those libraries and the jobs sent to them, whatever the user's role.
For tokens handed to upstream systems."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from libraries.models import Library, TokenLimit
from libraries.selectors import library_named
from libraries.services import limit_token


class Command(BaseCommand):
    help = (
        "manage.py tokenlimit USER [LIBRARY ...] [--none | --lift]: limit USER's API token to these "
        "libraries (names or ids); with no library, show the limit."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("libraries", nargs="*", help="library names or ids")
        parser.add_argument("--none", action="store_true", help="limit the token to no library at all")
        parser.add_argument("--lift", action="store_true", help="remove the limit")

    def handle(self, *args, username, libraries, none, lift, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if sum([bool(libraries), none, lift]) > 1:
            raise CommandError("Give libraries, --none or --lift, not several.")
        if lift:
            limit_token(user=user, libraries=None)
        elif none or libraries:
            limit_token(user=user, libraries=[self._library(name) for name in libraries])
        row = TokenLimit.objects.filter(user=user).first()
        if row is None:
            self.stdout.write(f"{username}: token not limited")
        else:
            names = ", ".join(sorted(row.libraries.values_list("name", flat=True))) or "(no library)"
            self.stdout.write(f"{username}: token limited to {names}")

    def _library(self, given: str) -> Library:
        found = library_named(given)
        if found is None:
            raise CommandError(f"No library named {given!r} (or with that id).")
        return found
