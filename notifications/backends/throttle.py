"""Throughput per WhatsApp number across every worker: at most N sends in any one second.

Each send reserves the next free slot of its number, slots being 1/N s apart, and waits for it
(a generic cell rate algorithm). Evenly spaced slots keep any one-second window — not just each
calendar second — at N or fewer, and no sender polls: each learns at once how long to wait.

With Redis, the number's next free slot lives there (one script call per send, on Redis's clock,
shared by every worker and machine); without it, in this process, which is all there is in the
embedded default.
"""

import threading
import time

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

_local_lock = threading.Lock()
_local_next_slot: dict[str, float] = {}
# The script registered on a client, per Redis URL: one connection pool per process.
_scripts: dict[str, Script] = {}


class ThroughputExceeded(TransientSendError):
    """The number's slots are taken further ahead than a send may wait: try again later."""


def _redis_reserve() -> Script:
    url = settings.REDIS_URL
    if url not in _scripts:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _scripts[url] = client.register_script(_RESERVE_SCRIPT)
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
            wait_us = int(_redis_reserve()(keys=[key], args=[round(spacing * 1_000_000), round(max_wait * 1_000_000)]))
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


def throughput_wait(number_id: str, *, per_second: int | None = None, max_wait: float = MAX_WAIT_SECONDS) -> None:
    """Block until this send's slot in the number's per-second budget (ThroughputExceeded if too far)."""
    wait = throughput_reserve(number_id, per_second=per_second, max_wait=max_wait)
    if wait > 0:
        time.sleep(wait)
