from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job


@pytest.fixture
def jobs(make_library, submit, images):
    a = make_library("a")
    b = make_library("b")
    made = [
        submit(a, "one", file=images["balloons.jpg"]).json()["id"],
        submit(a, "two", file=images["elephant.jpg"], pipeline="fast").json()["id"],
        submit(b, "three", file=images["hummingbird.jpg"]).json()["id"],
    ]
    return a, b, made


def test_it_lists_newest_first(api, jobs):
    _, _, made = jobs
    body = api.get("/api/v1/jobs/").json()
    assert [j["id"] for j in body["results"]] == made[::-1]


def test_it_filters_by_ids_status_library_and_pipeline(api, jobs):
    a, b, made = jobs
    assert {j["id"] for j in api.get(f"/api/v1/jobs/?ids={made[0]},{made[2]}").json()["results"]} == {
        made[0],
        made[2],
    }
    assert len(api.get(f"/api/v1/jobs/?library={b['id']}").json()["results"]) == 1
    assert [j["id"] for j in api.get("/api/v1/jobs/?pipeline=fast").json()["results"]] == [made[1]]
    assert len(api.get("/api/v1/jobs/?status=success").json()["results"]) == 3
    assert api.get("/api/v1/jobs/?status=queuing").json()["results"] == []


def test_it_filters_by_creation_time(api, jobs):
    _, _, made = jobs
    Job.objects.filter(id=made[0]).update(created_at=timezone.now() - timedelta(days=2))
    yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = api.get(f"/api/v1/jobs/?created_after={yesterday}").json()["results"]
    before = api.get(f"/api/v1/jobs/?created_before={yesterday}").json()["results"]
    assert [j["id"] for j in before] == [made[0]]
    assert {j["id"] for j in after} == {made[1], made[2]}


def test_it_pages_with_a_cursor(api, jobs):
    _, _, made = jobs
    first = api.get("/api/v1/jobs/?page_size=2").json()
    assert len(first["results"]) == 2
    second = api.get(first["next"]).json()
    assert [j["id"] for j in first["results"] + second["results"]] == made[::-1]
    assert second["next"] is None


@pytest.mark.parametrize(
    "query, code",
    [
        ("page_size=0", "InvalidParameter.PageSize"),
        ("page_size=101", "InvalidParameter.PageSize"),
        ("page_size=ten", "InvalidParameter.PageSize"),
        ("cursor=garbage", "InvalidParameter.Cursor"),
        ("status=done", "InvalidParameter.Status"),
        ("ids=xyz", "InvalidParameter.Ids"),
        ("library=xyz", "InvalidParameter.Library"),
        ("created_after=yesterday", "InvalidParameter.CreatedAfter"),
        ("created_before=2026-13-45", "InvalidParameter.CreatedBefore"),
    ],
)
def test_it_rejects_bad_filters_with_a_code(api, db, query, code):
    response = api.get(f"/api/v1/jobs/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code
