"""Tenancy in the Tencent CI style: jobs, libraries and items of another team do not exist."""

from xml.etree import ElementTree

from jobs.models import Job
from libraries.models import Media
from libraries.services import limit_token
from tests.compat.signers import cos_authorization


def _post(client, world, who: str, body: str):
    return client.post(
        "/api/ci/jobs",
        body,
        content_type="application/xml",
        HTTP_AUTHORIZATION=f"Token {world.tokens[who]}",
    )


def _code(response) -> str:
    return ElementTree.fromstring(response.content).findtext("Code")


def _request(db_id: str, rule: str, extra: str = "") -> str:
    return (
        "<Request><Tag>DNA</Tag><Input><Object>probe.txt</Object></Input><Operation><DnaConfig>"
        f"<RuleType>{rule}</RuleType><DnaDbId>{db_id}</DnaDbId>{extra}</DnaConfig></Operation></Request>"
    )


def test_another_teams_job_does_not_exist_for_a_member(world, client):
    job = world.jobs["archive_in_shared"].done.id.hex
    outsider = client.get(f"/api/ci/jobs/{job}", HTTP_AUTHORIZATION=f"Token {world.tokens['news_viewer']}")
    assert outsider.status_code == 404 and _code(outsider) == "NoSuchResource"
    owner = client.get(f"/api/ci/jobs/{job}", HTTP_AUTHORIZATION=f"Token {world.tokens['arch_mod']}")
    assert owner.status_code == 200


def test_a_member_cannot_submit_to_or_delete_from_another_teams_library(world, client):
    archive = world.libraries["archive"].id.hex
    submit = _post(client, world, "news_mod", _request(archive, "FindSimilarVideo"))
    assert submit.status_code == 404 and _code(submit) == "NoSuchResource"
    item = world.items["archive"].id.hex
    delete = _post(
        client, world, "news_mod", _request(archive, "DeleteFingerPrint", f"<VideoId>{item}</VideoId>")
    )
    assert delete.status_code == 404 and _code(delete) == "NoSuchResource"
    # Named through a library the member does see, the item still does not exist for them.
    news = world.libraries["news"].id.hex
    through_own = _post(
        client, world, "news_mod", _request(news, "DeleteFingerPrint", f"<VideoId>{item}</VideoId>")
    )
    assert through_own.status_code == 404
    assert Media.objects.filter(id=world.items["archive"].id).exists()
    assert not Job.objects.filter(
        primary_key__in=["probe.txt", "archive-book"], created_by__username="news_mod"
    )


def test_a_limited_token_limits_signed_requests_too(world, client):
    admin = world.people["admin"]
    limit_token(user=admin, libraries=[world.libraries["news"]])
    job = world.jobs["archive"].done.id.hex
    path = f"/api/ci/jobs/{job}"
    authorization = cos_authorization(admin.username, world.tokens["admin"], "GET", path, {})
    response = client.get(path, HTTP_AUTHORIZATION=authorization, HTTP_HOST="testserver")
    assert response.status_code == 404 and _code(response) == "NoSuchResource"
    own = f"/api/ci/jobs/{world.jobs['news'].done.id.hex}"
    authorization = cos_authorization(admin.username, world.tokens["admin"], "GET", own, {})
    assert client.get(own, HTTP_AUTHORIZATION=authorization, HTTP_HOST="testserver").status_code == 200
