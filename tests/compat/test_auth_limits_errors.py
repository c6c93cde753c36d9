"""Who may call the cloud-style APIs, how often, and what a bad request gets back: credentials signed
by the clouds' own SDK signers, roles, per-client rate limits, and errors in each style's shape."""

import json
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from django.core.cache import cache

from compat import limits
from tests.compat.conftest import config, viewer_token
from tests.compat.signers import cos_authorization, signed_params

ALIBABA_ERROR = {"RequestId", "HostId", "Code", "Message"}


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # rate-limit counters live in the cache
    yield
    cache.clear()


def test_an_alibaba_sdk_signature_is_accepted(client, token, user):
    response = client.get("/api/ice/", signed_params("ListDNADB", user.username, token))
    assert response.status_code == 200, response.content
    assert response.json()["DBList"] == []


def test_a_replayed_or_forged_signature_is_refused(client, token, user):
    params = signed_params("ListDNADB", user.username, token)
    assert client.get("/api/ice/", params).status_code == 200
    replay = client.get("/api/ice/", params).json()
    assert replay["Code"] == "SignatureNonceUsed"
    forged = signed_params("ListDNADB", user.username, "not-the-token")
    answer = client.get("/api/ice/", forged)
    assert answer.status_code == 400 and answer.json()["Code"] == "SignatureDoesNotMatch"
    unknown = client.get("/api/ice/", signed_params("ListDNADB", "nobody", token))
    assert unknown.status_code == 404 and unknown.json()["Code"] == "InvalidAccessKeyId.NotFound"
    stale = {**signed_params("ListDNADB", user.username, token), "Timestamp": "2020-01-01T00:00:00Z"}
    assert client.get("/api/ice/", stale).json()["Code"] == "InvalidTimeStamp.Expired"


def test_a_replay_is_refused_even_after_the_cache_was_flushed(client, token, user):
    params = signed_params("ListDNADB", user.username, token)
    assert client.get("/api/ice/", params).status_code == 200
    cache.clear()  # a Redis flush, a restart, another web server
    assert client.get("/api/ice/", params).json()["Code"] == "SignatureNonceUsed"
    other = signed_params("ListDNADB", user.username, token)  # a new nonce is fine
    assert client.get("/api/ice/", other).status_code == 200


def test_a_tencent_sdk_signature_is_accepted(client, token, user, api):
    job = "0" * 32
    authorization = cos_authorization(user.username, token, "GET", f"/api/ci/jobs/{job}", {})
    response = client.get(f"/api/ci/jobs/{job}", HTTP_AUTHORIZATION=authorization, HTTP_HOST="testserver")
    # Authenticated: the job simply does not exist.
    assert response.status_code == 404, response.content
    assert ElementTree.fromstring(response.content).findtext("Code") == "NoSuchResource"
    # The same request signed with another key is refused.
    wrong = cos_authorization(user.username, "wrong", "GET", f"/api/ci/jobs/{job}", {})
    refused = client.get(f"/api/ci/jobs/{job}", HTTP_AUTHORIZATION=wrong, HTTP_HOST="testserver")
    assert refused.status_code == 403
    assert ElementTree.fromstring(refused.content).findtext("Code") == "SignatureDoesNotMatch"


def test_a_signature_over_the_path_a_proxy_strips_is_accepted(client, token, user):
    """An unchanged SDK signs `/jobs/{id}` for its bucket host; a proxy maps that host to /api/ci."""
    job = "0" * 32
    authorization = cos_authorization(user.username, token, "GET", f"/jobs/{job}", {})
    response = client.get(f"/api/ci/jobs/{job}", HTTP_AUTHORIZATION=authorization, HTTP_HOST="testserver")
    assert response.status_code == 404, response.content


def test_no_credentials_get_each_styles_error(client, db):
    ice = client.get("/api/ice/", {"Action": "ListDNADB"})
    assert ice.status_code == 401 and set(ice.json()) == ALIBABA_ERROR
    mps = client.get("/api/mps/", {"Action": "QueryFpShotJobList", "Format": "XML"})
    assert mps.status_code == 401 and ElementTree.fromstring(mps.content).tag == "Error"
    ci = client.get("/api/ci/jobs/abc")
    error = ElementTree.fromstring(ci.content)
    assert ci.status_code == 401 and error.tag == "Error"
    # Every element the COS SDK reads (tests/e2e/test_official_sdks.py reads one through it).
    assert {child.tag for child in error} == {"Code", "Message", "Resource", "RequestId", "TraceId"}
    bad = client.get("/api/ice/", {"Action": "ListDNADB"}, HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 401 and bad.json()["Code"] == "InvalidToken"


def test_roles_hold_in_every_style(client, db, video_library):
    viewer = f"Token {viewer_token(db)}"
    assert client.get("/api/ice/", {"Action": "ListDNADB"}, HTTP_AUTHORIZATION=viewer).status_code == 200
    denied = client.post(
        "/api/ice/",
        {"Action": "CreateDNADB", "Name": "x", "Model": "Video"},
        HTTP_AUTHORIZATION=viewer,
    )
    assert denied.status_code == 403 and denied.json()["Code"] == "Forbidden.RAM"
    body = "<Request><Tag>DNA</Tag></Request>"
    ci = client.post("/api/ci/jobs", body, content_type="application/xml", HTTP_AUTHORIZATION=viewer)
    assert ci.status_code == 403 and ElementTree.fromstring(ci.content).findtext("Code") == "AccessDenied"


def test_a_client_over_its_rate_gets_a_throttling_error(client, token, settings, monkeypatch):
    settings.COMPAT_QPS = 3
    # Every call in the same second, however slow the machine (the count is per clock second).
    monkeypatch.setattr(limits, "time", SimpleNamespace(time=lambda: 1_800_000_000.5))
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    answers = [client.get("/api/ice/", {"Action": "ListDNADB"}, **auth) for _ in range(5)]
    codes = [a.status_code for a in answers]
    assert codes == [200, 200, 200, 429, 429], codes
    refused = answers[codes.index(429)]
    assert refused.json()["Code"] == "Throttling.User" and refused["Retry-After"] == "1"
    # Counted per action: another action is not throttled by these calls.
    assert client.get("/api/mps/", {"Action": "QueryFpShotJobList"}, **auth).status_code == 200
    ci = [client.get("/api/ci/jobs/x", **auth) for _ in range(5)]
    slow = [r for r in ci if r.status_code == 503]
    assert slow and ElementTree.fromstring(slow[0].content).findtext("Code") == "SlowDown"


@pytest.mark.parametrize(
    "params, status, code",
    [
        ({}, 400, "MissingParameter.Action"),
        ({"Action": "DescribeEverything"}, 404, "InvalidAction.NotFound"),
        ({"Action": "SubmitDNAJob"}, 400, "MissingParameter.DBId"),
        (
            {"Action": "SubmitDNAJob", "DBId": "0" * 32, "PrimaryKey": "k"},
            400,
            "InvalidParameter.ResourceNotFound",
        ),
        ({"Action": "QueryDNAJobList", "JobIds": ",".join(["x"] * 11)}, 400, "InvalidParameter.JobIds"),
        ({"Action": "CreateDNADB", "Name": "n", "Model": "Hologram"}, 400, "InvalidParameter.Model"),
        (
            {"Action": "CreateDNADB", "Name": "n", "Description": "d" * 1025},
            400,
            "InvalidParameter.Description",
        ),
        ({"Action": "DeleteDNADB", "DBId": "nope"}, 404, "InvalidParameter.ResourceNotFound"),
        ({"Action": "ListDNAFiles", "DBId": "nope"}, 404, "InvalidParameter.ResourceNotFound"),
        ({"Action": "ListDNADB", "Format": "YAML"}, 400, "InvalidParameter.Format"),
    ],
)
def test_bad_rpc_requests_get_alibaba_errors(client, token, params, status, code):
    response = client.post("/api/ice/", params, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ALIBABA_ERROR and body["Code"] == code and body["Message"]


def _submit(client, token, library, media_input, **extra):
    params = {
        "Action": "SubmitDNAJob",
        "DBId": library["id"],
        "PrimaryKey": "k1",
        "Input": json.dumps(media_input),
        "Config": config(),
        **extra,
    }
    return client.post("/api/ice/", params, HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.parametrize(
    "media_input, extra, status, code",
    [
        ({"Type": "OSS", "Media": "oss://bucket/../../etc/passwd"}, {}, 403, "Forbidden.Path"),
        ({"Type": "OSS", "Media": "oss://bucket/missing.mp4"}, {}, 400, "InvalidInput.NotFound"),
        ({"Type": "OSS", "Media": "oss://Bad_Bucket!/a.mp4"}, {}, 400, "InvalidParameter.Bucket"),
        ({"Type": "OSS", "Media": "http://127.0.0.1:8000/x.mp4"}, {}, 403, "Forbidden.PrivateAddress"),
        ({"Type": "OSS", "Media": "file:///etc/passwd"}, {}, 400, "InvalidParameter.Bucket"),
        ({"Type": "Media", "Media": "0" * 32}, {}, 400, "InvalidParameter.ResourceNotFound"),
        ({"Type": "Disk", "Media": "x"}, {}, 400, "InvalidParameter.Input"),
        ({"Type": "OSS"}, {}, 400, "MissingParameter.Input"),
        ({"Type": "OSS", "Media": "oss://b-1/a.mp4"}, {"Config": "{nope"}, 400, "InvalidParameter.Config"),
        (
            {"Type": "OSS", "Media": "oss://b-1/a.mp4"},
            {"Config": config("keep")},
            400,
            "InvalidParameter.Config",
        ),
        (
            {"Type": "OSS", "Media": "oss://b-1/a.mp4"},
            {"UserData": "x" * 129},
            400,
            "InvalidParameter.UserData",
        ),
        (
            {"Type": "OSS", "Media": "oss://b-1/a.mp4"},
            {"Config": config(media_type="text")},
            400,
            "InvalidParameter.MediaType",
        ),
    ],
)
def test_bad_inputs_are_refused_before_a_job_exists(
    client, token, video_library, media_input, extra, status, code
):
    from jobs.models import Job

    before = Job.objects.count()
    response = _submit(client, token, video_library, media_input, **extra)
    assert response.status_code == status, response.content
    assert response.json()["Code"] == code
    assert Job.objects.count() == before


def test_a_taken_primary_key_is_a_conflict(client, token, video_library, place, compat_media):
    place("b-1/a.mp4", compat_media["copy"])
    media_input = {"Type": "OSS", "Media": "oss://b-1/a.mp4"}
    response = _submit(
        client, token, video_library, media_input, PrimaryKey="dog-with-music", Config=config("save")
    )
    assert response.status_code == 409 and response.json()["Code"] == "ResourceAlreadyExists.PrimaryKey"


@pytest.mark.parametrize(
    "body, status, code",
    [
        ("not xml at all", 400, "MalformedXML"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><Request>&a;</Request>', 400, "MalformedXML"),
        ("<Job><Tag>DNA</Tag></Job>", 400, "MalformedXML"),
        ("<Request><Tag>Animation</Tag></Request>", 400, "InvalidArgument"),
        (
            "<Request><Tag>DNA</Tag><Operation><DnaConfig><RuleType>Guess</RuleType></DnaConfig></Operation></Request>",
            400,
            "InvalidArgument",
        ),
        (
            "<Request><Tag>DNA</Tag><Operation><DnaConfig><RuleType>FindSimilarVideo</RuleType><DnaDbId>nope</DnaDbId></DnaConfig></Operation></Request>",
            404,
            "NoSuchResource",
        ),
    ],
)
def test_bad_ci_bodies_get_tencent_errors(ci, body, status, code):
    error = ci("POST", "/api/ci/jobs", body, expect=status)
    assert error.tag == "Error" and error.findtext("Code") == code and error.findtext("Message")


def test_ci_request_fields_are_checked(ci, video_library, place, compat_media):
    place("clips/a.mp4", compat_media["copy"])

    def request(**fields):
        parts = {
            "Object": "clips/a.mp4",
            "RuleType": "FindSimilarVideo",
            "JobLevel": "0",
            "CallBackType": "URL",
            "CallBackFormat": "JSON",
            **fields,
        }
        return (
            f"<Request><Tag>DNA</Tag><Input><Object>{parts['Object']}</Object></Input><Operation>"
            f"<DnaConfig><RuleType>{parts['RuleType']}</RuleType><DnaDbId>{video_library['id']}</DnaDbId>"
            f"</DnaConfig><JobLevel>{parts['JobLevel']}</JobLevel></Operation>"
            f"<CallBackType>{parts['CallBackType']}</CallBackType>"
            f"<CallBackFormat>{parts['CallBackFormat']}</CallBackFormat></Request>"
        )

    for fields, code in [
        ({"JobLevel": "7"}, "InvalidArgument"),
        ({"CallBackType": "TDMQ"}, "InvalidArgument"),
        (
            {
                "CallBackType": "URL</CallBackType><CallBackMqConfig><MqRegion>x</MqRegion>"
                "</CallBackMqConfig><CallBackType>URL"
            },
            "InvalidArgument",
        ),
        ({"CallBackFormat": "YAML"}, "InvalidArgument"),
        ({"Object": "clips/missing.mp4"}, "InvalidArgument"),
        ({"Object": "../outside.mp4"}, "AccessDenied"),
        ({"RuleType": "DeleteFingerPrint"}, "InvalidArgument"),  # needs a VideoId
    ]:
        error = ci("POST", "/api/ci/jobs", request(**fields), expect=None)
        assert error.findtext("Code") == code, (fields, ElementTree.tostring(error))
    detail = ci("POST", "/api/ci/jobs", request()).find("JobsDetail")
    assert detail.findtext("State") == "Submitted"
    assert ci("GET", f"/api/ci/jobs/{detail.findtext('JobId')}").findtext("JobsDetail/State") == "Success"
