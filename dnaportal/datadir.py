"""The data directory (DNAPORTAL_DATA_DIR, default ./var): the embedded database, stored media, the
import root, static files and the generated secret key.

Only what sets a portal up creates it (`migrate`, `runportal`, a web server starting); any other
command run where no portal was set up says so and how to fix it, instead of failing on a missing
table and leaving an empty data directory behind. No Django here: manage.py calls it before Django
starts.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Commands that set a portal up: they may create the data directory.
SETUP_COMMANDS = {"migrate", "runportal"}
# Commands that need no database.
NO_DATABASE_COMMANDS = {
    "help",
    "version",
    "check",
    "makemigrations",
    "collectstatic",
    "findstatic",
    "diffsettings",
    "spectacular",
    "startapp",
    "sqlmigrate",
}


def data_dir() -> Path:
    return Path(os.environ.get("DNAPORTAL_DATA_DIR") or BASE_DIR / "var").resolve()


def import_root() -> Path:
    return Path(os.environ.get("DNAPORTAL_IMPORT_ROOT") or data_dir() / "import").resolve()


def embedded_database() -> Path | None:
    """The SQLite file the portal uses by default; None when DATABASE_URL names another database."""
    return None if os.environ.get("DATABASE_URL") else data_dir() / "dnaportal.sqlite3"


def ensure() -> Path:
    """Create the data directory with its import root, static root and secret key, if missing."""
    folder = data_dir()
    for path in (folder, folder / "staticfiles", import_root()):
        path.mkdir(parents=True, exist_ok=True)
    key = folder / "secret_key"
    if not key.exists():
        try:
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return folder
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return folder


def secret_key() -> str:
    """SECRET_KEY from the environment, else the data directory's generated one. Where there is no data
    directory yet, a key for this process only: nothing it signs outlives the process, since a portal
    that is set up always has the file."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key = data_dir() / "secret_key"
    return key.read_text().strip() if key.exists() else secrets.token_urlsafe(50)


def prepare(command: str) -> str:
    """Make the data directory ready for a manage.py `command`, or say why the command cannot run here
    (empty when it can). Setting up creates it; so does any command of a portal whose database is
    elsewhere (DATABASE_URL: a worker machine's first `qcluster`), whose tables no file here can show."""
    if command in NO_DATABASE_COMMANDS:
        return ""
    if command in SETUP_COMMANDS or embedded_database() is None:
        ensure()
        return ""
    return problem_for(command)


def problem_for(command: str) -> str:
    """Why `command` cannot run on the embedded database here (empty when it can)."""
    folder, database = data_dir(), embedded_database()
    how = (
        "Start the portal there once with `make run` (or run `python manage.py migrate`), or point "
        "DNAPORTAL_DATA_DIR at the data directory the portal was started with, e.g. "
        f"`DNAPORTAL_DATA_DIR=/path/to/var python manage.py {command} ...`."
    )
    if not folder.is_dir():
        return f"There is no portal data directory at {folder}. {how}"
    if not _has_tables(database):
        return f"The data directory {folder} holds no portal database ({database.name} is missing). {how}"
    return ""


def _has_tables(database: Path) -> bool:
    if not database.is_file():
        return False
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return found is not None
