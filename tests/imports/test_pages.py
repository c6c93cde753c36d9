"""The import pages (admins): start an import from a folder or an upload, follow it, filter its items,
see what it found, cancel it."""

import io

from django.contrib.auth.models import Group
from django.test import Client

from imports.models import ImportBatch
from libraries.models import Media
from tests.conftest import make_user


def _page_client(role: str) -> Client:
    Group.objects.get_or_create(name=role)  # a transactional test starts from empty tables
    client = Client()
    client.force_login(make_user(f"{role}-page", role))
    return client


def test_an_admin_starts_a_folder_import_and_reads_its_page(library, archive_folder):
    client = _page_client("admin")
    form = client.get("/imports/")
    assert form.status_code == 200 and '<option value="archive">' in form.content.decode()
    started = client.post("/imports/", {"library": library.pk, "folder": "archive", "save_type": "save"})
    assert started.status_code == 302
    batch = ImportBatch.objects.get()
    page = client.get(started["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert '8</span> of <span id="import-total">8</span> items done' in body
    assert "InvalidFile.Corrupt" in body and "Download the failed rows" in body
    failed_only = client.get(started["Location"], {"status": "failed"}).content.decode()
    assert "damaged" in failed_only and "hummingbird" not in failed_only
    assert batch.status == "done" and Media.objects.count() == 6
    listed = client.get("/imports/").content.decode()
    assert f"/imports/{batch.id.hex}/" in listed


def test_an_uploaded_manifest_import_shows_what_it_found(library, archive_folder):
    client = _page_client("admin")
    manifest = io.BytesIO(b"primary_key,path\nmoon,archive/moon.jpg\nmoon-copy,archive/moon.jpg\n")
    manifest.name = "rows.csv"
    started = client.post("/imports/", {"library": library.pk, "manifest": manifest, "save_type": "save"})
    assert started.status_code == 302
    body = client.get(started["Location"]).content.decode()
    assert "Reference overlaps (1)" in body and "moon-copy" in body


def test_the_form_needs_one_source_and_only_admins_see_imports(library, archive_folder):
    client = _page_client("admin")
    refused = client.post("/imports/", {"library": library.pk, "save_type": "save"})
    assert refused.status_code == 400 and "Give one source" in refused.content.decode()
    assert _page_client("moderator").get("/imports/").status_code == 403
    assert not ImportBatch.objects.exists()


def test_cancel_from_the_page(library, archive_folder):
    client = _page_client("admin")
    batch = ImportBatch.objects.create(library=library, source_kind="directory", source=str(archive_folder))
    batch.items.create(row=1, primary_key="a", path="archive/moon.jpg", media_type="image")
    assert client.post(f"/imports/{batch.id.hex}/cancel/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "cancelled"
    assert client.get("/imports/not-a-batch/").status_code == 404


def test_an_upload_of_no_known_kind_is_a_form_error(library, archive_folder):
    client = _page_client("admin")
    upload = io.BytesIO(b"x")
    upload.name = "notes.docx"
    refused = client.post("/imports/", {"library": library.pk, "manifest": upload, "save_type": "save"})
    assert refused.status_code == 400 and "InvalidParameter.Source" in refused.content.decode()
    assert not ImportBatch.objects.exists()
