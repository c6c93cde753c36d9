"""Tenancy in the Alibaba MPS style: QueryFpShotJobList lists and finds only the caller's jobs."""

from libraries.services import limit_token
from tests.compat.signers import signed_params


def test_jobs_of_another_team_are_reported_as_not_existing(world, client):
    ids = [world.jobs[n].done.id.hex for n in ("news", "archive", "archive_in_shared")]
    response = client.get(
        "/api/mps/",
        {"Action": "QueryFpShotJobList", "JobIds": ",".join(ids), "ListStyle": "flat"},
        HTTP_AUTHORIZATION=f"Token {world.tokens['news_viewer']}",
    )
    body = response.json()
    assert [job["Id"] for job in body["FpShotJobList"]] == [world.jobs["news"].done.id.hex]
    assert body["NonExistIds"] == ids[1:]


def test_the_job_list_holds_only_the_callers_jobs(world, client):
    response = client.get(
        "/api/mps/",
        {"Action": "QueryFpShotJobList", "ListStyle": "flat", "MaximumPageSize": "100"},
        HTTP_AUTHORIZATION=f"Token {world.tokens['arch_mod']}",
    )
    listed = {job["Id"] for job in response.json()["FpShotJobList"]}
    expected = {
        getattr(world.jobs[n], part).id.hex
        for n in ("archive", "archive_in_shared", "shared")
        for part in ("done", "queued")
    }
    assert listed == expected


def test_a_limited_token_limits_the_signed_job_list(world, client):
    admin = world.people["admin"]
    limit_token(user=admin, libraries=[world.libraries["archive"]])
    params = signed_params(
        "QueryFpShotJobList", admin.username, world.tokens["admin"], ListStyle="flat", MaximumPageSize="100"
    )
    response = client.get("/api/mps/", params)
    assert response.status_code == 200, response.content
    listed = {job["Id"] for job in response.json()["FpShotJobList"]}
    assert listed == {world.jobs["archive"].done.id.hex, world.jobs["archive"].queued.id.hex}
