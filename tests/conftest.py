import os

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from notifications.backends import whatsapp
from tests.factories import DEFAULT_PASSWORD, BusinessFactory, ServiceFactory
from tests.helpers import next_weekday

# CI sets this: a test that needs a real service must run, not skip.
REQUIRE_SERVICES = os.environ.get("AGENDAZAP_REQUIRE_SERVICES") == "1"


def _redis_answers() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis  # imported here: only needed when a Redis test runs

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium as root in a closed network: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_runtest_setup(item):
    missing = None
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        missing = "needs PostgreSQL: set DATABASE_URL=postgresql://..."
    elif item.get_closest_marker("redis") and not _redis_answers():
        missing = "needs Redis: set REDIS_URL=redis://... to a running server"
    elif item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        missing = f"needs Chromium at {CHROMIUM}: apt-get install chromium"
    if missing:
        if REQUIRE_SERVICES:
            pytest.fail(f"{missing} (AGENDAZAP_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
        pytest.skip(missing)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters live in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def business(db):
    return BusinessFactory()


@pytest.fixture
def owner(business):
    """The business's owner login."""
    return business.owner_login


@pytest.fixture
def owner_password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def auth_client(business) -> APIClient:
    """An API client logged in as `owner` with a real access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=business.owner_login)['access_token']}")
    return client


@pytest.fixture
def monday():
    """A Monday at least two days ahead: inside the default booking window, past the notice."""
    return next_weekday(0)


@pytest.fixture(autouse=True)
def _empty_whatsapp_outbox():
    """Like Django's mail.outbox: what the in-memory WhatsApp backend "sent" in this test."""
    whatsapp.outbox.clear()
    yield
    whatsapp.outbox.clear()


@pytest.fixture
def service(business):
    return ServiceFactory(business=business, name="Corte", duration=60)


@pytest.fixture
def pro(business):
    """The owner-professional every business starts with."""
    return business.professionals.get(is_owner=True)


@pytest.fixture
def browser(monkeypatch):
    """Headless Chromium for the tests marked `browser` (they skip, or fail in CI, without it)."""
    from playwright.sync_api import sync_playwright  # only the browser tests need it

    # Playwright's sync API runs an event loop in this thread; the ORM calls here stay sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
