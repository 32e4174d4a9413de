"""Delivery against real parts: a local server speaking the WhatsApp Cloud API, a real SMTP
server, and (for the guarantees) a real Celery worker over Redis on the test database.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import InboundMessage, Kind, Message
from notifications.models import Status as MessageStatus
from notifications.tasks import send_message_task
from scheduling import services as scheduling
from tests.factories import UserFactory
from tests.fakes.whatsapp_cloud import hang, ok, rate_limited, server_error, undeliverable
from tests.helpers import as_owner, at


def wait_until(check, *, timeout=30.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def message_of(appointment, kind=Kind.CONFIRMATION) -> Message:
    return Message.objects.get(appointment=appointment, kind=kind)


def book(business, service, start, **extra):
    fields = {"client_name": "Ana Souza", "client_whatsapp": "+5511988887777", **extra}
    return scheduling.appointment_book(
        business=business, actor=as_owner(business), service_id=service.pk, start_time=start, **fields
    )


# --- The Cloud API's answers, in-process (eager Celery) ---------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_cloud_api_receives_a_template_with_quick_replies(
    business, service, monday, fake_whatsapp, whatsapp_settings
):
    appointment = book(business, service, at(monday, 10))

    (sent,) = fake_whatsapp.wait_for_sends(1)
    assert sent.headers["Authorization"] == f"Bearer {fake_whatsapp.token}"
    assert sent.json["to"] == "5511988887777" and sent.json["type"] == "template"
    assert sent.json["template"]["name"] == "agendazap_confirmation"
    assert sent.json["template"]["language"] == {"code": "pt_BR"}
    confirmation = message_of(appointment)
    assert confirmation.status == MessageStatus.SENT and confirmation.provider_message_id == sent.wamid


@pytest.mark.django_db(transaction=True)
def test_rate_limit_and_server_error_are_retried_with_backoff_then_delivered(
    business, service, monday, fake_whatsapp, whatsapp_settings
):
    fake_whatsapp.plan(rate_limited(), server_error())
    appointment = book(business, service, at(monday, 10))
    confirmation = message_of(appointment)
    assert confirmation.status == MessageStatus.PENDING and "130429" in confirmation.last_error
    assert confirmation.scheduled_at > timezone.now()  # waits in the database for its retry

    services.messages_hand_over(now=confirmation.scheduled_at)
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.PENDING and "HTTP 500" in confirmation.last_error
    services.messages_hand_over(now=confirmation.scheduled_at)
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (MessageStatus.SENT, 3)
    assert len(fake_whatsapp.sends) == 3


@pytest.mark.django_db(transaction=True)
def test_an_undeliverable_number_fails_at_once(business, service, monday, fake_whatsapp, whatsapp_settings):
    fake_whatsapp.plan(undeliverable())
    appointment = book(business, service, at(monday, 10))
    confirmation = message_of(appointment)
    assert (confirmation.status, confirmation.attempts) == (MessageStatus.FAILED, 1)
    assert "131026" in confirmation.last_error
    services.messages_hand_over(now=timezone.now() + timedelta(hours=1))
    assert len(fake_whatsapp.sends) == 1


@pytest.mark.django_db(transaction=True)
def test_the_last_attempt_fails_the_message(business, service, monday, fake_whatsapp, whatsapp_settings):
    whatsapp_settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    fake_whatsapp.default = server_error(503)
    appointment = book(business, service, at(monday, 10))
    services.messages_hand_over(now=message_of(appointment).scheduled_at)
    confirmation = message_of(appointment)
    assert (confirmation.status, confirmation.attempts) == (MessageStatus.FAILED, 2)


@pytest.mark.django_db(transaction=True)
def test_a_closed_window_falls_back_to_the_template(business, service, monday, fake_whatsapp, whatsapp_settings):
    appointment = book(business, service, at(monday, 10))
    InboundMessage.objects.create(wamid="wamid.in", from_number="+5511988887777", text="oi")  # window open...
    fake_whatsapp.window_closed = True  # ...as far as we know: the API disagrees
    services.message_create(
        business=business,
        kind=Kind.REPLY,
        channel="whatsapp",
        recipient="+5511988887777",
        context=services.appointment_context(appointment),
        appointment=appointment,
        body="Seu horário está confirmado.",
    )
    reply = Message.objects.get(kind=Kind.REPLY)
    assert reply.status == MessageStatus.SENT
    assert [request.type for request in fake_whatsapp.sends[-2:]] == ["text", "template"]


@pytest.mark.django_db(transaction=True)
def test_a_timeout_is_retried(business, service, monday, fake_whatsapp, whatsapp_settings):
    whatsapp_settings.WHATSAPP_TIMEOUT_SECONDS = 1
    fake_whatsapp.plan(hang(seconds=3))
    appointment = book(business, service, at(monday, 10))
    confirmation = message_of(appointment)
    assert confirmation.status == MessageStatus.PENDING and "unreachable" in confirmation.last_error
    services.messages_hand_over(now=confirmation.scheduled_at)
    assert message_of(appointment).status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_email_goes_through_a_real_smtp_server(business, service, monday, smtp_server, smtp_settings):
    book(business, service, at(monday, 10), client_email="ana@exemplo.com", whatsapp_consent=False)
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana@exemplo.com"]
    assert "Ana Souza" in received.text and "Corte" in received.text
    assert received.subject == f"Seu agendamento em {business.name}"  # UTF-8 header decoded
    assert Message.objects.get(kind=Kind.CONFIRMATION, channel="email").status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_a_refused_email_address_fails_at_once(business, service, monday, smtp_server, smtp_settings):
    smtp_server.refuse("nao-existe@exemplo.com")
    book(business, service, at(monday, 10), client_email="nao-existe@exemplo.com", whatsapp_consent=False)
    message = Message.objects.get(kind=Kind.CONFIRMATION, channel="email")
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)


# --- With a real worker over Redis ------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_bookings_confirmation_arrives_once_through_the_worker(
    business, service, monday, fake_whatsapp, whatsapp_settings, celery_broker, celery_worker
):
    celery_worker.start()
    appointment = book(business, service, at(monday, 10))

    fake_whatsapp.wait_for_sends(1, timeout=30)
    wait_until(lambda: message_of(appointment).status == MessageStatus.SENT, what="confirmation sent")
    time.sleep(1.5)
    assert len(fake_whatsapp.sends) == 1
    assert message_of(appointment).attempts == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reminders_fire_at_their_time_through_the_worker(
    business, service, monday, fake_whatsapp, whatsapp_settings, celery_broker, celery_worker
):
    celery_worker.start()
    appointment = book(business, service, at(monday, 10))
    fake_whatsapp.wait_for_sends(1, timeout=30)
    # Recorded as sent before the clock jumps: a day later, a claim still held would count as expired.
    wait_until(lambda: message_of(appointment).status == MessageStatus.SENT, what="confirmation sent")

    services.messages_hand_over(now=at(monday, 10) - timedelta(hours=24))  # the clock moved, not slept
    sends = fake_whatsapp.wait_for_sends(2, timeout=30)
    assert sends[-1].template_name == "agendazap_reminder"
    reminders = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER).order_by("scheduled_at")
    wait_until(lambda: reminders.first().status == MessageStatus.SENT if reminders.exists() else False)
    assert reminders.last().status == MessageStatus.PENDING  # the 2-hour one is not due yet


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_duplicated_task_does_not_send_twice(
    business, service, monday, fake_whatsapp, whatsapp_settings, celery_broker, celery_worker
):
    fake_whatsapp.default = ok(delay=0.5)
    celery_worker.start(concurrency=2)
    appointment = book(business, service, at(monday, 10))
    confirmation = message_of(appointment)
    for _ in range(3):
        send_message_task.apply_async(args=[str(confirmation.pk)], queue=confirmation.queue)

    wait_until(lambda: message_of(appointment).status == MessageStatus.SENT, what="sent")
    time.sleep(2)
    assert len(fake_whatsapp.sends) == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_does_not_lose_the_message(
    business, service, monday, fake_whatsapp, whatsapp_settings, celery_broker, celery_worker
):
    fake_whatsapp.plan(hang())  # the first send never gets an answer
    first = celery_worker.start()
    appointment = book(business, service, at(monday, 10))
    wait_until(lambda: fake_whatsapp.hung_count == 1, what="the send to start")
    first.kill()
    fake_whatsapp.release_hung()

    celery_worker.start()
    confirmation = message_of(appointment)
    assert confirmation.status == MessageStatus.QUEUED  # claimed by the dead worker
    # Once the dead worker's claim runs out, the periodic hand-over gives it to the live one.
    services.messages_hand_over(now=confirmation.claimed_until + timedelta(seconds=1))
    wait_until(lambda: message_of(appointment).status == MessageStatus.SENT, what="sent by the second worker")
    # Two requests reached the API: the one the dead worker never heard back from, and the retry.
    assert len(fake_whatsapp.sends) == 2
    assert message_of(appointment).provider_message_id == fake_whatsapp.sends[-1].wamid


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_during_booking_then_back_delivers(
    business, service, monday, fake_whatsapp, whatsapp_settings, celery_broker, celery_worker, dedicated_redis
):
    celery_broker.use(dedicated_redis.url)
    celery_worker.start(redis_url=dedicated_redis.url)
    dedicated_redis.stop()

    appointment = book(business, service, at(monday, 10))  # the booking itself succeeds
    assert message_of(appointment).status == MessageStatus.PENDING  # kept for the next hand-over

    dedicated_redis.start()
    wait_until(
        lambda: services.messages_hand_over() or message_of(appointment).status != MessageStatus.PENDING,
        timeout=30,
        interval=1.0,
        what="the hand-over to reach Redis",
    )
    wait_until(lambda: message_of(appointment).status == MessageStatus.SENT, timeout=60, what="delivered")
    assert len(fake_whatsapp.sends) == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staff_see_and_steer_the_real_workers(api_client, celery_broker, celery_worker):
    worker = celery_worker.start()
    api_client.force_authenticate(UserFactory(is_staff=True))

    status = api_client.get("/api/queues/workers/status").json()
    assert status["mode"] == "broker" and worker.name in status["workers"]
    stopped = api_client.post("/api/queues/workers/stop", {"queue": "appointment_reminders"}, format="json").json()
    assert worker.name in str(stopped["queues"]["appointment_reminders"])
    started = api_client.post("/api/queues/workers/start", {"queue": "appointment_reminders"}, format="json").json()
    assert worker.name in str(started["queues"]["appointment_reminders"])
