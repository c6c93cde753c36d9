"""Teams from the command line: create, list, add or remove members, delete (admins also use the
Django admin). A library is given to a team on its edit page or with PATCH /api/v1/libraries/{id}/."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from core.models import Team


class Command(BaseCommand):
    help = (
        "manage.py team create NAME | add NAME USER... | remove NAME USER... | delete NAME | list: "
        "teams own libraries and jobs; viewers and moderators see only their teams' and the shared ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "add", "remove", "delete", "list"])
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument("users", nargs="*")
        parser.add_argument("--description", default="")

    def handle(self, *args, action, name, users, description, **options):
        if action == "list":
            for team in Team.objects.prefetch_related("members"):
                members = ", ".join(sorted(u.get_username() for u in team.members.all())) or "(nobody)"
                self.stdout.write(f"{team.name}: {members}")
            return
        if not name:
            raise CommandError(f"team {action} needs a team name.")
        if action == "create":
            self._create(name, description)
        elif action == "delete":
            self._delete(self._team(name))
        else:
            self._members(action, self._team(name), users)

    def _team(self, name: str) -> Team:
        team = Team.objects.filter(name=name).first()
        if team is None:
            raise CommandError(f"No team {name!r}; create it with: manage.py team create {name}")
        return team

    def _create(self, name: str, description: str) -> None:
        if not 0 < len(name) <= 64 or any(ord(c) < 32 for c in name):
            raise CommandError("A team name has 1-64 characters, no control characters.")
        try:
            with transaction.atomic():
                Team.objects.create(name=name, description=description[:256])
        except IntegrityError as exc:
            raise CommandError(f"A team named {name!r} already exists.") from exc
        self.stdout.write(f"team {name}: created")

    def _delete(self, team: Team) -> None:
        try:
            team.delete()
        except ProtectedError as exc:
            raise CommandError(
                f"Team {team.name!r} still owns {len(exc.protected_objects)} libraries or jobs; give its "
                "libraries to another team (or make them shared) first."
            ) from exc
        self.stdout.write(f"team {team.name}: deleted")

    @transaction.atomic
    def _members(self, action: str, team: Team, usernames: list[str]) -> None:
        if not usernames:
            raise CommandError(f"team {action} needs at least one user name.")
        accounts = {u.get_username(): u for u in get_user_model().objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in accounts]
        if missing:
            raise CommandError(f"No such user: {', '.join(missing)}.")
        if action == "add":
            team.members.add(*accounts.values())
        else:
            team.members.remove(*accounts.values())
        members = ", ".join(sorted(u.get_username() for u in team.members.all())) or "(nobody)"
        self.stdout.write(f"team {team.name}: {members}")
