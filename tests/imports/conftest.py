"""A small archive to import: real photos (tests/fixtures/mdn-shared-assets) in a folder under the
import root, with the rows a real archive has that cannot be imported (a damaged picture, a file of
no known kind). Jobs run inline (sync tasks), each in its own committed transaction."""

import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from libraries.models import Library
from tests.media import PHOTOS

GOOD = ["balloons", "elephant", "hummingbird", "moon", "rhino", "surfer"]


@pytest.fixture
def library(transactional_db):
    return Library.objects.create(name="photos", media_type="image")


@pytest.fixture
def archive_folder(settings):
    """IMPORT_ROOT/archive: six photos (two in a sub-folder), a damaged one, one of no known kind."""
    folder = settings.IMPORT_ROOT / "archive"
    (folder / "wildlife").mkdir(parents=True)
    for name in GOOD:
        target = folder / "wildlife" if name in ("elephant", "rhino") else folder
        shutil.copy(PHOTOS / f"{name}.jpg", target / f"{name}.jpg")
    (folder / "damaged.jpg").write_bytes((PHOTOS / "plumeria.jpg").read_bytes()[:600])
    (folder / "notes.xyz").write_text("not media")
    (folder / ".hidden.jpg").write_bytes((PHOTOS / "ice-cream.jpg").read_bytes())
    return folder


@pytest.fixture
def run_import(tmp_path, monkeypatch):
    """manage.py import_media ...; returns its output. Run in a folder of its own: the command writes
    its failure report to the current folder unless told where."""
    monkeypatch.chdir(tmp_path)

    def run(*args) -> str:
        out = StringIO()
        call_command("import_media", *[str(a) for a in args], stdout=out, stderr=StringIO())
        return out.getvalue()

    return run
