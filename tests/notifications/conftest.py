"""Fixtures for the notification tests: real local stand-ins, no mocks.

- `fake_whatsapp`: a started fake WhatsApp Cloud API (tests/fakes/whatsapp_cloud.py), reset
  per test. Plan its answers with `fake_whatsapp.plan(rate_limited(), ok())`, see what it
  got with `fake_whatsapp.wait_for_sends(n)`. Webhook payloads: `status_event`,
  `text_message_event`, `button_reply_event`; sign them with `signed_webhook` (or send them
  with `post_webhook`), secret `TEST_APP_SECRET`.
- `whatsapp_settings`: in-process settings pointed at `fake_whatsapp` (Cloud API backend,
  app secret, verify token, short NOTIFICATIONS_* delays).
- `smtp_server` / `smtp_settings`: a real SMTP server (aiosmtpd) on 127.0.0.1, and the
  in-process email settings pointed at it.
- `redis_url` (needs `@pytest.mark.redis`): this session's own Redis database, flushed.
- `celery_broker` (needs `@pytest.mark.redis`): the in-process Celery app sending there.
- `celery_worker` (needs `@pytest.mark.redis`, `@pytest.mark.postgres`,
  `@pytest.mark.django_db(transaction=True)`): `celery_worker.start(**extra_env)` starts a
  real worker on the test database, the test broker and the fakes; `.kill()` crashes it.
- `dedicated_redis`: a redis-server of the test's own, which it can `.stop()` and `.start()`.

Fixtures needing a service fail with a clear message when the test lacks its marker; the
markers' skip logic (and AGENDAZAP_REQUIRE_SERVICES=1) is in tests/conftest.py.
"""

from tests.fakes.fixtures import *  # noqa: F403
