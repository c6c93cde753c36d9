"""Requests per second per client and action, like the references' QPS limits (MPS: 500 calls per
second per account for QueryFpShotJobList). Counted in Django's cache: per process by default, shared
by every web server once REDIS_URL points the cache at Redis."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def over_limit(user_id, action: str) -> bool:
    """Count this call; True when the client already made COMPAT_QPS calls of `action` this second."""
    key = f"compat-qps:{user_id}:{action}:{int(time.time())}"
    cache.add(key, 0, timeout=2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first call of a new window
        cache.add(key, 1, timeout=2)
        count = 1
    return count > settings.COMPAT_QPS


def retry_after() -> str:
    return "1"
