"""Each SignatureNonce of a signed request is used once. A signed request is valid while its Timestamp
is within CLOCK_SKEW of our clock either way, so a nonce is remembered for twice that: a request
stamped 15 minutes ahead stays acceptable for 30 minutes after its first use. The database decides
(a unique constraint per user), not a cache that a flush or a second web server forgets."""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from compat.models import UsedNonce

MAX_NONCE_LENGTH = 128
_FORGET_EVERY_S = 60
_forgotten_at = [0.0]


def use_once(user, nonce: str, clock_skew: timedelta) -> bool:
    """Record the nonce; False if this user used it within the window already."""
    now = timezone.now()
    _forget_old(now - 2 * clock_skew)
    try:
        with transaction.atomic():
            UsedNonce.objects.create(user=user, nonce=nonce, used_at=now)
    except IntegrityError:
        return False
    return True


def _forget_old(before) -> None:
    """Drop nonces no request can use any more (at most once a minute per process)."""
    if time.monotonic() - _forgotten_at[0] < _FORGET_EVERY_S:
        return
    _forgotten_at[0] = time.monotonic()
    UsedNonce.objects.filter(used_at__lt=before).delete()
