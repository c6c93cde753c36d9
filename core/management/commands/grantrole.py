"""Give an account a role (viewer, moderator, admin), creating the account if asked."""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.roles import Role


class Command(BaseCommand):
    help = "Set a user's role: manage.py grantrole alice moderator [--create] (password from $PASSWORD)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.group for r in Role] + ["none"])
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create the account if missing; its password comes from the PASSWORD variable.",
        )

    @transaction.atomic
    def handle(self, *args, username, role, create, **options):
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"No user {username!r}; add --create to make one.")
            password = os.environ.get("PASSWORD", "")
            if not password:
                raise CommandError("Set PASSWORD to the new account's password.")
            user = users.objects.create_user(username, password=password)
        role_groups = Group.objects.filter(name__in=[r.group for r in Role])
        user.groups.remove(*role_groups)
        if role != "none":
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        # Admins use the Django admin too; any other role takes that away (a superuser is always an admin).
        user.is_staff = user.is_superuser = role == Role.ADMIN.group
        user.save(update_fields=["is_staff", "is_superuser"])
        self.stdout.write(f"{username}: {role}")
