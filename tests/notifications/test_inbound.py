"""Clients' WhatsApp replies and delivery statuses: which booking a reply reaches, how often an
unknown text is answered, retries of the webhook, and statuses that never revive a cancelled message.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient

from notifications import inbound, services
from notifications.backends import whatsapp
from notifications.models import InboundMessage, Kind, Message
from notifications.models import Status as MessageStatus
from scheduling import services as scheduling
from tests.factories import BusinessFactory, ServiceFactory
from tests.fakes.whatsapp_cloud import (
    button_reply_event,
    post_webhook,
    status_event,
    text_message_event,
    webhook_payload,
)
from tests.helpers import as_client, as_owner, at, time_passes

pytestmark = pytest.mark.django_db

APP_SECRET = "segredo-do-app"
WEBHOOK = "/api/webhooks/whatsapp"
CLIENT = "+5511988887777"


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET


@pytest.fixture
def send_now(django_capture_on_commit_callbacks):
    """Run what commits hand over (messages are sent at once, eager Celery)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def book(business, start, *, whatsapp_number=CLIENT, by_client=False, service=None):
    return scheduling.appointment_book(
        business=business,
        actor=as_client() if by_client else as_owner(business),
        service_id=(service or ServiceFactory(business=business)).pk,
        start_time=start,
        client_name="João",
        client_whatsapp=whatsapp_number,
        # Awaiting the business, as when it approves online bookings: what a reply acts on.
        **({} if by_client else {"status": "pending"}),
    )


def post(payload):
    return post_webhook(APIClient(), WEBHOOK, payload, APP_SECRET)


def text(number, body, *, wamid=None, quoting=None):
    return text_message_event(number, body, wamid=wamid, context_id=quoting)


def sent_to(number, kind, business=None) -> Message:
    messages = Message.objects.filter(recipient=number, kind=kind, channel="whatsapp")
    if business is not None:
        messages = messages.filter(business=business)
    return messages.latest("created_at")


def status_of(appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


# --- Which booking a reply reaches ---------------------------------------------------------------------
def test_the_owners_2_to_its_own_new_booking_notice_cancels_nothing(business, monday, send_now):
    booked = send_now(book, business, at(monday, 10), by_client=True)
    notice = sent_to(business.whatsapp_number, Kind.OWNER_NEW_BOOKING)
    whatsapp.outbox.clear()

    send_now(post, text(business.whatsapp_number, "2"))
    send_now(post, text(business.whatsapp_number, "2", quoting=notice.provider_message_id))

    assert status_of(booked) != "cancelled"
    assert whatsapp.outbox == []  # not answered either


def test_a_reply_quoting_an_owner_notice_does_nothing_even_from_a_client_number(business, monday, send_now):
    # The owner booked for itself: its number gets the client's confirmation and the owner's notice.
    booked = send_now(book, business, at(monday, 10), whatsapp_number=business.whatsapp_number, by_client=True)
    notice = sent_to(business.whatsapp_number, Kind.OWNER_NEW_BOOKING)
    whatsapp.outbox.clear()

    send_now(post, text(business.whatsapp_number, "2", quoting=notice.provider_message_id))

    assert status_of(booked) != "cancelled"
    assert whatsapp.outbox == []


def test_an_owner_who_is_a_client_elsewhere_cancels_its_own_visit_not_its_clients(business, monday, send_now):
    salon_b = BusinessFactory()
    own_visit = send_now(book, salon_b, at(monday, 15), whatsapp_number=business.whatsapp_number)
    clients_booking = send_now(book, business, at(monday, 10), by_client=True)  # the owner's notice comes later
    assert sent_to(business.whatsapp_number, Kind.OWNER_NEW_BOOKING).created_at > own_visit.created_at

    send_now(post, text(business.whatsapp_number, "2"))

    assert status_of(clients_booking) != "cancelled"
    assert status_of(own_visit) == "cancelled"


def test_a_reply_quoting_business_as_reminder_acts_on_as_booking_even_when_b_wrote_later(business, monday, send_now):
    at_a = send_now(book, business, at(monday, 10))
    reminder_a = sent_to(CLIENT, Kind.CONFIRMATION, business)
    Message.objects.filter(pk=reminder_a.pk).update(kind=Kind.REMINDER)
    at_b = send_now(book, BusinessFactory(), at(monday, 15))  # B's confirmation is the latest

    send_now(post, text(CLIENT, "2", quoting=reminder_a.provider_message_id))

    assert (status_of(at_a), status_of(at_b)) == ("cancelled", "pending")


def test_an_unquoted_reply_about_a_past_visit_is_not_acted_on_nor_answered(business, monday, send_now):
    at_a = send_now(book, business, at(monday, 10))
    time_passes(send_now(book, BusinessFactory(), at(monday, 15)))  # B's latest message is about a past visit
    whatsapp.outbox.clear()

    send_now(post, text(CLIENT, "1"))

    at_a.refresh_from_db()
    assert at_a.client_confirmed_at is None  # A's booking was not the latest message: not guessed
    assert whatsapp.outbox == []


def test_a_button_still_names_its_own_appointment(business, monday, send_now):
    at_a = send_now(book, business, at(monday, 10))
    at_b = send_now(book, BusinessFactory(), at(monday, 15))

    send_now(post, button_reply_event(CLIENT, f"CANCEL:{at_a.pk}", "Cancelar"))

    assert (status_of(at_a), status_of(at_b)) == ("cancelled", "pending")


# --- Unknown text -------------------------------------------------------------------------------------------
def test_unknown_text_is_answered_once_per_number_per_day(business, monday, send_now):
    send_now(book, business, at(monday, 10))
    whatsapp.outbox.clear()

    for body in ("oi?", "tem horário amanhã?", "???"):
        send_now(post, text(CLIENT, body))
    assert [m["kind"] for m in whatsapp.outbox] == ["reply"]
    assert InboundMessage.objects.count() == 3

    InboundMessage.objects.update(received_at=InboundMessage.objects.first().received_at - timedelta(hours=25))
    send_now(post, text(CLIENT, "olá"))
    assert [m["kind"] for m in whatsapp.outbox] == ["reply", "reply"]


def test_the_daily_answer_to_unknown_text_is_counted_per_business(business, monday, send_now):
    send_now(book, business, at(monday, 10))
    send_now(post, text(CLIENT, "oi?"))
    b_booking = send_now(book, BusinessFactory(), at(monday, 15))  # now B wrote last
    whatsapp.outbox.clear()

    send_now(post, text(CLIENT, "oi?"))

    assert [(m["kind"], m["to"]) for m in whatsapp.outbox] == [("reply", CLIENT)]
    assert Message.objects.get(kind=Kind.REPLY, business=b_booking.business).appointment == b_booking


# --- Webhook retries ------------------------------------------------------------------------------------------
def fail_once(monkeypatch, name):
    real = getattr(scheduling, name)
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(inbound.scheduling, name, flaky)
    return calls


def test_a_retry_after_a_failure_cancels_the_booking(business, monday, send_now, monkeypatch):
    booked = send_now(book, business, at(monday, 10))
    fail_once(monkeypatch, "appointment_client_cancel")
    event = text(CLIENT, "2", wamid="wamid.cancel")

    first = send_now(post, event)
    assert first.status_code == 503  # Meta delivers it again
    assert status_of(booked) == "pending" and not InboundMessage.objects.exists()

    assert send_now(post, event).status_code == 200
    assert status_of(booked) == "cancelled"


def test_a_failed_event_of_a_batch_is_retried_without_redoing_the_others(business, monday, send_now, monkeypatch):
    booked = send_now(book, business, at(monday, 10))
    send_now(book, BusinessFactory(), at(monday, 15), whatsapp_number="+5521977776666")
    fail_once(monkeypatch, "appointment_client_cancel")
    unknown = text("+5521977776666", "oi?", wamid="wamid.hello")["entry"][0]["changes"][0]["value"]
    cancel = text(CLIENT, "2", wamid="wamid.cancel")["entry"][0]["changes"][0]["value"]
    batch = webhook_payload({"messages": unknown["messages"] + cancel["messages"]})
    whatsapp.outbox.clear()

    assert send_now(post, batch).status_code == 503
    assert [m["kind"] for m in whatsapp.outbox] == ["reply"]  # the other event was handled
    assert send_now(post, batch).status_code == 200

    assert status_of(booked) == "cancelled"
    assert sorted(m["kind"] for m in whatsapp.outbox) == ["cancellation", "owner_cancellation", "reply"]


def test_a_duplicate_after_success_sends_no_second_answer(business, monday, send_now):
    booked = send_now(book, business, at(monday, 10))
    whatsapp.outbox.clear()
    event = text(CLIENT, "1", wamid="wamid.yes")

    assert send_now(post, event).status_code == 200
    assert send_now(post, event).status_code == 200

    booked.refresh_from_db()
    assert booked.client_confirmed_at is not None
    assert [m["kind"] for m in whatsapp.outbox] == ["reply"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_reply_act_once(business, monday):
    booked = book(business, at(monday, 10))
    whatsapp.outbox.clear()
    event = text(CLIENT, "1", wamid="wamid.twice")
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        barrier.wait()
        try:
            statuses.append(post(event).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    booked.refresh_from_db()
    assert booked.client_confirmed_at is not None and InboundMessage.objects.count() == 1
    assert [m["kind"] for m in whatsapp.outbox] == ["reply"]


# --- Statuses never revive a cancelled message ----------------------------------------------------------------
def queued_reminder(business, monday) -> Message:
    booked = book(business, at(monday, 10))
    reminder = Message.objects.filter(appointment=booked, kind=Kind.REMINDER).earliest("scheduled_at")
    Message.objects.filter(pk=reminder.pk).update(status=MessageStatus.QUEUED)
    return reminder


def test_a_message_cancelled_while_it_was_being_sent_stays_cancelled(business, monday, monkeypatch):
    reminder = queued_reminder(business, monday)
    real_send = whatsapp.InMemoryBackend.send

    def booking_cancelled_meanwhile(backend, message, *, as_template):
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.CANCELLED, claimed_until=None)
        return real_send(backend, message, as_template=as_template)

    monkeypatch.setattr(whatsapp.InMemoryBackend, "send", booking_cancelled_meanwhile)
    services.message_send(message_id=reminder.pk)

    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED
    assert reminder.provider_message_id == whatsapp.outbox[-1]["id"]  # it did go out: kept for replies quoting it
    post(status_event(reminder.provider_message_id, "delivered", CLIENT))
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED


@pytest.mark.parametrize("late", ["sent", "delivered", "read", "failed"])
def test_a_late_status_does_not_revive_a_cancelled_message(business, monday, late):
    reminder = queued_reminder(business, monday)
    Message.objects.filter(pk=reminder.pk).update(status=MessageStatus.CANCELLED, provider_message_id="wamid.late")

    assert post(status_event("wamid.late", late, CLIENT)).status_code == 200

    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED


def test_a_failure_after_delivery_marks_the_message_failed_and_stays(business, monday, send_now):
    booked = send_now(book, business, at(monday, 10))
    confirmation = sent_to(CLIENT, Kind.CONFIRMATION)
    wamid = confirmation.provider_message_id

    post(status_event(wamid, "delivered", CLIENT))
    post(status_event(wamid, "failed", CLIENT, errors=[{"code": 131026, "title": "Undeliverable"}]))
    post(status_event(wamid, "read", CLIENT))  # a late event does not undo Meta's failure

    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.FAILED and "131026" in confirmation.last_error
    assert booked.pk == confirmation.appointment_id


def test_a_send_whose_claim_expired_does_not_overwrite_the_new_claim(business, monday, monkeypatch):
    reminder = queued_reminder(business, monday)
    real_send = whatsapp.InMemoryBackend.send

    def another_worker_reclaims(backend, message, *, as_template):
        Message.objects.filter(pk=message.pk).update(claimed_until=message.claimed_until + timedelta(hours=1))
        return real_send(backend, message, as_template=as_template)

    monkeypatch.setattr(whatsapp.InMemoryBackend, "send", another_worker_reclaims)
    services.message_send(message_id=reminder.pk)

    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.QUEUED  # the worker holding the claim records the outcome
