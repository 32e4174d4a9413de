"""What a business's read paths keep in the cache, and the rule that keeps it true.

What a read path needs of a business's set-up (rules, professionals and what they perform,
weekly hours, services) changes rarely and is read on every availability request, so it is
read from the cache as one snapshot. Each snapshot carries the business's *version*, a random
token kept in the cache beside it; a snapshot is used only while its version is the current one.

A business has four versions: its set-up's (`business_changed`), its agenda's
(`agenda_changed`: an appointment or time off written), its clients' (`clients_changed`) and its
waitlist's (`waitlist_changed`: an entry written). A computed *answer* (`minute_answer`: the free
times of a day, a page of a list) names the versions it depends on and is used only while they
are all current, and only in the minute it was computed.

Each `..._changed(business_id)` ends its version twice:
- at once, with a "changing" marker: until the writing transaction ends, every reader (the
  writer too) reads the database and caches nothing, so no snapshot is built from rows that may
  roll back;
- after the commit, with a fresh token: a reader that built a snapshot from rows read before the
  commit stored it under the old token, which no reader trusts any more.

A transaction that rolls back leaves the marker until it expires (`CHANGING_SECONDS`); readers
read the database meanwhile, which is always right. A version evicted from the cache is a new
version: nothing stale is trusted. Writes that bypass model signals (`QuerySet.update`,
`bulk_create`) call the `..._changed` of what they write themselves.

Within one request a snapshot is read from the cache once and then kept in memory for the rest
of that request (several selectors read it); a change made in the request drops that copy.
Outside a request (tasks, commands) every read goes to the cache.
"""

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

CHANGING = "changing:"
CHANGING_SECONDS = 60
SNAPSHOT_SECONDS = 60 * 60

SETUP, AGENDA, CLIENTS, WAITLIST = "setup", "agenda", "clients", "waitlist"
# An answer lives a minute: it is computed as of the end of that minute.
ANSWER_SECONDS = 90


def _version_key(business_id, scope: str = SETUP) -> str:
    return f"business:{business_id}:{scope}-version"


def _snapshot_key(business_id, name: str) -> str:
    return f"business:{business_id}:{name}"


# The snapshots read by the current request, per thread: {(business id, name): value}; None
# outside a request.
_request = threading.local()


def _request_begins(**kwargs) -> None:
    _request.snapshots = {}


def _request_ends(**kwargs) -> None:
    _request.snapshots = None


request_started.connect(_request_begins, dispatch_uid="business_cache_request_begins")
request_finished.connect(_request_ends, dispatch_uid="business_cache_request_ends")


def business_changed(business_id) -> None:
    """Stop trusting `business_id`'s cached configuration (and the answers built on it) now and,
    with a new version, after the commit."""
    snapshots = getattr(_request, "snapshots", None)
    if snapshots:
        for key in [key for key in snapshots if key[0] == business_id]:
            del snapshots[key]
    _end_version(_version_key(business_id, SETUP))


def agenda_changed(business_id) -> None:
    """Stop trusting the answers computed from `business_id`'s agenda now and, with a new version,
    after the commit."""
    _end_version(_version_key(business_id, AGENDA))


def clients_changed(business_id) -> None:
    """Stop trusting the answers computed from `business_id`'s clients now and, with a new version,
    after the commit."""
    _end_version(_version_key(business_id, CLIENTS))


def waitlist_changed(business_id) -> None:
    """Stop trusting what is cached of `business_id`'s waitlist now and, with a new version, after the commit."""
    _end_version(_version_key(business_id, WAITLIST))


def waitlist_cached(business_id, name: str, build: Callable[[], Any]) -> Any:
    """`build()`'s result for the business's current waitlist version (one cache round trip on a hit)."""
    return _current(business_id, name, build, scopes=(WAITLIST,))


def _end_version(key: str) -> None:
    cache.set(key, f"{CHANGING}{uuid.uuid4().hex}", CHANGING_SECONDS)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, None))


def business_cached(business_id, name: str, build: Callable[[], Any]) -> Any:
    """`build()`'s result for the business's current version: from the cache when it holds it,
    else built (from the database) and kept for the next request. One cache round trip on a hit,
    none for the same snapshot again in the same request."""
    snapshots = getattr(_request, "snapshots", None)
    if snapshots is not None and (business_id, name) in snapshots:
        return snapshots[business_id, name]
    value = _current(business_id, name, build)
    if snapshots is not None:
        snapshots[business_id, name] = value
    return value


def minute_answer(business_id, key: str, compute: Callable[[datetime], Any], *, scopes: tuple[str, ...]) -> Any:
    """`compute(as_of)`'s result, shared by every request for the same `key` in the current minute
    while the business's versions in `scopes` stay as they are: from the cache when it holds it
    (one cache round trip), else computed and kept. `as_of` is the end of the minute, so what the
    answer offers by the clock (a time still far enough ahead) holds whenever in the minute it is
    read. `key` names everything else the answer depends on; an exception is not kept."""
    minute = int(time.time()) // 60
    as_of = datetime.fromtimestamp((minute + 1) * 60, tz=UTC)
    return _current(business_id, f"answer:{minute}:{key}", lambda: compute(as_of), scopes, ANSWER_SECONDS)


def _current(business_id, name: str, build: Callable[[], Any], scopes=(SETUP,), seconds: int = SNAPSHOT_SECONDS) -> Any:
    version_keys = [_version_key(business_id, scope) for scope in scopes]
    value_key = _snapshot_key(business_id, name)
    found = cache.get_many([*version_keys, value_key])
    versions, stored = tuple(found.get(key) for key in version_keys), found.get(value_key)
    trusted = all(version is not None and not version.startswith(CHANGING) for version in versions)
    if trusted and stored is not None and stored[0] == versions:
        return stored[1]
    if None in versions:
        # First reader since a version was evicted (or ever): start one; a concurrent reader or
        # writer that got there first wins.
        for key, version in zip(version_keys, versions, strict=True):
            if version is None:
                cache.add(key, uuid.uuid4().hex, None)
        found = cache.get_many(version_keys)
        versions = tuple(found.get(key) for key in version_keys)
        trusted = all(version is not None and not version.startswith(CHANGING) for version in versions)
    value = build()
    if trusted:
        cache.set(value_key, (versions, value), seconds)
    return value
