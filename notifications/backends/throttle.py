"""Throughput per WhatsApp number across every worker: at most N sends in any one second, as the
API receives them.

A send's request reaches the API some time after the sender was let through (the scheduler, the
network: each send its own delay), so counting sends when they are admitted cannot bound what
the API sees in a sliding second. What can: the request arrives after its admission and before
its answer comes back. Each send is therefore logged with the latest moment it can have
arrived — while in flight, its slot plus the longest a request may take; once answered, the
moment of the answer — and a send is admitted at a moment `t` only while fewer than N logged
sends may have arrived after `t - 1 s`. Any two sends the API receives less than a second apart
then saw each other in that log, whatever the delays, so no sliding second holds more than N.

Within that bound, sends are paced to slots 1/N s apart (a generic cell rate algorithm, a few
percent under the cap) so they do not come in bursts, and no sender polls while the log has
room: each learns at once how long to wait.

With Redis, both live there (one script call to enter, one to log the answer, on Redis's clock,
shared by every worker and machine); without it, in this process, which is all there is in the
embedded default.
"""

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings
from redis.commands.core import Script

from notifications.backends import TransientSendError

logger = logging.getLogger(__name__)

# Slots a few percent under the cap: the log's bound then rarely has to hold a sender back.
PACING_SHARE = 0.95
MAX_WAIT_SECONDS = 10.0
WINDOW_SECONDS = 1.0

# KEYS[1]: the number's next free slot; KEYS[2]: its sends (sorted set scored by the latest moment
# each can reach the API). µs on Redis's clock. ARGV: slot spacing, the cap, the longest wait
# accepted, the longest a send may take to arrive after its slot, the window, a unique member.
# Returns {wait before the slot, 0} when admitted; {-1, µs to wait before asking again} when the
# log is full; {-2, 0} when the slot is further than the longest wait. Nothing is taken unless admitted.
_ENTER_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local spacing, cap, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local flight, window = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local wait = slot - now
if wait > max_wait then
  return {-2, 0}
end
-- '%d': Lua's own number-to-string keeps 14 digits, too few for µs since 1970.
if redis.call('ZCOUNT', KEYS[2], string.format('(%d', slot - window), '+inf') >= cap then
  local nth = tonumber(redis.call('ZREVRANGE', KEYS[2], cap - 1, cap - 1, 'WITHSCORES')[2])
  if nth > now then
    return {-1, spacing}
  end
  return {-1, math.max(nth + window - now, 1)}
end
redis.call('SET', KEYS[1], slot + spacing, 'PX', math.floor((wait + spacing) / 1000) + 1000)
redis.call('ZADD', KEYS[2], slot + flight, ARGV[6])
redis.call('PEXPIRE', KEYS[2], math.floor((wait + flight + window) / 1000) + 1000)
return {wait, 0}
"""

# KEYS[1]: the number's sends; ARGV[1]: this send's member. Its answer came back: it arrived by now.
_ANSWERED_SCRIPT = """
local clock = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(clock[1]) * 1000000 + tonumber(clock[2]), ARGV[1])
"""

_local_lock = threading.Lock()
_local_next_slot: dict[str, float] = {}
_local_sends: dict[str, dict[str, float]] = {}
# The scripts registered on a client, per Redis URL: one connection pool per process.
_scripts: dict[str, tuple[Script, Script]] = {}


class ThroughputExceeded(TransientSendError):
    """No room for the send within the longest wait: try again later."""


def _redis_scripts() -> tuple[Script, Script]:
    url = settings.REDIS_URL
    if url not in _scripts:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _scripts[url] = (client.register_script(_ENTER_SCRIPT), client.register_script(_ANSWERED_SCRIPT))
    return _scripts[url]


def _keys(number_id: str) -> tuple[str, str]:
    return f"agendazap:wa-slot:{number_id}", f"agendazap:wa-sends:{number_id}"


def _enter(number_id: str, member: str, *, limit: int, max_wait: float, flight: float) -> tuple[float, float]:
    """Try to take the number's next slot: (seconds until it, 0) when taken, (-1, seconds before
    asking again) when the log holds the cap, (-2, 0) when the slot is too far."""
    spacing = 1.0 / (limit * PACING_SHARE)
    if settings.REDIS_URL:
        enter, _answered = _redis_scripts()
        spacing_us, max_wait_us, flight_us, window_us = (
            round(seconds * 1_000_000) for seconds in (spacing, max_wait, flight, WINDOW_SECONDS)
        )
        try:
            first, second = enter(
                keys=list(_keys(number_id)), args=[spacing_us, limit, max_wait_us, flight_us, window_us, member]
            )
        except redis.RedisError as exc:  # no slot without the shared clock: send later, never over the cap
            raise TransientSendError(f"Throughput counter unreachable: {exc.__class__.__name__}") from exc
        first, second = int(first), int(second)
        return (first / 1_000_000 if first >= 0 else first), second / 1_000_000
    with _local_lock:
        now = time.monotonic()
        sends = _local_sends.setdefault(number_id, {})
        for old in [key for key, bound in sends.items() if bound <= now - WINDOW_SECONDS]:
            del sends[old]
        slot = max(_local_next_slot.get(number_id, now), now)
        if slot - now > max_wait:
            return -2, 0.0
        near = sorted((bound for bound in sends.values() if bound > slot - WINDOW_SECONDS), reverse=True)
        if len(near) >= limit:
            nth = near[limit - 1]
            return -1, (spacing if nth > now else nth + WINDOW_SECONDS - now)
        _local_next_slot[number_id] = slot + spacing
        sends[member] = slot + flight
        return slot - now, 0.0


def _answered(number_id: str, member: str) -> None:
    if settings.REDIS_URL:
        _enter_script, answered = _redis_scripts()
        try:
            answered(keys=[_keys(number_id)[1]], args=[member])
        except redis.RedisError as exc:  # the send is over: its entry keeps its in-flight bound and expires
            logger.warning("Could not log a WhatsApp send's answer: %s", exc.__class__.__name__)
        return
    with _local_lock:
        sends = _local_sends.get(number_id, {})
        if member in sends:
            sends[member] = time.monotonic()


@contextmanager
def throughput_slot(
    number_id: str, *, in_flight_seconds: float, per_second: int | None = None, max_wait: float = MAX_WAIT_SECONDS
) -> Iterator[None]:
    """Wait for room for one send of the number, then run the block that sends it.

    `in_flight_seconds`: the longest the request may take to reach the API once the block starts
    (its connect and read timeouts); the block must not outlast it. Raises ThroughputExceeded,
    taking nothing, when there is no room within `max_wait`.
    """
    limit = per_second or settings.WHATSAPP_MESSAGES_PER_SECOND
    member = uuid.uuid4().hex
    deadline = time.monotonic() + max_wait
    while True:
        left = deadline - time.monotonic()
        wait, again = _enter(number_id, member, limit=limit, max_wait=max(left, 0.0), flight=in_flight_seconds)
        if wait >= 0:
            break
        if wait == -2 or time.monotonic() + again > deadline:
            raise ThroughputExceeded(f"No room within {max_wait:g} s for WhatsApp number {number_id}")
        time.sleep(again)
    time.sleep(wait)
    try:
        yield
    finally:
        _answered(number_id, member)
