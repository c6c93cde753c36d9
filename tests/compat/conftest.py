import json
from xml.etree import ElementTree

import pytest
from rest_framework.authtoken.models import Token

from tests import media
from tests.conftest import make_user


@pytest.fixture
def token(api, user):
    return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def rpc(client, token, run_commit_hooks):
    """Call an Alibaba-style action as the cloud SDKs do (form POST); queued work runs inline."""

    def call(product, action, expect=200, method="post", **params):
        send = getattr(client, method)
        data = {"Action": action, **params}
        response = run_commit_hooks(send, f"/api/{product}/", data, HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == expect, response.content.decode()
        if response["Content-Type"].startswith("application/xml"):
            return ElementTree.fromstring(response.content)
        return response.json()

    return call


@pytest.fixture
def ci(client, token, run_commit_hooks):
    """POST a Tencent CI <Request> (or GET a job); returns (status, parsed XML root)."""

    def call(method, path, body: str | None = None, expect=200, run=True, **headers):
        headers.setdefault("HTTP_AUTHORIZATION", f"Token {token}")
        if method == "POST":
            send = run_commit_hooks if run else (lambda function, *a, **k: function(*a, **k))
            response = send(client.post, path, body, content_type="application/xml", **headers)
        else:
            response = client.get(path, **headers)
        if expect is not None:
            assert response.status_code == expect, response.content.decode()
        assert response["Content-Type"].startswith("application/xml")
        return ElementTree.fromstring(response.content)

    return call


@pytest.fixture
def place(settings):
    """Put a file under the import root as bucket/object (what oss://bucket/object reads without a store)."""

    def put(name: str, source=None, text: str | None = None):
        target = settings.IMPORT_ROOT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is not None:
            target.write_text(text, encoding="utf-8")
        else:
            target.write_bytes(source.read_bytes())
        return name

    return put


@pytest.fixture
def video_library(make_library, submit, job_result, compat_media):
    """A video library holding dog-with-music (saved through the native API)."""
    library = make_library("clips", media_type="video")
    job = job_result(submit(library, "dog-with-music", media_type="video", file=compat_media["original"]))
    assert job["status"] == "success" and job["saved"], job
    return library


@pytest.fixture
def text_library(make_library, submit, job_result):
    library = make_library("books", media_type="text")
    body, _ = media.excerpt("dickens-music", 0.3, 4000)
    job = job_result(submit(library, "dickens", media_type="text", text=body))
    assert job["status"] == "success" and job["saved"], job
    return library, body


def viewer_token(db):
    return Token.objects.create(user=make_user("vera", "viewer")).key


def config(save_type="nosave", media_type="video") -> str:
    return json.dumps({"SaveType": save_type, "MediaType": media_type})
