"""`manage.py grantrole`: accounts get, change and lose roles; admins reach the Django admin."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from core.roles import Role, role_of


def _user(name):
    return get_user_model().objects.get(username=name)


def test_it_creates_an_account_with_a_role_and_changes_it(db, monkeypatch):
    monkeypatch.setenv("PASSWORD", "pw-carol-123")
    call_command("grantrole", "carol", "moderator", "--create", stdout=io.StringIO())
    assert role_of(_user("carol")) == Role.MODERATOR
    client = Client()
    assert client.login(username="carol", password="pw-carol-123")
    assert client.get("/submit/").status_code == 200 and client.get("/admin/").status_code == 302

    call_command("grantrole", "carol", "admin", stdout=io.StringIO())
    assert role_of(_user("carol")) == Role.ADMIN
    assert client.get("/admin/").status_code == 200  # the Django admin, as the admin role says

    call_command("grantrole", "carol", "viewer", stdout=io.StringIO())
    user = _user("carol")
    assert role_of(user) == Role.VIEWER and not user.is_superuser and not user.is_staff
    call_command("grantrole", "carol", "none", stdout=io.StringIO())
    assert role_of(_user("carol")) is None


def test_it_needs_create_and_a_password_for_a_new_account(db, monkeypatch):
    with pytest.raises(CommandError, match="--create"):
        call_command("grantrole", "dave", "viewer")
    monkeypatch.delenv("PASSWORD", raising=False)
    with pytest.raises(CommandError, match="PASSWORD"):
        call_command("grantrole", "dave", "viewer", "--create")
