"""A business's configuration kept in the cache, and the rule that keeps it true.

What a read path needs of a business's set-up (rules, professionals and what they perform,
weekly hours, services) changes rarely and is read on every availability request, so it is
read from the cache as one snapshot. Each snapshot carries the business's *version*, a random
token kept in the cache beside it; a snapshot is used only while its version is the current one.

`business_changed(business_id)` ends the current version twice:
- at once, with a "changing" marker: until the writing transaction ends, every reader (the
  writer too) reads the database and caches nothing, so no snapshot is built from rows that may
  roll back;
- after the commit, with a fresh token: a reader that built a snapshot from rows read before the
  commit stored it under the old token, which no reader trusts any more.

A transaction that rolls back leaves the marker until it expires (`CHANGING_SECONDS`); readers
read the database meanwhile, which is always right. A version evicted from the cache is a new
version: nothing stale is trusted. Writes that bypass model signals (`QuerySet.update`,
`bulk_create`) call `business_changed` themselves.

Within one request a snapshot is read from the cache once and then kept in memory for the rest
of that request (several selectors read it); a change made in the request drops that copy.
Outside a request (tasks, commands) every read goes to the cache.
"""

import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

CHANGING = "changing:"
CHANGING_SECONDS = 60
SNAPSHOT_SECONDS = 60 * 60


def _version_key(business_id) -> str:
    return f"business:{business_id}:version"


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
    """Stop trusting `business_id`'s cached configuration now and, with a new version, after the commit."""
    snapshots = getattr(_request, "snapshots", None)
    if snapshots:
        for key in [key for key in snapshots if key[0] == business_id]:
            del snapshots[key]
    key = _version_key(business_id)
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


def _current(business_id, name: str, build: Callable[[], Any]) -> Any:
    version_key, snapshot_key = _version_key(business_id), _snapshot_key(business_id, name)
    found = cache.get_many([version_key, snapshot_key])
    version, snapshot = found.get(version_key), found.get(snapshot_key)
    if version is not None and snapshot is not None and snapshot[0] == version and not version.startswith(CHANGING):
        return snapshot[1]
    if version is None:
        # First reader since the version was evicted (or ever): start one; a concurrent reader
        # or writer that got there first wins.
        cache.add(version_key, uuid.uuid4().hex, None)
        version = cache.get(version_key)
    value = build()
    if version is not None and not version.startswith(CHANGING):
        cache.set(snapshot_key, (version, value), SNAPSHOT_SECONDS)
    return value
