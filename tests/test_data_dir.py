"""A newcomer's commands: where no portal was set up, a command says so and how to fix it (no traceback,
no stray data directory); setting up creates the directory with its import root."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def manage(*args: str, data: Path, cwd: Path = REPO, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DNAPORTAL_", "DJANGO_", "DATABASE_URL"))}
    env["DNAPORTAL_DATA_DIR"] = str(data)
    env.update(extra)
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_a_command_where_no_portal_was_set_up_says_how_to_fix_it(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    data = tmp_path / "elsewhere" / "var"
    result = manage("drf_create_token", "admin", data=data, cwd=here)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "no such table" not in result.stderr
    assert f"There is no portal data directory at {data}" in result.stderr
    assert "make run" in result.stderr and "DNAPORTAL_DATA_DIR" in result.stderr
    assert not data.parent.exists() and list(here.iterdir()) == []  # no data directory, no stray ./var


def test_a_data_directory_without_a_database_is_named(tmp_path):
    (tmp_path / "var").mkdir()
    result = manage("createsuperuser", "--noinput", "--username", "x", data=tmp_path / "var")
    assert result.returncode == 2
    assert "holds no portal database" in result.stderr and "Traceback" not in result.stderr


def test_migrate_sets_the_data_directory_up_and_commands_then_work(tmp_path):
    data = tmp_path / "var"
    assert manage("migrate", "--noinput", data=data).returncode == 0
    assert (data / "dnaportal.sqlite3").is_file() and (data / "import").is_dir()
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600
    result = manage("drf_create_token", "nobody", data=data)
    # The database is there now: the command runs and answers for itself.
    assert "no portal" not in result.stderr and "nobody" in result.stderr + result.stdout


def test_with_the_database_elsewhere_a_worker_machine_sets_its_data_directory_up(tmp_path):
    # DATABASE_URL names a database no file here can show: a worker's first command prepares the
    # directory (media, secret key) instead of refusing.
    data = tmp_path / "worker" / "var"
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    assert manage("migrate", "--noinput", data=tmp_path / "web", DATABASE_URL=database).returncode == 0
    result = manage("showmigrations", "jobs", data=data, DATABASE_URL=database)
    assert result.returncode == 0, result.stderr
    assert "[X] 0006_segments_per_track" in result.stdout and (data / "secret_key").is_file()


def test_loading_the_settings_creates_nothing(tmp_path):
    data = tmp_path / "var"
    env = {**os.environ, "DNAPORTAL_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "dnaportal.settings"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATA_DIR)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(data) and not data.exists()
