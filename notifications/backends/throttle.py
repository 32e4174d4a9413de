"""Throughput per WhatsApp number across every worker: at most N sends in any one second.

Each send reserves the next free slot of its number, slots being 1/N s apart, and waits for it
(a generic cell rate algorithm). Evenly spaced slots keep any one-second window — not just each
calendar second — at N or fewer, and no sender polls: each learns at once how long to wait.

A sender the machine held up past its slot would bunch with the next ones, so the request is
admitted only if the number's sends of the last second, counted when each was admitted, leave
room: a hard bound behind the pacing, which under normal load never has to wait.

With Redis, both live there (one script call each, on Redis's clock, shared by every worker and
machine); without it, in this process, which is all there is in the embedded default.
"""

import threading
import time
import uuid
from collections import deque

import redis
from django.conf import settings
from redis.commands.core import Script

from notifications.backends import TransientSendError

# The sends reach the API a little after their slot, each with its own delay (the request, the
# scheduler); pacing a few percent under the cap keeps those delays from bunching N + 1 sends
# into one second.
PACING_SHARE = 0.95
MAX_WAIT_SECONDS = 10.0

# KEYS[1]: the number's next free slot (µs, Redis clock); ARGV[1]: slot spacing (µs); ARGV[2]: the
# longest wait accepted (µs). Returns the wait before the reserved slot, or -1 with nothing reserved.
_RESERVE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local wait = slot - now
if wait > tonumber(ARGV[2]) then
  return -1
end
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], slot + spacing, 'PX', math.floor((wait + spacing) / 1000) + 1000)
return wait
"""

# KEYS[1]: the number's sends admitted in the last second (sorted set, µs scores); ARGV[1]: the cap;
# ARGV[2]: a unique member. Returns 0 when admitted, else the µs until the oldest leaves the window.
_ADMIT_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(tonumber(oldest[2]) + 1000000 - now, 1)
"""

_local_lock = threading.Lock()
_local_next_slot: dict[str, float] = {}
_local_admitted: dict[str, deque[float]] = {}
# The scripts registered on a client, per Redis URL: one connection pool per process.
_scripts: dict[str, tuple[Script, Script]] = {}


class ThroughputExceeded(TransientSendError):
    """The number's slots are taken further ahead than a send may wait: try again later."""


def _redis_scripts() -> tuple[Script, Script]:
    url = settings.REDIS_URL
    if url not in _scripts:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _scripts[url] = (client.register_script(_RESERVE_SCRIPT), client.register_script(_ADMIT_SCRIPT))
    return _scripts[url]


def throughput_reserve(number_id: str, *, per_second: int | None = None, max_wait: float = MAX_WAIT_SECONDS) -> float:
    """Reserve the number's next send slot; return the seconds to wait for it.

    Raises ThroughputExceeded, reserving nothing, when that slot is more than `max_wait` away.
    """
    limit = per_second or settings.WHATSAPP_MESSAGES_PER_SECOND
    spacing = 1.0 / (limit * PACING_SHARE)
    if settings.REDIS_URL:
        key = f"agendazap:wa-slot:{number_id}"
        try:
            reserve, _admit = _redis_scripts()
            wait_us = int(reserve(keys=[key], args=[round(spacing * 1_000_000), round(max_wait * 1_000_000)]))
        except redis.RedisError as exc:  # no slot without the shared clock: send later, never over the cap
            raise TransientSendError(f"Throughput counter unreachable: {exc.__class__.__name__}") from exc
        wait = wait_us / 1_000_000 if wait_us >= 0 else None
    else:
        with _local_lock:
            now = time.monotonic()
            slot = max(_local_next_slot.get(number_id, now), now)
            wait = slot - now if slot - now <= max_wait else None
            if wait is not None:
                _local_next_slot[number_id] = slot + spacing
    if wait is None:
        raise ThroughputExceeded(f"More than {max_wait:g} s of sends already waiting for WhatsApp number {number_id}")
    return wait


def throughput_admit(number_id: str, *, per_second: int | None = None) -> float:
    """Count this send in the number's last second if the cap leaves room (return 0); else return
    the seconds until it might, counting nothing."""
    limit = per_second or settings.WHATSAPP_MESSAGES_PER_SECOND
    if settings.REDIS_URL:
        try:
            _reserve, admit = _redis_scripts()
            wait_us = int(admit(keys=[f"agendazap:wa-sent:{number_id}"], args=[limit, uuid.uuid4().hex]))
        except redis.RedisError as exc:
            raise TransientSendError(f"Throughput counter unreachable: {exc.__class__.__name__}") from exc
        return wait_us / 1_000_000
    with _local_lock:
        now = time.monotonic()
        admitted = _local_admitted.setdefault(number_id, deque())
        while admitted and admitted[0] <= now - 1.0:
            admitted.popleft()
        if len(admitted) < limit:
            admitted.append(now)
            return 0.0
        return max(admitted[0] + 1.0 - now, 0.001)


def throughput_wait(number_id: str, *, per_second: int | None = None, max_wait: float = MAX_WAIT_SECONDS) -> None:
    """Block until this send's slot in the number's per-second budget, then until the last second
    has room for it (ThroughputExceeded if either is too far)."""
    deadline = time.monotonic() + max_wait
    wait = throughput_reserve(number_id, per_second=per_second, max_wait=max_wait)
    while True:
        if wait > 0:
            if time.monotonic() + wait > deadline:
                raise ThroughputExceeded(f"No room within {max_wait:g} s for WhatsApp number {number_id}")
            time.sleep(wait)
        wait = throughput_admit(number_id, per_second=per_second)
        if wait == 0:
            return
