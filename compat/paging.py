"""NextPageToken paging for the cloud shapes: an opaque, signed keyset cursor (the last row's creation
time and id), so pages stay stable while rows are added."""

from __future__ import annotations

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from compat.rpc import RpcError

SALT = "compat.page"


def page_size(raw: str, *, default: int, name: str, maximum: int = 100) -> int:
    if raw in ("", None):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise RpcError(f"InvalidParameter.{name}", f"{name}: a whole number from 1 to {maximum}.")
    return int(raw)


def page(rows: QuerySet, token: str, size: int) -> tuple[list, str]:
    """Rows newest first; (this page, token for the next page or "")."""
    rows = rows.order_by("-created_at", "-id")
    if token:
        try:
            created, last_id = signing.loads(token, salt=SALT)
            moment = parse_datetime(created)
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise RpcError("InvalidParameter.NextPageToken", "NextPageToken is not a token we gave.") from exc
        if moment is None:
            raise RpcError("InvalidParameter.NextPageToken", "NextPageToken is not a token we gave.")
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=last_id))
    found = list(rows[: size + 1])
    if len(found) <= size:
        return found, ""
    last = found[size - 1]
    return found[:size], signing.dumps([last.created_at.isoformat(), str(last.id)], salt=SALT)
