"""Throughput per WhatsApp number across every worker: at most N sends in any one second.

With Redis, one counter per number and second (INCR is atomic across processes); without it,
the same count in this process, which is all there is in the embedded default.
"""

import threading
import time

import redis
from django.conf import settings

_local_lock = threading.Lock()
_local_counts: dict[tuple[str, int], int] = {}
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client  # noqa: PLW0603 - one connection pool per process
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    return _client


def _take(number_id: str, second: int) -> int:
    if settings.REDIS_URL:
        key = f"agendazap:wa-rate:{number_id}:{second}"
        pipe = _redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, 5)
        count, _ = pipe.execute()
        return int(count)
    with _local_lock:
        for stale in [key for key in _local_counts if key[1] < second]:
            del _local_counts[stale]
        _local_counts[(number_id, second)] = _local_counts.get((number_id, second), 0) + 1
        return _local_counts[(number_id, second)]


def throughput_wait(number_id: str, *, per_second: int | None = None, max_wait: float = 10.0) -> None:
    """Block until this send fits in the number's per-second budget (or give up after max_wait)."""
    limit = per_second or settings.WHATSAPP_MESSAGES_PER_SECOND
    deadline = time.monotonic() + max_wait
    while True:
        now = time.time()
        if _take(number_id, int(now)) <= limit or time.monotonic() >= deadline:
            return
        time.sleep(max(int(now) + 1 - now, 0.01))
