"""Tenancy in the native REST API: the same rules as the pages, and tokens limited to libraries."""

import pytest
from rest_framework.test import APIClient

from jobs.models import Job, JobStatus, Match, ReviewStatus
from libraries.models import Library, Media
from libraries.services import limit_token


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_lists_hold_the_teams_own_and_the_shared_objects(world, api_with_token):
    client = api_with_token("news_viewer")
    assert _ids(client.get("/api/v1/libraries/")) == {
        world.libraries["news"].id.hex,
        world.libraries["shared"].id.hex,
    }
    jobs = _ids(client.get("/api/v1/jobs/"))
    assert jobs == {world.jobs[n].done.id.hex for n in ("news", "shared")} | {
        world.jobs[n].queued.id.hex for n in ("news", "shared")
    }
    # Naming the hidden ones in a filter finds nothing either.
    hidden = ",".join(world.jobs[n].done.id.hex for n in ("archive", "archive_in_shared"))
    assert _ids(client.get("/api/v1/jobs/", {"ids": hidden})) == set()
    assert len(_ids(api_with_token("admin").get("/api/v1/jobs/"))) == 8


@pytest.mark.parametrize(
    "method,path,code",
    [
        ("get", "/api/v1/libraries/{library}/", "ResourceNotFound.Library"),
        ("get", "/api/v1/libraries/{library}/media/", "ResourceNotFound.Library"),
        ("get", "/api/v1/libraries/{library}/media/archive-book/", "ResourceNotFound.Library"),
        ("delete", "/api/v1/libraries/{library}/media/archive-book/", "ResourceNotFound.Library"),
        ("get", "/api/v1/jobs/{job}/", "ResourceNotFound.Job"),
        ("get", "/api/v1/jobs/{shared_job}/", "ResourceNotFound.Job"),
        ("post", "/api/v1/jobs/{queued}/cancel/", "ResourceNotFound.Job"),
        ("get", "/api/v1/matches/{match}/", "ResourceNotFound.Match"),
        ("post", "/api/v1/matches/{match}/review/", "ResourceNotFound.Match"),
    ],
)
def test_another_teams_objects_do_not_exist_for_a_member(world, api_with_token, method, path, code):
    archive = world.jobs["archive"]
    url = path.format(
        library=world.libraries["archive"].id.hex,
        job=archive.done.id.hex,
        shared_job=world.jobs["archive_in_shared"].done.id.hex,
        queued=archive.queued.id.hex,
        match=archive.match.id,
    )
    body = {"decision": "dismissed"} if "review" in path else None
    response = getattr(api_with_token("news_mod"), method)(url, body, format="json")
    assert response.status_code == 404, response.content
    assert response.json()["code"] == code
    # Nothing changed.
    assert Media.objects.filter(id=world.items["archive"].id).exists()
    assert Job.objects.get(id=archive.queued.id).status == JobStatus.QUEUING
    assert Match.objects.get(id=archive.match.id).review_status == ReviewStatus.PENDING


def test_a_member_cannot_submit_to_another_teams_library_or_from_its_items(world, api_with_token):
    client = api_with_token("news_mod")
    to_archive = client.post(
        "/api/v1/jobs/",
        {
            "library": world.libraries["archive"].id.hex,
            "primary_key": "probe",
            "media_type": "text",
            "save_type": "nosave",
            "text": "Anything at all.",
        },
        format="json",
    )
    assert to_archive.status_code == 400 and to_archive.json()["code"] == "ResourceNotFound.Library"
    from_archive = client.post(
        "/api/v1/jobs/",
        {
            "library": world.libraries["news"].id.hex,
            "primary_key": "probe",
            "media_type": "text",
            "save_type": "nosave",
            "input": {"type": "media", "media": world.items["archive"].id.hex},
        },
        format="json",
    )
    assert from_archive.status_code == 400 and from_archive.json()["code"] == "ResourceNotFound.Media"
    assert not Job.objects.filter(primary_key="probe").exists()


def test_a_new_library_belongs_to_the_named_team_or_the_creators_only_team(world, api_with_token):
    admin = api_with_token("admin")
    named = admin.post(
        "/api/v1/libraries/", {"name": "wire", "media_type": "text", "team": "archive"}, format="json"
    )
    assert named.status_code == 201 and named.json()["team"] == "archive"
    shared = admin.post("/api/v1/libraries/", {"name": "common", "media_type": "text"}, format="json")
    assert shared.json()["team"] is None  # the admin is in no team
    world.teams["newsroom"].members.add(world.people["admin"])
    own = admin.post("/api/v1/libraries/", {"name": "desk", "media_type": "text"}, format="json")
    assert own.json()["team"] == "newsroom"
    unknown = admin.post(
        "/api/v1/libraries/", {"name": "x", "media_type": "text", "team": "nobody"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "InvalidParameter.Team"
    assert unknown.json()["message"] == "team: No team is named nobody."
    assert not Library.objects.filter(name="x").exists()


def test_giving_a_library_to_a_team_moves_its_shared_jobs_with_it(world, api_with_token):
    library = world.libraries["shared"]
    response = api_with_token("admin").patch(
        f"/api/v1/libraries/{library.id.hex}/", {"team": "newsroom"}, format="json"
    )
    assert response.status_code == 200 and response.json()["team"] == "newsroom"
    assert Job.objects.get(id=world.jobs["shared"].done.id).team == world.teams["newsroom"]
    # The archive's own upload, sent while the library was shared, stays the archive's.
    assert Job.objects.get(id=world.jobs["archive_in_shared"].done.id).team == world.teams["archive"]
    assert api_with_token("arch_mod").get(f"/api/v1/libraries/{library.id.hex}/").status_code == 404
    back = api_with_token("admin").patch(
        f"/api/v1/libraries/{library.id.hex}/", {"team": None}, format="json"
    )
    assert back.json()["team"] is None
    assert api_with_token("arch_mod").get(f"/api/v1/libraries/{library.id.hex}/").status_code == 200


def test_a_limited_token_reaches_only_its_libraries_whatever_the_role(world, api_with_token):
    limit_token(user=world.people["admin"], libraries=[world.libraries["news"]])
    client = api_with_token("admin")
    assert _ids(client.get("/api/v1/libraries/")) == {world.libraries["news"].id.hex}
    assert _ids(client.get("/api/v1/jobs/")) == {
        world.jobs["news"].done.id.hex,
        world.jobs["news"].queued.id.hex,
    }
    assert client.get(f"/api/v1/libraries/{world.libraries['shared'].id.hex}/").status_code == 404
    gone = client.delete(f"/api/v1/libraries/{world.libraries['archive'].id.hex}/")
    assert gone.status_code == 404 and Library.objects.filter(name="archive").exists()
    refused = client.post("/api/v1/libraries/", {"name": "new", "media_type": "text"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "Forbidden.TokenLimit"
    # The same account signed in (a session, not the token) is not limited.
    session = APIClient()
    session.force_login(world.people["admin"])
    assert len(_ids(session.get("/api/v1/libraries/"))) == 3
    # A limit to no library at all reaches nothing; lifted, everything again.
    limit_token(user=world.people["admin"], libraries=[])
    assert _ids(client.get("/api/v1/libraries/")) == set()
    limit_token(user=world.people["admin"], libraries=None)
    assert len(_ids(client.get("/api/v1/libraries/"))) == 3


def test_a_member_still_sees_the_jobs_they_sent_after_leaving_the_team(world, api_with_token):
    world.teams["archive"].members.remove(world.people["arch_mod"])
    client = api_with_token("arch_mod")
    assert client.get(f"/api/v1/jobs/{world.jobs['archive'].done.id.hex}/").status_code == 200
    assert client.get(f"/api/v1/libraries/{world.libraries['archive'].id.hex}/").status_code == 404
