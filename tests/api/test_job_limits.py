"""What one user may ask of the queue: a submission rate and a number of jobs waiting, each a 429 with
a code; other users are not held back."""

import pytest
from django.core.cache import cache

from jobs.models import Job
from tests.conftest import upload_image


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_submissions_over_the_rate_get_a_429_with_a_code(api, make_library, images, settings):
    settings.JOB_SUBMIT_RATE = "3/min"
    library = make_library()
    answers = [upload_image(api, library, images["balloons.jpg"], f"k{n}").status_code for n in range(5)]
    assert answers == [201, 201, 201, 429, 429]
    refused = upload_image(api, library, images["balloons.jpg"], "k9")
    assert refused.json()["code"] == "Throttling"
    assert int(refused["Retry-After"]) > 0


def test_a_user_with_too_many_jobs_waiting_gets_a_429_others_do_not(
    api, api_as, make_library, images, settings
):
    settings.MAX_WAITING_JOBS_PER_USER = 2
    library = make_library()
    # Jobs stay queuing: their wake-ups are never run in this test (no commit hooks).
    assert [upload_image(api, library, images["balloons.jpg"], f"k{n}").status_code for n in range(3)] == [
        201,
        201,
        429,
    ]
    refused = upload_image(api, library, images["balloons.jpg"], "k9")
    assert refused.json()["code"] == "Throttling.Quota"
    assert "at most 2" in refused.json()["message"]
    other = api_as("moderator")
    assert upload_image(other, library, images["balloons.jpg"], "theirs").status_code == 201
    Job.objects.update(status="success")  # finished jobs free the quota
    assert upload_image(api, library, images["balloons.jpg"], "k10").status_code == 201


def test_the_quota_holds_for_the_cloud_styles_too(api, client, user, make_library, settings):
    from rest_framework.authtoken.models import Token

    settings.MAX_WAITING_JOBS_PER_USER = 1
    library = make_library(media_type="text")
    (settings.IMPORT_ROOT / "books").mkdir()
    (settings.IMPORT_ROOT / "books" / "a.txt").write_text("A passage worth keeping. " * 20)
    token = Token.objects.get(user=user).key
    answers = []
    for key in ("p1", "p2"):
        response = client.post(
            "/api/ice/",
            {
                "Action": "SubmitDNAJob",
                "DBId": library["id"],
                "PrimaryKey": key,
                "Input": '{"Type": "OSS", "Media": "oss://books/a.txt"}',
                "Config": '{"SaveType": "save", "MediaType": "text"}',
            },
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        answers.append((response.status_code, response.json().get("Code")))
    assert answers == [(200, None), (429, "Throttling.Quota")]
