"""Pytest fixtures over the fakes. A conftest makes them available by importing them:

    from tests.fakes.fixtures import *  # noqa: F403

Fixtures that need a service check that the test carries the matching marker and fail with a
clear message otherwise, so that the skip logic of tests/conftest.py (skip without the
service, fail under AGENDAZAP_REQUIRE_SERVICES=1) always applies:

- `redis_url`, `celery_broker`: `@pytest.mark.redis`
- `celery_worker`: `@pytest.mark.redis`, `@pytest.mark.postgres` and a transactional database
  (`@pytest.mark.django_db(transaction=True)`; the fixture requests `transactional_db` itself)
- `dedicated_redis`: no marker; skipped when `redis-server` is not on PATH (a failure under
  AGENDAZAP_REQUIRE_SERVICES=1)
"""

from __future__ import annotations

import os

import pytest

from tests.fakes.celery_worker import (
    NOTIFICATION_TEST_SETTINGS,
    TEST_APP_SECRET,
    TEST_VERIFY_TOKEN,
    WHATSAPP_BACKEND_PATH,
    WORKER_QUEUES,
    BrokerDatabase,
    CeleryBroker,
    CeleryWorker,
    database_url_for,
    worker_environment,
)
from tests.fakes.redis_server import DedicatedRedis, redis_server_binary
from tests.fakes.smtp import FakeSMTPServer
from tests.fakes.whatsapp_cloud import FakeWhatsAppCloud

__all__ = [
    "fake_whatsapp",
    "whatsapp_settings",
    "smtp_server",
    "smtp_settings",
    "redis_url",
    "celery_broker",
    "celery_worker",
    "dedicated_redis",
    "fakes_whatsapp_server",
    "fakes_smtp_server",
    "fakes_broker_database",
]

REQUIRE_SERVICES = os.environ.get("AGENDAZAP_REQUIRE_SERVICES") == "1"


def require_markers(request: pytest.FixtureRequest, *names: str) -> None:
    missing = [name for name in names if request.node.get_closest_marker(name) is None]
    if missing:
        marks = " ".join(f"@pytest.mark.{name}" for name in missing)
        pytest.fail(
            f"fixture {request.fixturename!r} needs a real service: add {marks} to {request.node.nodeid}",
            pytrace=False,
        )


def skip_or_fail(reason: str) -> None:
    """Skip, or fail under AGENDAZAP_REQUIRE_SERVICES=1 (CI), like tests/conftest.py does."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (AGENDAZAP_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


# --- WhatsApp ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fakes_whatsapp_server():
    """One fake Cloud API server for the session (use `fake_whatsapp`, which resets it)."""
    with FakeWhatsAppCloud() as server:
        yield server


@pytest.fixture
def fake_whatsapp(fakes_whatsapp_server) -> FakeWhatsAppCloud:
    """The started fake WhatsApp Cloud API, reset (no requests, no plan, window open) for this test.

    Yields a `tests.fakes.whatsapp_cloud.FakeWhatsAppCloud`: `.url` (for WHATSAPP_API_URL),
    `.token`, `.phone_number_id`, `.plan(*replies)`, `.default`, `.window_closed`,
    `.requests`, `.sends`, `.wait_for_requests(n, timeout)`, `.release_hung()`.
    """
    fakes_whatsapp_server.reset()
    yield fakes_whatsapp_server
    fakes_whatsapp_server.reset()  # releases anything still hung


@pytest.fixture
def whatsapp_settings(settings, fake_whatsapp):
    """In-process Django settings pointed at `fake_whatsapp`, with short notification delays.

    Sets WHATSAPP_API_URL / _API_TOKEN / _PHONE_NUMBER_ID (the fake's), WHATSAPP_BACKEND
    (the Cloud API backend), WHATSAPP_APP_SECRET = TEST_APP_SECRET ("test-app-secret"),
    WHATSAPP_VERIFY_TOKEN = TEST_VERIFY_TOKEN ("test-verify-token"), and the same
    NOTIFICATIONS_* / WHATSAPP_TIMEOUT_SECONDS values a `celery_worker` gets. Yields
    pytest-django's `settings` (restored after the test).
    """
    settings.WHATSAPP_API_URL = fake_whatsapp.url
    settings.WHATSAPP_API_TOKEN = fake_whatsapp.token
    settings.WHATSAPP_PHONE_NUMBER_ID = fake_whatsapp.phone_number_id
    settings.WHATSAPP_BACKEND = WHATSAPP_BACKEND_PATH
    settings.WHATSAPP_APP_SECRET = TEST_APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = TEST_VERIFY_TOKEN
    for name, value in NOTIFICATION_TEST_SETTINGS.items():
        setattr(settings, name, value)
    return settings


# --- SMTP --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fakes_smtp_server():
    with FakeSMTPServer() as server:
        yield server


@pytest.fixture
def smtp_server(fakes_smtp_server) -> FakeSMTPServer:
    """The started fake SMTP server (127.0.0.1), emptied and with no refusals for this test.

    Yields a `tests.fakes.smtp.FakeSMTPServer`: `.host`, `.port`, `.messages`,
    `.wait_for(n, timeout)`, `.refuse(*addresses)`, `.fail_next_data(times)`.
    """
    fakes_smtp_server.reset()
    yield fakes_smtp_server
    fakes_smtp_server.reset()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """In-process Django email settings pointed at `smtp_server` (the real SMTP backend, no TLS)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings


# --- Redis and Celery --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fakes_broker_database():
    """The Redis database this session uses as broker, claimed on REDIS_URL's server (db 14 first)."""
    from django.conf import settings

    if not settings.REDIS_URL:
        yield None  # the test lacks @pytest.mark.redis: redis_url fails it with a clear message
        return
    claimed = BrokerDatabase.claim(settings.REDIS_URL)
    yield claimed
    claimed.release()


@pytest.fixture
def redis_url(request, fakes_broker_database) -> str:
    """URL of this session's Redis test database (REDIS_URL's server, its own db number), flushed.

    Needs `@pytest.mark.redis`. The database is distinct from REDIS_URL's (db 14 unless another
    session holds it; AGENDAZAP_TEST_BROKER_DB=N forces one) and is flushed before and after
    the test, so no task survives from one test to the next.
    """
    require_markers(request, "redis")
    if fakes_broker_database is None:
        skip_or_fail("needs Redis: set REDIS_URL=redis://... to a running server")
    fakes_broker_database.flush()
    yield fakes_broker_database.url
    fakes_broker_database.flush()


@pytest.fixture
def celery_broker(settings, redis_url):
    """The in-process Celery app pointed at `redis_url` (needs `@pytest.mark.redis`).

    The project's app read its broker from the settings once; this repoints it (and sets
    settings.CELERY_BROKER_URL / REDIS_URL, CELERY_TASK_ALWAYS_EAGER=False), so `.delay()`
    in the test reaches the `celery_worker`. Yields a `CeleryBroker`: `.url`, `.app`,
    `.use(url)` to move to another broker (e.g. `dedicated_redis.url`); restored afterwards.
    """
    from agendazap.celery import app

    broker = CeleryBroker(app, settings, redis_url)
    yield broker
    broker.restore()


class WorkerFactory:
    """What `celery_worker` yields: call it (or `.start`) to start a worker; `.workers` lists them."""

    def __init__(self, *, database_url, broker, whatsapp, smtp, log_dir):
        self.database_url = database_url
        self.broker = broker
        self.whatsapp = whatsapp
        self.smtp = smtp
        self.log_dir = log_dir
        self.workers: list[CeleryWorker] = []

    def start(
        self,
        *,
        redis_url: str | None = None,
        visibility_timeout: float | None = None,
        test_app: bool = False,
        queues: tuple[str, ...] | list[str] = WORKER_QUEUES,
        concurrency: int = 1,
        ready_timeout: float = 60.0,
        **extra_env,
    ) -> CeleryWorker:
        """Start a real worker and wait until it answers ping.

        `redis_url`: its broker (and REDIS_URL) — default the test's `celery_broker.url`.
        `visibility_timeout`: seconds after which Redis hands an unacknowledged message to
        another worker (see tests/fakes/celery_test_app.py); default Celery's hour.
        `test_app`: run `-A tests.fakes.celery_test_app` (the project's app plus probe tasks)
        even without a visibility timeout.
        `extra_env`: more environment variables (None removes one), e.g.
        `NOTIFICATIONS_MAX_ATTEMPTS=2`.
        """
        if visibility_timeout is not None:
            extra_env["AGENDAZAP_TEST_VISIBILITY_TIMEOUT"] = visibility_timeout
        env = worker_environment(
            database_url=self.database_url,
            redis_url=redis_url or self.broker.url,
            whatsapp=self.whatsapp,
            smtp=self.smtp,
            extra=extra_env,
        )
        worker = CeleryWorker(
            env,
            self.log_dir,
            app="tests.fakes.celery_test_app" if test_app or visibility_timeout is not None else "agendazap",
            queues=queues,
            concurrency=concurrency,
        )
        self.workers.append(worker)
        return worker.start(ready_timeout)

    __call__ = start

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.kill()


@pytest.fixture
def celery_worker(request, transactional_db, celery_broker, fake_whatsapp, smtp_server, tmp_path):
    """A factory of real Celery workers sharing the test's PostgreSQL database.

    Needs `@pytest.mark.redis`, `@pytest.mark.postgres` and
    `@pytest.mark.django_db(transaction=True)` (data must be committed for the worker to see
    it). `worker = celery_worker.start(**extra_env)` (or `celery_worker(...)`) returns a
    `CeleryWorker` (`.name`, `.log`, `.wait_for_log()`, `.ping()`, `.kill()`, `.stop()`,
    `.kill_pool_children()`) once it answers ping; start another after killing one. Its
    environment: DATABASE_URL of the test database, REDIS_URL = the test broker,
    DJANGO_SETTINGS_MODULE=agendazap.settings, ENVIRONMENT=test, the fake WhatsApp server
    and SMTP server, NOTIFICATIONS_RETRY_BASE_SECONDS=1, _RETRY_MAX_SECONDS=2,
    _CLAIM_SECONDS=3, WHATSAPP_TIMEOUT_SECONDS=5. Every worker is SIGKILLed at teardown; their
    logs are printed then (pytest shows them when the test fails).
    """
    require_markers(request, "redis", "postgres")
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgresql://...")
    factory = WorkerFactory(
        database_url=database_url_for(connection.settings_dict),
        broker=celery_broker,
        whatsapp=fake_whatsapp,
        smtp=smtp_server,
        log_dir=tmp_path,
    )
    yield factory
    factory.stop_all()
    for worker in factory.workers:
        print(f"\n===== celery worker {worker.name} ({worker.log_path}) =====\n{worker.log}")


@pytest.fixture
def dedicated_redis(tmp_path):
    """A `redis-server` of this test's own on a free 127.0.0.1 port, started.

    Yields a `tests.fakes.redis_server.DedicatedRedis`: `.url` (db 0), `.url_for(db)`,
    `.port`, `.client()`, `.ping()`, `.stop()`, `.kill()`, `.start()` (same port, empty),
    `.restart()`, `.log`. Killed at teardown. Skipped without `redis-server` on PATH (a
    failure under AGENDAZAP_REQUIRE_SERVICES=1). No marker needed.
    """
    if not redis_server_binary():
        skip_or_fail("needs the redis-server binary on PATH")
    server = DedicatedRedis(workdir=tmp_path)
    server.start()
    yield server
    server.cleanup()
