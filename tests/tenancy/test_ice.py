"""Tenancy in the Alibaba ICE style: the same rules as the native API, signed or with a token."""

import json

import pytest

from compat.ice import result_url
from jobs.models import Job
from libraries.models import Library, Media
from libraries.services import limit_token
from tests.compat.signers import signed_params


@pytest.fixture
def ice(client, world):
    def call(who: str, action: str, expect: int = 200, **params):
        response = client.post(
            "/api/ice/", {"Action": action, **params}, HTTP_AUTHORIZATION=f"Token {world.tokens[who]}"
        )
        assert response.status_code == expect, response.content.decode()
        return response.json()

    return call


def test_list_dna_db_holds_the_teams_own_and_the_shared_libraries(world, ice):
    listed = {db["Name"] for db in ice("news_viewer", "ListDNADB")["DBList"]}
    assert listed == {"news", "shared"}
    named = ice("news_viewer", "ListDNADB", DBIds=world.libraries["archive"].id.hex)
    assert named["DBList"] == []
    assert len(ice("admin", "ListDNADB")["DBList"]) == 3


def test_another_teams_library_does_not_exist_for_a_member(world, ice):
    archive = world.libraries["archive"].id.hex
    files = ice("news_mod", "ListDNAFiles", expect=404, DBId=archive)
    assert files["Code"] == "InvalidParameter.ResourceNotFound"
    ice("news_mod", "DeleteDNAFiles", expect=404, DBId=archive, PrimaryKeys="archive-book")
    assert Media.objects.filter(id=world.items["archive"].id).exists()
    submit = ice(
        "news_mod",
        "SubmitDNAJob",
        expect=400,
        DBId=archive,
        PrimaryKey="probe",
        Input=json.dumps({"Type": "OSS", "Media": "https://example.com/a.txt"}),
    )
    assert submit["Code"] == "InvalidParameter.ResourceNotFound"
    from_item = ice(
        "news_mod",
        "SubmitDNAJob",
        expect=400,
        DBId=world.libraries["news"].id.hex,
        PrimaryKey="probe",
        Input=json.dumps({"Type": "Media", "Media": world.items["archive"].id.hex}),
    )
    assert from_item["Code"] == "InvalidParameter.ResourceNotFound"
    assert not Job.objects.filter(primary_key="probe").exists()


def test_query_dna_job_list_shows_only_the_members_jobs(world, ice):
    ids = [world.jobs[n].done.id.hex for n in ("news", "archive", "archive_in_shared", "shared")]
    found = ice("news_viewer", "QueryDNAJobList", JobIds=",".join(ids))["JobList"]
    assert [job["Id"] for job in found] == [world.jobs["news"].done.id.hex, world.jobs["shared"].done.id.hex]
    recent = {job["Id"] for job in ice("news_viewer", "QueryDNAJobList")["JobList"]}
    assert not recent & {world.jobs[n].done.id.hex for n in ("archive", "archive_in_shared")}


def test_a_dna_result_is_read_by_its_signed_link_or_by_a_member(world, client):
    job = world.jobs["archive"].done
    path = f"/api/ice/dna-results/{job.id.hex}"
    outsider = client.get(path, HTTP_AUTHORIZATION=f"Token {world.tokens['news_viewer']}")
    assert outsider.status_code == 404
    owner = client.get(path, HTTP_AUTHORIZATION=f"Token {world.tokens['arch_mod']}")
    assert owner.status_code == 200 and owner.json()[0]["PrimaryKey"] == "archive-book"
    # The link QueryDNAJobList hands out is a capability of its own, like the cloud's presigned URL.
    link = result_url(None, job).split("/api/ice/", 1)[1]
    assert client.get(f"/api/ice/{link}").status_code == 200


def test_a_limited_token_limits_signed_requests_too(world, client):
    admin = world.people["admin"]
    limit_token(user=admin, libraries=[world.libraries["news"]])
    listed = client.get("/api/ice/", signed_params("ListDNADB", admin.username, world.tokens["admin"]))
    assert listed.status_code == 200, listed.content
    assert [db["Name"] for db in listed.json()["DBList"]] == ["news"]
    delete = signed_params(
        "DeleteDNADB", admin.username, world.tokens["admin"], DBId=world.libraries["archive"].id.hex
    )
    assert client.get("/api/ice/", delete).status_code == 404
    assert Library.objects.filter(name="archive").exists()
    create = client.get(
        "/api/ice/", signed_params("CreateDNADB", admin.username, world.tokens["admin"], Name="more")
    )
    assert create.status_code == 403 and create.json()["Code"] == "Forbidden.TokenLimit"


def test_create_dna_db_gives_the_library_to_the_creators_only_team(world, ice):
    world.teams["archive"].members.add(world.people["admin"])
    made = ice("admin", "CreateDNADB", Name="archive-2", Model="Text")["DBInfo"]
    assert Library.objects.get(id=made["DBId"]).team == world.teams["archive"]
    assert ice("news_viewer", "ListDNAFiles", expect=404, DBId=made["DBId"])
