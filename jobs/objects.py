"""Inputs named as objects (`oss://bucket/object`, a Tencent CI object key): read from the configured
S3-compatible store, or, when none is configured, from files under the import root.

Store: DNAPORTAL_S3_ENDPOINT (+ DNAPORTAL_S3_ACCESS_KEY / DNAPORTAL_S3_SECRET_KEY / DNAPORTAL_S3_REGION);
DNAPORTAL_S3_BUCKET is the bucket for keys given without one (the Tencent CI style).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from jobs.inputs import InputError

# S3's bucket naming rules (also OSS's and COS's, minus their -APPID suffix which fits the pattern).
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MAX_KEY_BYTES = 1024


def store_configured() -> bool:
    return bool(settings.S3_ENDPOINT)


def split_object(reference: str) -> tuple[str, str]:
    """`oss://bucket/object` or `bucket/object` -> (bucket, object)."""
    rest = reference.removeprefix("oss://")
    bucket, _, key = rest.partition("/")
    return bucket, key


def check_name(bucket: str, key: str) -> None:
    if bucket and not BUCKET_NAME.match(bucket):
        raise InputError(
            "InvalidParameter.Bucket",
            f"{bucket!r} is not a bucket name (3-63 lowercase letters, digits, '.' or '-').",
        )
    if not key or "\x00" in key or len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InputError("InvalidParameter.Object", "The object key is empty, too long or not valid.")


def import_path(bucket: str, key: str) -> str:
    """Where the object lives under the import root when there is no store."""
    return f"{bucket}/{key}" if bucket else key


def _client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.S3_ENDPOINT,
        aws_access_key_id=settings.S3_ACCESS_KEY or None,
        aws_secret_access_key=settings.S3_SECRET_KEY or None,
        region_name=settings.S3_REGION,
        config=Config(
            connect_timeout=10,
            read_timeout=settings.DOWNLOAD_TIMEOUT_SECONDS,
            retries={"max_attempts": 2},
            s3={"addressing_style": "path"},
        ),
    )


def _store_error(exc: Exception, bucket: str, key: str) -> InputError:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
            return InputError("InvalidInput.NotFound", f"No object {key!r} in bucket {bucket!r}.")
        if code in ("403", "AccessDenied") or status == 403:
            return InputError("Forbidden.Object", f"The object store refused access to {bucket}/{key}.")
        return InputError(
            "ObjectStore.Failed",
            f"The object store answered {code or status} for {bucket}/{key}.",
            status >= 500,
        )
    return InputError(
        "ObjectStore.Unavailable", f"The object store is not reachable: {exc}.", permanent=False
    )


def resolve_bucket(bucket: str) -> str:
    bucket = bucket or settings.S3_BUCKET
    if not bucket:
        raise InputError(
            "InvalidParameter.Bucket",
            "The object has no bucket and DNAPORTAL_S3_BUCKET (the default bucket) is not set.",
        )
    return bucket


def check_object(bucket: str, key: str) -> int:
    """Size of the object in the store; a clear InputError when it is missing or unreadable."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = resolve_bucket(bucket)
    try:
        head = _client().head_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise _store_error(exc, bucket, key) from exc
    size = int(head.get("ContentLength", 0))
    if size > settings.MAX_UPLOAD_BYTES:
        raise InputError(
            "InvalidParameter.FileTooLarge",
            f"{bucket}/{key} is {size} bytes; the limit is {settings.MAX_UPLOAD_BYTES} bytes.",
        )
    return size


def fetch_object(bucket: str, key: str, dest: Path) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    check_object(bucket, key)
    bucket = resolve_bucket(bucket)
    try:
        _client().download_file(bucket, key, str(dest))
    except (ClientError, BotoCoreError) as exc:
        raise _store_error(exc, bucket, key) from exc
    except OSError as exc:
        raise InputError("ObjectStore.Unavailable", f"Reading {bucket}/{key} failed: {exc}.", False) from exc
