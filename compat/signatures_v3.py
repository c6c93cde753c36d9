"""Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`), what the current Alibaba Cloud SDKs (the
alibabacloud_* packages on alibabacloud_tea_openapi) send by default: the action travels in the
`x-acs-action` header and the request is signed in an `Authorization` header:

    ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>

over a canonical request (method, path, sorted percent-encoded query, the signed headers as
`name:value` lines, the signed header names, and the hex SHA-256 of the body, which the client also
sends as `x-acs-content-sha256`). Signature = hex HMAC-SHA256(AccessKeySecret, "ACS3-HMAC-SHA256\\n" +
hex SHA-256(canonical request)). AccessKeyId = the portal user name, AccessKeySecret = the API token.

What we insist on (an attacker may send anything): a bounded header, one algorithm, every signed
header present and named once, host, content-type and every x-acs-* header signed, the body's hash
matching, `x-acs-date` within 15 minutes, `x-acs-signature-nonce` used once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from compat.errors import CompatError
from compat.nonces import MAX_NONCE_LENGTH, use_once

ALGORITHM = "ACS3-HMAC-SHA256"
CLOCK_SKEW = timedelta(minutes=15)
MAX_AUTHORIZATION = 2048
MAX_SIGNED_HEADERS = 32
MAX_HEADER_VALUE = 4096
# Headers whose presence makes them part of what must be signed (besides every x-acs-* header).
ALWAYS_SIGNED = ("host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")
_HEADER_NAME = re.compile(r"[a-z0-9-]{1,64}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class V3Failed(CompatError):
    def __init__(self, code: str, message: str, http_status: int = 400):
        super().__init__(code, message, http_status)


@dataclass(frozen=True)
class Authorization:
    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def is_v3(request) -> bool:
    """Does the request carry an Alibaba `ACS<n>-...` Authorization header (any version)?"""
    return request.META.get("HTTP_AUTHORIZATION", "").startswith("ACS")


def parse_authorization(header: str) -> Authorization:
    if len(header) > MAX_AUTHORIZATION:
        raise V3Failed("IncompleteSignature", f"The Authorization header is over {MAX_AUTHORIZATION} bytes.")
    algorithm, _, rest = header.partition(" ")
    if algorithm != ALGORITHM:
        raise V3Failed(
            "UnsupportedSignatureAlgorithm",
            f"Signature algorithm {algorithm[:40]!r} is not supported: sign with {ALGORITHM} "
            "(signature V3) or HMAC-SHA1 (RPC signature v1).",
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if not equals or name in fields:
            raise V3Failed(
                "IncompleteSignature", "Authorization: Credential=...,SignedHeaders=...,Signature=..."
            )
        fields[name] = value.strip()
    if set(fields) != {"Credential", "SignedHeaders", "Signature"} or not all(fields.values()):
        raise V3Failed("IncompleteSignature", "Authorization: Credential=...,SignedHeaders=...,Signature=...")
    names = tuple(fields["SignedHeaders"].split(";"))
    if len(names) > MAX_SIGNED_HEADERS:
        raise V3Failed("IncompleteSignature", f"SignedHeaders: at most {MAX_SIGNED_HEADERS} headers.")
    if len(set(names)) != len(names) or not all(_HEADER_NAME.fullmatch(n) for n in names):
        raise V3Failed(
            "IncompleteSignature", "SignedHeaders: distinct lower-case header names separated by ';'."
        )
    if not _HEX_SHA256.fullmatch(fields["Signature"].lower()):
        raise V3Failed("IncompleteSignature", "Signature: 64 hexadecimal digits (HMAC-SHA256).")
    return Authorization(algorithm, fields["Credential"], names, fields["Signature"].lower())


def _header(request, name: str) -> str | None:
    """A request header by its lower-case name, as the client sent it (None if absent)."""
    if name in ("content-type", "content-length"):
        key = name.replace("-", "_").upper()
    else:
        key = "HTTP_" + name.replace("-", "_").upper()
    return request.META.get(key)


def _present_headers(request) -> set[str]:
    names = {k[5:].replace("_", "-").lower() for k in request.META if k.startswith("HTTP_")}
    if request.META.get("CONTENT_TYPE"):
        names.add("content-type")
    return names


def signed_values(request, names: tuple[str, ...]) -> dict[str, str]:
    """The signed headers' values; refuses a signature that leaves out one that must be signed."""
    present = _present_headers(request)
    must = {n for n in present if n.startswith("x-acs-")} | set(ALWAYS_SIGNED)
    if "content-type" in present:
        must.add("content-type")
    if missing := sorted(must - set(names)):
        raise V3Failed("IncompleteSignature", f"SignedHeaders must include {', '.join(missing)}.")
    values = {}
    for name in names:
        value = _header(request, name)
        if value is None:
            raise V3Failed("IncompleteSignature", f"The signed header {name} is not in the request.")
        if len(value) > MAX_HEADER_VALUE:
            raise V3Failed("IncompleteSignature", f"The header {name} is over {MAX_HEADER_VALUE} bytes.")
        values[name] = value.strip()
    return values


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_query(query_string: str) -> str:
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if len({k for k, _ in pairs}) != len(pairs):
        raise V3Failed("IncompleteSignature", "A query parameter appears more than once.")
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(pairs))


def canonical_request(method: str, path: str, query: str, headers: dict[str, str], payload_hash: str) -> str:
    names = sorted(headers)
    lines = "".join(f"{n}:{headers[n]}\n" for n in names)
    return f"{method}\n{path}\n{query}\n{lines}\n{';'.join(names)}\n{payload_hash}"


def signature(secret: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), f"{ALGORITHM}\n{digest}".encode(), hashlib.sha256).hexdigest()


def _check_payload_and_date(request, values: dict[str, str]) -> None:
    claimed = values["x-acs-content-sha256"].lower()
    if not _HEX_SHA256.fullmatch(claimed):
        raise V3Failed("IncompleteSignature", "x-acs-content-sha256: the hex SHA-256 of the body.")
    if not hmac.compare_digest(claimed, hashlib.sha256(request.body).hexdigest()):
        raise V3Failed("InvalidContentSha256", "x-acs-content-sha256 is not the SHA-256 of the body.")
    try:
        stamp = datetime.strptime(values["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise V3Failed("InvalidTimeStamp.Format", "x-acs-date: use YYYY-MM-DDThh:mm:ssZ (UTC).") from exc
    if abs(datetime.now(UTC) - stamp) > CLOCK_SKEW:
        raise V3Failed("InvalidTimeStamp.Expired", "x-acs-date is more than 15 minutes off.")


def v3_user(request, secret_of, paths: list[str]):
    """The user who signed `request` with signature V3 over one of `paths` (the path as the client saw
    it: behind a proxy mapping a host's root to the endpoint, `/`). `secret_of(access_key_id)` gives
    (user, secret) or raises."""
    auth = parse_authorization(request.META["HTTP_AUTHORIZATION"])
    values = signed_values(request, auth.signed_headers)
    _check_payload_and_date(request, values)
    nonce = values["x-acs-signature-nonce"]
    if len(nonce) > MAX_NONCE_LENGTH:
        raise V3Failed(
            "InvalidParameter.SignatureNonce",
            f"x-acs-signature-nonce: at most {MAX_NONCE_LENGTH} characters.",
        )
    user, secret = secret_of(auth.access_key_id)
    query = canonical_query(request.META.get("QUERY_STRING", ""))
    payload = values["x-acs-content-sha256"].lower()
    for path in dict.fromkeys(paths):
        canonical = canonical_request(request.method, path, query, values, payload)
        if hmac.compare_digest(signature(secret, canonical), auth.signature):
            break
    else:
        raise V3Failed("SignatureDoesNotMatch", "The request signature does not match (signature V3).")
    if not use_once(user, nonce, CLOCK_SKEW):
        raise V3Failed("SignatureNonceUsed", "x-acs-signature-nonce was already used.")
    return user
