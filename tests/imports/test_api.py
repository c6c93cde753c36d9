"""The bulk import API (admins only): start from a folder or an uploaded manifest or archive, follow
progress, list items by status, download the report, cancel."""

import csv
import io
import zipfile

from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from imports.models import ImportBatch
from libraries.models import Media
from tests.conftest import make_user
from tests.media import PHOTOS


def _client(role: str) -> APIClient:
    client = APIClient()
    Group.objects.get_or_create(name=role)  # a transactional test starts from empty tables
    user = make_user(f"{role}-importer", role)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_an_admin_imports_a_folder_and_follows_it_to_the_end(library, archive_folder):
    admin = _client("admin")
    started = admin.post("/api/v1/imports/", {"library": library.id.hex, "folder": "archive"}, format="json")
    assert started.status_code == 201, started.content
    batch = started.json()
    # Tasks run inline here: by the time the answer is read, the batch has run.
    done = admin.get(f"/api/v1/imports/{batch['id']}/").json()
    assert done["status"] == "done", done
    progress = done["progress"]
    assert progress["done"] == progress["total"] == 8
    assert progress["counts"]["imported"] == 6 and progress["counts"]["failed"] == 2
    failed = admin.get(f"/api/v1/imports/{batch['id']}/items/", {"status": "failed"}).json()["results"]
    assert {item["primary_key"]: item["code"] for item in failed} == {
        "damaged": "InvalidFile.Corrupt",
        "notes": "Unsupported.MediaType",
    }
    report = admin.get(f"/api/v1/imports/{batch['id']}/report.csv")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert {row["primary_key"] for row in rows} == {"damaged", "notes"}
    listed = admin.get("/api/v1/imports/").json()["results"]
    assert [b["id"] for b in listed] == [batch["id"]]


def test_an_uploaded_manifest_and_archive_are_imported(library, archive_folder):
    admin = _client("admin")
    manifest = io.BytesIO(b"primary_key,path\nmoon,archive/moon.jpg\n")
    manifest.name = "rows.csv"
    one = admin.post(
        "/api/v1/imports/", {"library": library.id.hex, "manifest": manifest}, format="multipart"
    )
    assert one.status_code == 201, one.content
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(PHOTOS / "surfer.jpg", "surfer.jpg")
    packed.seek(0)
    packed.name = "more.zip"
    two = admin.post("/api/v1/imports/", {"library": library.id.hex, "archive": packed}, format="multipart")
    assert two.status_code == 201, two.content
    assert set(Media.objects.values_list("primary_key", flat=True)) == {"moon", "surfer"}
    assert set(ImportBatch.objects.values_list("status", flat=True)) == {"done"}


def test_bad_requests_get_codes(library, archive_folder):
    admin = _client("admin")
    none = admin.post("/api/v1/imports/", {"library": library.id.hex}, format="json")
    assert none.status_code == 400 and none.json()["code"].endswith("Source")
    escape = admin.post("/api/v1/imports/", {"library": library.id.hex, "folder": "../etc"}, format="json")
    assert escape.status_code == 403 and escape.json()["code"] == "Forbidden.Path"
    missing = admin.post("/api/v1/imports/", {"library": library.id.hex, "folder": "nope"}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "InvalidInput.NotFound"
    kind = io.BytesIO(b"x")
    kind.name = "notes.docx"
    wrong = admin.post("/api/v1/imports/", {"library": library.id.hex, "manifest": kind}, format="multipart")
    assert wrong.status_code == 400 and wrong.json()["code"] == "InvalidParameter.Source"
    assert admin.get("/api/v1/imports/not-an-id/").status_code == 404
    assert admin.get("/api/v1/imports/0123456789abcdef0123456789abcdef/items/?status=odd").status_code == 404


def test_only_admins_reach_imports(library, archive_folder):
    moderator = _client("moderator")
    assert moderator.get("/api/v1/imports/").status_code == 403
    refused = moderator.post(
        "/api/v1/imports/", {"library": library.id.hex, "folder": "archive"}, format="json"
    )
    assert refused.status_code == 403
    assert not ImportBatch.objects.exists()


def test_cancelling_stops_what_waits(library, archive_folder):
    admin = _client("admin")
    batch = ImportBatch.objects.create(
        library=library, source_kind="directory", source=str(archive_folder), in_background=True
    )
    batch.items.create(row=1, primary_key="a", path="archive/moon.jpg", media_type="image")
    answer = admin.post(f"/api/v1/imports/{batch.id.hex}/cancel/").json()
    assert answer["status"] == "cancelled" and answer["progress"]["counts"]["cancelled"] == 1


def test_the_sweep_advances_a_background_batch_a_lost_step_left_behind(library, archive_folder):
    from imports.tasks import sweep_batches

    batch = ImportBatch.objects.create(
        library=library,
        source_kind="directory",
        source=str(archive_folder),
        in_background=True,
        read_done=True,
    )
    batch.items.create(row=1, primary_key="moon", path="archive/moon.jpg", media_type="image")
    assert sweep_batches() == 1
    batch.refresh_from_db()
    assert batch.status == "done" and Media.objects.filter(primary_key="moon").exists()
