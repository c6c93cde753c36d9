"""Credentials as the clouds' own SDKs compute them, for tests that call the cloud styles signed."""

from urllib.parse import parse_qsl, urlsplit


def signed_params(action: str, user: str, secret: str, **params) -> dict:
    """The query string the Alibaba Cloud Python SDK core builds for an RPC call (signature v1)."""
    from aliyunsdkcore.auth.composer.rpc_signature_composer import get_signed_url

    url, _ = get_signed_url({"Action": action, **params}, user, secret, "JSON", "GET", {})
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def cos_authorization(user: str, secret: str, method: str, path: str, headers: dict) -> str:
    """The Authorization header Tencent's COS/CI Python SDK computes for a request."""
    import requests
    from qcloud_cos.cos_auth import CosS3Auth
    from qcloud_cos.cos_client import CosConfig

    conf = CosConfig(Region="ap-beijing", SecretId=user, SecretKey=secret)
    prepared = requests.Request(method, f"http://testserver{path}", headers=headers).prepare()
    CosS3Auth(conf, key=path)(prepared)
    return prepared.headers["Authorization"]
