"""The admin's commands for tenancy: manage.py team and manage.py tokenlimit."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import Team
from libraries.models import TokenLimit


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_team_is_made_and_staffed_from_the_command_line(world):
    assert "team desk: created" in _run("team", "create", "desk")
    assert _run("team", "add", "desk", "loner", "news_mod").strip() == "team desk: loner, news_mod"
    assert _run("team", "remove", "desk", "loner").strip() == "team desk: news_mod"
    assert "desk: news_mod" in _run("team", "list")
    with pytest.raises(CommandError, match="already exists"):
        _run("team", "create", "desk")
    with pytest.raises(CommandError, match="No such user: ghost"):
        _run("team", "add", "desk", "ghost")
    with pytest.raises(CommandError, match="No team 'nope'"):
        _run("team", "add", "nope", "loner")
    with pytest.raises(CommandError, match="1-64 characters"):
        _run("team", "create", "bad\x00name")


def test_a_team_that_owns_libraries_is_not_deleted(world):
    with pytest.raises(CommandError, match="still owns"):
        _run("team", "delete", "archive")
    assert Team.objects.filter(name="archive").exists()
    _run("team", "create", "empty")
    assert "deleted" in _run("team", "delete", "empty")


def test_a_token_is_limited_shown_and_lifted(world):
    news_id = world.libraries["news"].id.hex
    assert _run("tokenlimit", "admin", "shared", news_id).strip() == "admin: token limited to news, shared"
    assert _run("tokenlimit", "admin").strip() == "admin: token limited to news, shared"
    assert _run("tokenlimit", "admin", "--none").strip() == "admin: token limited to (no library)"
    assert _run("tokenlimit", "admin", "--lift").strip() == "admin: token not limited"
    assert not TokenLimit.objects.exists()
    with pytest.raises(CommandError, match="No library named 'gone'"):
        _run("tokenlimit", "admin", "gone")
    with pytest.raises(CommandError, match="No user"):
        _run("tokenlimit", "ghost", "news")
