"""Counting actions per key in fixed windows, for limits that are not a security boundary.

Uses the cache: `add` then `incr` are atomic on Redis and on the local-memory cache. (Failed
logins, which are a security boundary, are counted in the database instead.)
"""

from django.core.cache import cache


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one action under `key`; False once more than `limit` happened in the window."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # the window expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
