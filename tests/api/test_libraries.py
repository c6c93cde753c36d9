import pytest

from libraries.models import Media, StoredFingerprint


def test_it_requires_authentication(anon, db):
    response = anon.get("/api/v1/libraries/")
    assert response.status_code == 401
    assert response.json()["code"] == "Unauthorized"
    assert response.json()["request_id"]


def test_it_creates_a_library(api):
    response = api.post(
        "/api/v1/libraries/",
        {"name": "news clips", "media_type": "video", "description": "Broadcast archive"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["id"]) == 32 and int(body["id"], 16) >= 0
    assert body["name"] == "news clips"
    assert body["media_type"] == "video"
    assert body["media_count"] == 0
    assert body["duplicate_threshold"] == 0.5
    assert body["created_at"].endswith("Z")


def test_it_refuses_a_duplicate_name(api, make_library):
    make_library("photos")
    response = api.post("/api/v1/libraries/", {"name": "photos", "media_type": "image"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "ResourceAlreadyExists.LibraryName"


@pytest.mark.parametrize(
    "body, code",
    [
        ({"name": "x", "media_type": "smell"}, "InvalidParameter.MediaType"),
        ({"media_type": "image"}, "MissingParameter.Name"),
        ({"name": "x"}, "MissingParameter.MediaType"),
        ({"name": "x" * 129, "media_type": "image"}, "InvalidParameter.Name"),
        (
            {"name": "x", "media_type": "image", "duplicate_threshold": 2},
            "InvalidParameter.DuplicateThreshold",
        ),
    ],
)
def test_it_rejects_invalid_fields_with_a_code(api, body, code):
    response = api.post("/api/v1/libraries/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_it_lists_libraries_with_counts(api, make_library, submit, images):
    library = make_library("photos")
    make_library("texts", media_type="text")
    submit(library, "balloons", file=images["balloons.jpg"])
    body = api.get("/api/v1/libraries/").json()
    counts = {item["name"]: item["media_count"] for item in body["results"]}
    assert counts == {"photos": 1, "texts": 0}


def test_it_reads_one_library(api, make_library):
    library = make_library("photos")
    assert api.get(f"/api/v1/libraries/{library['id']}/").json()["name"] == "photos"


@pytest.mark.parametrize("library_id", ["0" * 32, "not-an-id"])
def test_it_answers_404_for_an_unknown_library(api, library_id):
    response = api.get(f"/api/v1/libraries/{library_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "ResourceNotFound.Library"


def test_it_updates_name_description_and_threshold(api, make_library):
    library = make_library("photos")
    response = api.patch(
        f"/api/v1/libraries/{library['id']}/",
        {"name": "stills", "description": "d", "duplicate_threshold": 0.9},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "stills"
    assert response.json()["duplicate_threshold"] == 0.9


def test_it_does_not_change_the_media_type(api, make_library):
    library = make_library("photos")
    response = api.patch(f"/api/v1/libraries/{library['id']}/", {"media_type": "video"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameter.MediaType"
    assert api.get(f"/api/v1/libraries/{library['id']}/").json()["media_type"] == "image"


def test_it_refuses_renaming_onto_another_library(api, make_library):
    make_library("a")
    b = make_library("b")
    response = api.patch(f"/api/v1/libraries/{b['id']}/", {"name": "a"}, format="json")
    assert response.status_code == 409


def test_deleting_a_library_deletes_its_media_fingerprints_and_files(
    api, make_library, submit, images, settings, run_commit_hooks
):
    library = make_library("photos")
    submit(library, "balloons", file=images["balloons.jpg"])
    stored = list((settings.MEDIA_ROOT / "libraries").rglob("*.jpg"))
    assert len(stored) == 1
    response = run_commit_hooks(api.delete, f"/api/v1/libraries/{library['id']}/")
    assert response.status_code == 204
    assert Media.objects.count() == 0
    assert StoredFingerprint.objects.count() == 0
    assert not stored[0].exists()
    assert api.get(f"/api/v1/libraries/{library['id']}/").status_code == 404
