"""POST /api/v1/jobs/: every input kind, and every kind of bad input gets a clear code and no 500."""

import pytest

from jobs.models import Job
from libraries.models import Media
from tests import media
from tests.conftest import upload_image


def test_it_answers_at_once_with_the_job_id(api, make_library, images):
    library = make_library()
    response = upload_image(api, library, images["balloons.jpg"])
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "request_id", "status"}
    assert body["status"] == "queuing"
    assert response["X-Request-Id"] == body["request_id"]
    # Inside the test transaction nothing was committed, so no worker ran yet.
    assert Job.objects.get(id=body["id"]).status == "queuing"


def test_an_uploaded_image_is_fingerprinted_and_saved(make_library, submit, images, job_result):
    library = make_library()
    job = job_result(submit(library, "balloons", file=images["balloons.jpg"], user_data='{"k":1}'))
    assert job["status"] == "success"
    assert job["saved"] is True
    assert job["user_data"] == '{"k":1}'
    assert job["result"] == {"matches": []}
    assert job["input"] == {"type": "upload", "media": "balloons.jpg"}
    assert Media.objects.get(primary_key="balloons").saved_by_job_id.hex == job["id"]


def test_a_text_job_takes_inline_text(make_library, submit, job_result):
    library = make_library("texts", media_type="text")
    passage, _ = media.excerpt("dickens-music")
    job = job_result(submit(library, "dickens", media_type="text", text=passage))
    assert job["status"] == "success" and job["saved"]
    assert job["input_meta"]["characters"] == len(passage)


def test_a_text_job_takes_a_file_under_the_import_root(make_library, submit, job_result, settings):
    library = make_library("texts", media_type="text")
    passage, _ = media.excerpt("passamaquoddy")
    (settings.IMPORT_ROOT / "books").mkdir()
    (settings.IMPORT_ROOT / "books" / "folk.txt").write_text(passage)
    response = submit(library, "folk", media_type="text", input={"type": "path", "media": "books/folk.txt"})
    job = job_result(response)
    assert job["status"] == "success", job
    assert job["input"] == {"type": "path", "media": "books/folk.txt"}
    assert Media.objects.get(primary_key="folk").text == passage


@pytest.mark.parametrize(
    "fields, status, code",
    [
        ({"library": "0" * 32}, 400, "ResourceNotFound.Library"),
        ({"library": "nope"}, 400, "ResourceNotFound.Library"),
        ({"user_data": "é" * 65}, 400, "InvalidParameter.UserData"),
        ({"priority": 3}, 400, "InvalidParameter.Priority"),
        ({"priority": -1}, 400, "InvalidParameter.Priority"),
        ({"priority": "high"}, 400, "InvalidParameter.Priority"),
        ({"save_type": "keep"}, 400, "InvalidParameter.SaveType"),
        ({"media_type": "smell"}, 400, "InvalidParameter.MediaType"),
        ({"media_type": "text"}, 400, "InvalidParameter.MediaType"),
        ({"primary_key": ""}, 400, "InvalidParameter.PrimaryKey"),
        ({"primary_key": "k" * 129}, 400, "InvalidParameter.PrimaryKey"),
        ({"primary_key": "line\nbreak"}, 400, "InvalidParameter.PrimaryKey"),
        ({"pipeline": "no spaces"}, 400, "InvalidParameter.Pipeline"),
        ({"callback_url": "ftp://example.com/x"}, 400, "InvalidParameter.CallbackUrl"),
        ({"callback_url": "http://127.0.0.1:9/hook"}, 400, "Forbidden.PrivateAddress"),
    ],
)
def test_it_refuses_bad_fields(make_library, submit, images, fields, status, code):
    library = make_library()
    body = {"library": library, "primary_key": "k", "file": images["balloons.jpg"], **fields}
    response = submit(**body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert Job.objects.count() == 0


def test_it_refuses_a_duplicate_primary_key_unless_forcesave(make_library, submit, images, job_result):
    library = make_library()
    submit(library, "balloons", file=images["balloons.jpg"])
    for save_type in ("save", "onlysave"):
        response = submit(library, "balloons", save_type=save_type, file=images["elephant.jpg"])
        assert response.status_code == 409
        assert response.json()["code"] == "ResourceAlreadyExists.PrimaryKey"
    # nosave only searches, so the key is just the query's name.
    assert submit(library, "balloons", save_type="nosave", file=images["elephant.jpg"]).status_code == 201
    job = job_result(submit(library, "balloons", save_type="forcesave", file=images["elephant.jpg"]))
    assert job["saved"] is True
    import hashlib

    elephant = hashlib.sha256(images["elephant.jpg"].read_bytes()).hexdigest()
    assert Media.objects.get(primary_key="balloons").sha256 == elephant


@pytest.mark.parametrize(
    "extra, code",
    [
        ({}, "MissingParameter.Input"),
        ({"text": "some words"}, "InvalidParameter.Text"),
    ],
)
def test_it_needs_exactly_one_usable_input(make_library, submit, extra, code):
    library = make_library()
    response = submit(library, "k", **extra)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_it_refuses_two_inputs_at_once(make_library, submit, images):
    library = make_library()
    response = submit(library, "k", file=images["balloons.jpg"], input='{"type": "path", "media": "a.jpg"}')
    assert response.status_code == 400
    assert response.json()["code"] == "MissingParameter.Input"


def test_it_refuses_an_empty_upload(make_library, submit, tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    response = submit(make_library(), "k", file=empty)
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidFile.Empty"


def test_it_refuses_an_oversized_upload_before_reading_it(api, make_library, settings, images):
    settings.MAX_UPLOAD_BYTES = 10_000
    library = make_library()
    response = upload_image(api, library, images["balloons.jpg"])
    assert response.status_code == 413
    assert response.json()["code"] == "InvalidParameter.FileTooLarge"
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    "path, status, code",
    [
        ("../secret.jpg", 403, "Forbidden.Path"),
        ("a/../../secret.jpg", 403, "Forbidden.Path"),
        ("/etc/passwd", 403, "Forbidden.Path"),
        ("escape/passwd", 403, "Forbidden.Path"),
        ("missing.jpg", 400, "InvalidInput.NotFound"),
    ],
)
def test_it_refuses_paths_outside_the_import_root(make_library, submit, settings, path, status, code):
    (settings.IMPORT_ROOT / "escape").symlink_to("/etc")
    response = submit(make_library(), "k", input={"type": "path", "media": path})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://127.0.0.1/x.jpg", "Forbidden.PrivateAddress"),
        ("http://localhost:8000/x.jpg", "Forbidden.PrivateAddress"),
        ("http://10.1.2.3/x.jpg", "Forbidden.PrivateAddress"),
        ("http://169.254.169.254/latest/meta-data/", "Forbidden.PrivateAddress"),
        ("http://[::1]/x.jpg", "Forbidden.PrivateAddress"),
        ("http://[::ffff:127.0.0.1]/x.jpg", "Forbidden.PrivateAddress"),
        ("http://0.0.0.0/x.jpg", "Forbidden.PrivateAddress"),
        ("file:///etc/passwd", "InvalidParameter.Url"),
        ("gopher://example.com/", "InvalidParameter.Url"),
        ("http://user:pw@example.com/x.jpg", "InvalidParameter.Url"),
    ],
)
def test_it_refuses_urls_to_private_addresses_and_other_schemes(make_library, submit, url, code):
    response = submit(make_library(), "k", input={"type": "url", "media": url})
    assert response.status_code in (400, 403)
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    "content, code",
    [
        (b"GIF89a but not really an image" * 10, "InvalidFile.Corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "InvalidFile.Corrupt"),
    ],
    ids=["garbage", "truncated-png"],
)
def test_corrupt_media_fails_the_job_with_a_code(make_library, submit, job_result, tmp_path, content, code):
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    job = job_result(submit(make_library(), "k", file=bad))
    assert job["status"] == "fail"
    assert job["code"] == code
    assert job["message"]
    assert job["result"] is None
    assert Media.objects.count() == 0


def test_a_binary_file_sent_as_text_fails_clearly(make_library, submit, job_result, images):
    library = make_library("texts", media_type="text")
    job = job_result(submit(library, "k", media_type="text", file=images["balloons.jpg"]))
    assert job["status"] == "fail"
    assert job["code"] == "InvalidFile.Unsupported"


def test_a_job_survives_its_library_being_deleted_first(api, make_library, queue_job):
    from jobs.tasks import process_next_job

    library = make_library()
    job_id = queue_job(library)
    api.delete(f"/api/v1/libraries/{library['id']}/")
    process_next_job("")
    job = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert job["status"] == "fail"
    assert job["code"] == "ResourceNotFound.Library"


def test_a_url_input_is_downloaded_kept_and_fingerprinted(
    make_library, submit, job_result, server, settings, images
):
    settings.ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    base, routes = server
    routes["/media/balloons.jpg"] = (200, {"Content-Type": "image/jpeg"}, images["balloons.jpg"].read_bytes())
    library = make_library()
    job = job_result(submit(library, "b", input={"type": "url", "media": f"{base}/media/balloons.jpg"}))
    assert job["status"] == "success", job
    assert job["saved"] is True
    assert job["input"]["media"] == f"{base}/media/balloons.jpg"
    assert Job.objects.get(id=job["id"]).input_file.name.endswith(".jpg")


def test_a_url_that_answers_404_fails_the_job_at_once(make_library, submit, job_result, server, settings):
    settings.ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    base, _ = server
    job = job_result(submit(make_library(), "b", input={"type": "url", "media": f"{base}/gone.jpg"}))
    assert job["status"] == "fail"
    assert job["code"] == "Download.Failed"
    assert "404" in job["message"]
    assert job["attempts"] == 1


def test_a_url_that_keeps_answering_503_fails_after_the_last_retry(
    make_library, submit, job_result, server, settings
):
    settings.ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    settings.JOB_RETRY_BACKOFF_SECONDS = 0  # every retry at once (the back-off: tests/test_queue_sweeper.py)
    base, routes = server
    routes["/busy.jpg"] = (503, {}, b"busy")
    job = job_result(submit(make_library(), "b", input={"type": "url", "media": f"{base}/busy.jpg"}))
    assert job["status"] == "fail"
    assert job["code"] == "Download.Failed"
    assert job["attempts"] == settings.JOB_MAX_ATTEMPTS
