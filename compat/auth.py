"""Who is calling a cloud-style endpoint. Credentials are always the portal's API tokens:

- any style: `Authorization: Token <token>` (or `Bearer <token>`), as on the native API;
- Alibaba Cloud SDKs: AccessKeyId = the portal user name, AccessKeySecret = that user's API token; the
  older SDKs sign with RPC signature v1 (HMAC-SHA1, parameters `Signature`, `SignatureNonce`...), the
  current ones with signature V3 (`Authorization: ACS3-HMAC-SHA256 ...`, compat/signatures_v3.py);
- Tencent Cloud SDKs (COS/CI `q-sign-algorithm=sha1` signature): SecretId = the user name, SecretKey =
  the token. The SDK signs the host without its port; we accept the host with or without it.

The token never travels with a signed request, only the signature does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from compat.errors import CompatError
from compat.nonces import MAX_NONCE_LENGTH, use_once
from compat.signatures_v3 import is_v3, v3_user

# Alibaba accepts timestamps within 15 minutes of its clock; a nonce may not repeat in that window.
CLOCK_SKEW = timedelta(minutes=15)


class AuthFailed(CompatError):
    def __init__(self, code: str, message: str, http_status: int = 401):
        super().__init__(code, message, http_status)


def _token_user(key: str):
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        raise AuthFailed("InvalidToken", "The API token is not valid.")
    return token.user


def _secret_of(username: str, unknown_code: str):
    """(user, token key) for an access key id (= user name)."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    token = Token.objects.filter(user=user).first() if user else None
    if token is None:
        raise AuthFailed(unknown_code, f"No active user with an API token is named {username!r}.", 404)
    return user, token.key


def bearer_user(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() in ("token", "bearer") and key.strip():
        return _token_user(key.strip())
    return None


# Alibaba Cloud RPC signature, version 1.0 -------------------------------------------------------------


def _pct(value: str) -> str:
    return quote(value, safe="~")


def rpc_string_to_sign(method: str, params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in pairs)
    return f"{method.upper()}&{_pct('/')}&{_pct(canonical)}"


def rpc_signature(secret: str, method: str, params: dict[str, str]) -> str:
    digest = hmac.new(f"{secret}&".encode(), rpc_string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison of a computed signature with any text a client sent."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def rpc_user(request, params: dict[str, str], signed_paths: list[str]):
    """The caller of an Alibaba-style request: a token header, a valid signature V3 over one of
    `signed_paths`, or a valid RPC signature v1."""
    user = bearer_user(request)
    if user is not None:
        return user
    if is_v3(request):
        return v3_user(request, lambda key: _secret_of(key, "InvalidAccessKeyId.NotFound"), signed_paths)
    if "AccessKeyId" not in params:
        raise AuthFailed(
            "MissingParameter.AccessKeyId",
            "Send `Authorization: Token <token>`, or sign the request (AccessKeyId = user name, "
            "AccessKeySecret = API token).",
        )
    if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1" or "Signature" not in params:
        raise AuthFailed("IncompleteSignature", "Sign with SignatureMethod HMAC-SHA1, version 1.0.", 400)
    try:
        stamp = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise AuthFailed(
            "InvalidTimeStamp.Format", "Timestamp: use YYYY-MM-DDThh:mm:ssZ (UTC).", 400
        ) from exc
    if abs(datetime.now(UTC) - stamp) > CLOCK_SKEW:
        raise AuthFailed("InvalidTimeStamp.Expired", "The Timestamp is more than 15 minutes off.", 400)
    user, secret = _secret_of(params["AccessKeyId"], "InvalidAccessKeyId.NotFound")
    expected = rpc_signature(secret, request.method, params)
    if not _same(expected, params["Signature"]):
        raise AuthFailed(
            "SignatureDoesNotMatch",
            "The request signature does not match (string to sign: "
            f"{rpc_string_to_sign(request.method, params)}).",
            400,
        )
    nonce = params.get("SignatureNonce", "")
    if len(nonce) > MAX_NONCE_LENGTH:
        raise AuthFailed(
            "InvalidParameter.SignatureNonce", f"SignatureNonce: at most {MAX_NONCE_LENGTH} characters.", 400
        )
    if not nonce or not use_once(user, nonce, CLOCK_SKEW):
        raise AuthFailed("SignatureNonceUsed", "SignatureNonce is missing or was already used.", 400)
    return user


# Tencent Cloud COS/CI signature (q-sign-algorithm=sha1) ------------------------------------------------


def _cos_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _cos_list(items: dict[str, str], names: list[str]) -> str:
    lowered = {_cos_encode(k).lower(): v for k, v in items.items()}
    return "&".join(f"{name}={_cos_encode(lowered.get(name, ''))}" for name in sorted(names))


def cos_signature(secret: str, method: str, path: str, params: dict, headers: dict, fields: dict) -> str:
    key_time = fields["q-key-time"]
    sign_key = hmac.new(secret.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    header_names = [n for n in fields.get("q-header-list", "").split(";") if n]
    param_names = [n for n in fields.get("q-url-param-list", "").split(";") if n]
    http_string = (
        f"{method.lower()}\n{path}\n{_cos_list(params, param_names)}\n{_cos_list(headers, header_names)}\n"
    )
    string_to_sign = f"sha1\n{fields['q-sign-time']}\n{hashlib.sha1(http_string.encode()).hexdigest()}\n"
    return hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()


def cos_user(request, signed_paths: list[str]):
    """The caller of a Tencent-style request: a token header, or a valid COS/CI signature over one of
    `signed_paths` (the path as the client saw it, e.g. `/jobs` behind a proxy, or the full path)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("q-sign-algorithm="):
        user = bearer_user(request)
        if user is None:
            raise AuthFailed(
                "AccessDenied",
                "Send `Authorization: Token <token>`, or a COS signature (SecretId = user name, "
                "SecretKey = API token).",
            )
        return user
    fields = dict(part.partition("=")[::2] for part in header.split("&"))
    required = ("q-ak", "q-sign-time", "q-key-time", "q-signature")
    if fields.get("q-sign-algorithm") != "sha1" or any(not fields.get(k) for k in required):
        raise AuthFailed(
            "AccessDenied", "The Authorization header is not a complete sha1 COS signature.", 403
        )
    start, _, end = fields["q-sign-time"].partition(";")
    now = time.time()
    if not (start.isdigit() and end.isdigit() and int(start) - 900 <= now <= int(end)):
        raise AuthFailed("RequestTimeTooSkewed", "The signature's q-sign-time does not cover now.", 403)
    user, secret = _secret_of(fields["q-ak"], "InvalidAccessKeyId")
    headers = {k[5:].replace("_", "-"): v for k, v in request.META.items() if k.startswith("HTTP_")}
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if request.META.get(name):
            headers[name.replace("_", "-").lower()] = request.META[name]
    params = {k: v for k, v in request.GET.items()}
    for path in signed_paths:
        for signed_headers in _host_variants(headers):
            expected = cos_signature(secret, request.method, path, params, signed_headers, fields)
            if _same(expected, fields["q-signature"]):
                return user
    raise AuthFailed("SignatureDoesNotMatch", "The request signature does not match.", 403)


def _host_variants(headers: dict[str, str]) -> list[dict[str, str]]:
    """The headers as received, and with the host's port left out: the COS SDK signs the host name
    alone (from the URL), so behind a proxy on any port but 80/443 its signed host lacks the port
    that the Host header carries."""
    key = next((k for k in headers if k.lower() == "host"), None)
    name, colon, port = headers[key].rpartition(":") if key else ("", "", "")
    if not colon or not port.isdigit() or not name or name.endswith(":"):  # no port ([::1] is no port)
        return [headers]
    return [headers, {**headers, key: name}]
