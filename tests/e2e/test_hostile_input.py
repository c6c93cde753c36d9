"""Hostile input against a real portal on each backend (PostgreSQL refuses NUL characters in text, which
SQLite stores): every request gets a 4xx with a code, never a 500. Each case is one that answered 500
before (issue #17)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from base64 import b64encode

import pytest

from tests.e2e.portal import Portal

LONG_NAME = "a" * 300  # one path component over the 255 bytes a file system takes
LONG_URL = "http://example.com/" + "a" * 3000


@pytest.fixture(scope="module")
def running(tmp_path_factory, module_backend_env):
    """One portal per backend for the whole module (no worker: every case is refused at the door)."""
    portal = Portal(tmp_path_factory.mktemp("hostile"), module_backend_env)
    portal.start(worker=False)
    _, library = portal.request("POST", "/api/v1/libraries/", {"name": "photos", "media_type": "image"})
    portal.library = library["id"]
    yield portal
    portal.stop()


@pytest.fixture(scope="module", params=["sqlite+orm", "postgresql+redis"])
def module_backend_env(request):
    from tests.e2e import conftest

    if request.param == "sqlite+orm":
        yield {}
        return
    conftest._redis_available()
    database = conftest._postgres_database()
    url = next(database)
    yield {"DATABASE_URL": url, "REDIS_URL": conftest.REDIS_URL, "DNAPORTAL_QUEUE_NAME": "hostile"}
    next(database, None)


def _send(portal: Portal, method: str, path: str, body: bytes | None = None, content_type: str = ""):
    headers = {"Authorization": f"Token {portal.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(portal.url + path, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def _json(portal, method, path, body):
    return _send(portal, method, path, json.dumps(body).encode(), "application/json")


def _form(portal, path, fields):
    from urllib.parse import urlencode

    return _send(portal, "POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded")


def _ci(portal, xml: bytes):
    return _send(portal, "POST", "/api/ci/jobs", xml, "application/xml")


def _ci_job(object_key: str = "a.jpg", callback: str = "") -> bytes:
    extra = f"<CallBack>{callback}</CallBack>" if callback else ""
    return (
        "<Request><Tag>VideoDNA</Tag><Input><Object>"
        + object_key
        + "</Object></Input><Operation><DnaConfig><RuleType>GetFingerPrint</RuleType>"
        "<DnaDbId>LIB</DnaDbId><DnaId>k</DnaId></DnaConfig></Operation>" + extra + "</Request>"
    ).encode()


CASES = {
    # NUL in native query parameters and lookups
    "jobs list pipeline": lambda p: _send(p, "GET", "/api/v1/jobs/?pipeline=a%00b"),
    "media lookup": lambda p: _send(p, "GET", f"/api/v1/libraries/{p.library}/media/a%00b/"),
    "library lookup": lambda p: _send(p, "GET", "/api/v1/libraries/a%00b/"),
    "job user_data": lambda p: _json(
        p,
        "POST",
        "/api/v1/jobs/",
        {
            "library": p.library,
            "primary_key": "k",
            "user_data": "x\u0000",
            "input": {"type": "url", "media": "http://example.com/a.jpg"},
        },
    ),
    "forged cursor": lambda p: _send(p, "GET", "/api/v1/jobs/?cursor=" + b64encode(b"p=\x00&r=1").decode()),
    "path component over 255 bytes": lambda p: _json(
        p,
        "POST",
        "/api/v1/jobs/",
        {"library": p.library, "primary_key": "k", "input": {"type": "path", "media": LONG_NAME + ".jpg"}},
    ),
    "url over 2048 characters": lambda p: _json(
        p,
        "POST",
        "/api/v1/jobs/",
        {"library": p.library, "primary_key": "k", "input": {"type": "url", "media": LONG_URL}},
    ),
    # Alibaba styles
    "ice CreateDNADB name": lambda p: _form(p, "/api/ice/", {"Action": "CreateDNADB", "Name": "a\x00b"}),
    "ice DeleteDNAFiles keys": lambda p: _form(
        p, "/api/ice/", {"Action": "DeleteDNAFiles", "DBId": p.library, "PrimaryKeys": "a\x00b"}
    ),
    "ice SubmitDNAJob UserData": lambda p: _form(
        p,
        "/api/ice/",
        {
            "Action": "SubmitDNAJob",
            "DBId": p.library,
            "PrimaryKey": "k",
            "UserData": "x\x00",
            "Input": '{"Type": "OSS", "Media": "oss://b/a.jpg"}',
            "Config": '{"SaveType": "save", "MediaType": "image"}',
        },
    ),
    "ice oss path over 255 bytes": lambda p: _form(
        p,
        "/api/ice/",
        {
            "Action": "SubmitDNAJob",
            "DBId": p.library,
            "PrimaryKey": "k",
            "Input": json.dumps({"Type": "OSS", "Media": f"oss://b/{LONG_NAME}.jpg"}),
            "Config": '{"SaveType": "save", "MediaType": "image"}',
        },
    ),
    "mps PipelineId": lambda p: _form(
        p, "/api/mps/", {"Action": "QueryFpShotJobList", "PipelineId": "a\x00"}
    ),
    # Tencent style
    "ci object over 255 bytes": lambda p: _ci(
        p, _ci_job(LONG_NAME + ".jpg").replace(b"LIB", p.library.encode())
    ),
    "ci callback over 2048": lambda p: _ci(p, _ci_job(callback=LONG_URL).replace(b"LIB", p.library.encode())),
    "ci xml in utf-7": lambda p: _ci(
        p, b'<?xml version="1.0" encoding="UTF-7"?>' + _ci_job().replace(b"LIB", p.library.encode())
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_gets_a_coded_4xx_never_a_500(running, case):
    status, body = CASES[case](running)
    assert 400 <= status < 500, f"{case}: {status} {body[:300]!r}"
    text = body.decode("utf-8", "replace")
    assert '"code"' in text.lower() or "<Code>" in text, f"{case}: no code in {text[:300]}"
