"""Alibaba Cloud signature V3 (ACS3-HMAC-SHA256) on the ICE and MPS endpoints, signed by the official
SDK's own signer (alibabacloud_tea_openapi), and what an attacker tries: replays, tampering, unsigned
or duplicated headers, other algorithms, stale dates, oversized or garbled headers. And the Tencent
COS SDK's signature of a host without its port."""

import hashlib
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from tests.compat.signers import signed_params


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # rate-limit counters live in the cache
    yield
    cache.clear()


def v3_headers(
    action: str,
    user: str,
    secret: str,
    query: dict,
    body: bytes = b"",
    path: str = "/api/ice/",
    method: str = "POST",
    extra: dict | None = None,
    algorithm: str = "ACS3-HMAC-SHA256",
) -> dict:
    """The headers the current Alibaba Cloud SDK sends for an RPC call (its signer, unchanged)."""
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.request import DaraRequest

    request = DaraRequest()
    request.method, request.pathname, request.query = method, path, dict(query)
    payload = hashlib.sha256(body).hexdigest()
    request.headers = {
        "host": "testserver",
        "x-acs-version": "2020-11-09",
        "x-acs-action": action,
        "x-acs-date": Utils.get_timestamp(),
        "x-acs-signature-nonce": Utils.get_nonce(),
        "accept": "application/json",
        "x-acs-content-sha256": payload,
        **(extra or {}),
    }
    request.headers["Authorization"] = Utils.get_authorization(request, algorithm, payload, user, secret)
    return request.headers


def send(client, headers: dict, query: dict, body: bytes = b"", path: str = "/api/ice/", method="POST"):
    headers = dict(headers)
    content_type = headers.pop("content-type", "application/octet-stream")
    url = f"{path}?{urlencode(query)}" if query else path
    return client.generic(method, url, data=body, content_type=content_type, headers=headers)


def test_the_current_sdks_signature_v3_is_accepted(client, token, user):
    query = {"PageSize": "10"}
    answer = send(client, v3_headers("ListDNADB", user.username, token, query), query)
    assert answer.status_code == 200, answer.content
    assert answer.json()["DBList"] == []
    # Parameters in a signed form body (its hash is signed), the action in the header; and MPS.
    body = urlencode({"State": "All"}).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    headers = v3_headers("QueryFpShotJobList", user.username, token, {}, body, "/api/mps/", extra=form)
    answer = send(client, headers, {}, body, "/api/mps/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["FpShotJobList"] == {"FpShotJob": []}


def test_behind_a_proxy_the_root_path_is_what_was_signed(client, token, user):
    headers = v3_headers("ListDNADB", user.username, token, {}, path="/")
    assert send(client, headers, {}).status_code == 200


def _code(response, status=400):
    assert response.status_code == status, response.content
    return response.json()["Code"]


def test_a_replay_tampering_or_a_wrong_key_is_refused(client, token, user):
    query = {"PageSize": "10"}
    headers = v3_headers("ListDNADB", user.username, token, query)
    assert send(client, headers, query).status_code == 200
    assert _code(send(client, headers, query)) == "SignatureNonceUsed"
    fresh = v3_headers("ListDNADB", user.username, token, query)
    assert _code(send(client, fresh, {"PageSize": "99"})) == "SignatureDoesNotMatch"
    forged = v3_headers("ListDNADB", user.username, "not-the-token", query)
    assert _code(send(client, forged, query)) == "SignatureDoesNotMatch"
    assert _code(send(client, v3_headers("ListDNADB", "nobody", token, {}), {}), 404) == (
        "InvalidAccessKeyId.NotFound"
    )
    other_action = {**v3_headers("ListDNADB", user.username, token, {}), "x-acs-action": "DeleteDNADB"}
    assert _code(send(client, other_action, {})) == "SignatureDoesNotMatch"


def test_the_body_must_be_the_one_whose_hash_was_signed(client, token, user):
    body = urlencode({"PageSize": "10"}).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    headers = v3_headers("ListDNADB", user.username, token, {}, body, extra=form)
    assert _code(send(client, headers, {}, b"PageSize=99")) == "InvalidContentSha256"


def test_a_stale_date_or_a_long_nonce_is_refused(client, token, user):
    stale = v3_headers("ListDNADB", user.username, token, {}, extra={"x-acs-date": "2020-01-01T00:00:00Z"})
    assert _code(send(client, stale, {})) == "InvalidTimeStamp.Expired"
    garbled = v3_headers("ListDNADB", user.username, token, {}, extra={"x-acs-date": "yesterday"})
    assert _code(send(client, garbled, {})) == "InvalidTimeStamp.Format"
    long_nonce = v3_headers("ListDNADB", user.username, token, {}, extra={"x-acs-signature-nonce": "n" * 129})
    assert _code(send(client, long_nonce, {})) == "InvalidParameter.SignatureNonce"


def test_other_algorithms_are_refused_with_a_clear_code(client, token, user):
    for algorithm in ("ACS3-HMAC-SM3", "ACS3-RSA-SHA256", "ACS4-HMAC-SHA256"):
        headers = v3_headers("ListDNADB", user.username, token, {})
        headers["Authorization"] = headers["Authorization"].replace("ACS3-HMAC-SHA256", algorithm)
        assert _code(send(client, headers, {})) == "UnsupportedSignatureAlgorithm", algorithm


def _with_authorization(headers: dict, transform) -> dict:
    return {**headers, "Authorization": transform(headers["Authorization"])}


def test_unsigned_missing_or_duplicated_headers_are_refused(client, token, user):
    base = v3_headers("ListDNADB", user.username, token, {})
    # The action sent but not signed: the signer never saw it.
    unsigned = v3_headers("ListDNADB", user.username, token, {})
    unsigned.pop("x-acs-action")
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.request import DaraRequest

    request = DaraRequest()
    request.method, request.pathname, request.query = "POST", "/api/ice/", {}
    request.headers = {k: v for k, v in unsigned.items() if k != "Authorization"}
    unsigned["Authorization"] = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", unsigned["x-acs-content-sha256"], user.username, token
    )
    unsigned["x-acs-action"] = "ListDNADB"
    assert _code(send(client, unsigned, {})) == "IncompleteSignature"
    duplicated = _with_authorization(base, lambda a: a.replace("SignedHeaders=", "SignedHeaders=host;"))
    assert _code(send(client, duplicated, {})) == "IncompleteSignature"
    missing = _with_authorization(base, lambda a: a.replace("SignedHeaders=", "SignedHeaders=x-acs-gone;"))
    assert _code(send(client, missing, {})) == "IncompleteSignature"
    twice = _with_authorization(base, lambda a: a + ",Signature=" + "0" * 64)
    assert _code(send(client, twice, {})) == "IncompleteSignature"


def test_garbled_or_oversized_authorization_headers_get_a_code_not_a_500(client, token, user):
    base = v3_headers("ListDNADB", user.username, token, {})
    for authorization in (
        "ACS3-HMAC-SHA256",
        "ACS3-HMAC-SHA256 Credential=admin",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=ab",
        base["Authorization"][:-64] + "é" * 64,
        base["Authorization"] + "0" * 4096,
        base["Authorization"].replace("SignedHeaders=", "SignedHeaders=HOST;"),
    ):
        answer = send(client, {**base, "Authorization": authorization}, {})
        assert _code(answer) == "IncompleteSignature", authorization[:80]


def test_the_action_parameter_and_header_must_agree(client, token, user):
    query = {"Action": "DeleteDNADB"}
    headers = v3_headers("ListDNADB", user.username, token, query)
    assert _code(send(client, headers, query)) == "InvalidParameter.Action"


def test_a_garbled_v1_signature_gets_a_code_not_a_500(client, token, user):
    params = {**signed_params("ListDNADB", user.username, token), "Signature": "é" * 28}
    assert _code(client.get("/api/ice/", params)) == "SignatureDoesNotMatch"


def test_a_tencent_signature_of_the_host_without_its_port_is_accepted(client, token, user):
    """The COS SDK signs the URL's host name; behind a proxy on port 8080 the Host header has the port."""
    import requests
    from qcloud_cos.cos_auth import CosS3Auth
    from qcloud_cos.cos_client import CosConfig

    path = f"/api/ci/jobs/{'0' * 32}"
    for host in ("testserver:8080", "testserver"):
        conf = CosConfig(Region="ap-beijing", SecretId=user.username, SecretKey=token)
        prepared = requests.Request("GET", f"http://{host}{path}").prepare()
        CosS3Auth(conf, key=path)(prepared)
        assert "q-header-list=host" in prepared.headers["Authorization"]
        for sent_host in ("testserver:8080", "testserver"):
            response = client.get(
                path, HTTP_AUTHORIZATION=prepared.headers["Authorization"], HTTP_HOST=sent_host
            )
            # Authenticated: the job simply does not exist.
            assert response.status_code == 404, (host, sent_host, response.content)
    # A signature of another host is still refused.
    conf = CosConfig(Region="ap-beijing", SecretId=user.username, SecretKey=token)
    prepared = requests.Request("GET", f"http://elsewhere:8080{path}").prepare()
    CosS3Auth(conf, key=path)(prepared)
    response = client.get(path, HTTP_AUTHORIZATION=prepared.headers["Authorization"], HTTP_HOST="testserver")
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content
