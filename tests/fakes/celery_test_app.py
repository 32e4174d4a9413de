"""The project's own Celery app, with a short Redis visibility timeout when a test asks for one.

Used as `celery -A tests.fakes.celery_test_app worker ...` by `celery_worker.start(
visibility_timeout=N)` or `celery_worker.start(test_app=True)`; `-A agendazap` otherwise. It
also registers two probe tasks for the fakes' self-tests.

Why: on Redis, a message a worker took but never acknowledged (the whole worker was
SIGKILLed) goes back to its queue only after the transport's
`visibility_timeout` (1 hour by default), restored by a surviving or later worker. The settings
have no variable for it, so this module sets it from AGENDAZAP_TEST_VISIBILITY_TIMEOUT, and
makes the restore sweep run every second.

Beware: the timeout also applies to a live worker. A task still running after N seconds is
handed out again, a second delivery of the same message, just as in production after an hour.
"""

import os

from agendazap.celery import app

_visibility_timeout = os.environ.get("AGENDAZAP_TEST_VISIBILITY_TIMEOUT")
if _visibility_timeout:
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "visibility_timeout": float(_visibility_timeout),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

__all__ = ["app"]


# Probes for the fakes' self-tests (registered only in workers started with this module).


@app.task(name="tests.fakes.db_probe")
def db_probe() -> dict:
    """Which database the worker reaches, and the users it sees there (committed by the test)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    return {
        "database": connection.settings_dict["NAME"],
        "users": sorted(get_user_model().objects.values_list("email", flat=True)),
    }


@app.task(name="tests.fakes.sleep", acks_late=True, reject_on_worker_lost=True)
def sleep(seconds: float, tag: str) -> str:
    import time

    time.sleep(seconds)
    return f"slept {tag}"
