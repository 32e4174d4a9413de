"""A visit of several services: the client hears once about it, not once per part."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from notifications.backends import whatsapp
from notifications.models import Kind, Message
from notifications.models import Status as MessageStatus
from scheduling import selectors
from scheduling import services as scheduling
from scheduling.models import Appointment
from tests.factories import ProfessionalFactory, ServiceFactory
from tests.fakes.whatsapp_cloud import post_webhook, text_message_event
from tests.helpers import as_client, as_owner, at, set_hours, time_passes

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(business, service):
    beard = ServiceFactory(business=business, name="Barba", duration=30, price=30)
    return [service, beard]  # Corte, 60 minutes, R$ 50, then Barba


@pytest.fixture
def book_visit(business, services, django_capture_on_commit_callbacks):
    def _book(start, *, actor=None, **extra):
        fields = {"client_name": "Ana Souza", "client_whatsapp": "(11) 98888-7777", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return scheduling.visit_book(
                business=business,
                actor=actor or as_owner(business),
                service_ids=[s.pk for s in services],
                start_time=start,
                **fields,
            )

    return _book


def active(kind):
    return Message.objects.filter(kind=kind).exclude(status=MessageStatus.CANCELLED)


def test_one_confirmation_and_one_set_of_reminders_name_every_service_and_the_totals(book_visit, monday):
    visit = book_visit(at(monday, 14))

    assert [m["kind"] for m in whatsapp.outbox] == ["confirmation"]
    body = whatsapp.outbox[0]["body"]
    assert "Corte + Barba" in body
    assert "1h30" in body and "R$\xa080,00" in body
    assert "14:00" in body
    reminders = active(Kind.REMINDER).order_by("scheduled_at")
    assert [r.scheduled_at for r in reminders] == [at(monday, 14) - timedelta(hours=24), at(monday, 12)]
    assert {r.appointment_id for r in reminders} == {visit.parts[0].pk}
    assert all("Corte + Barba" in r.body for r in reminders)


def test_the_owner_hears_once_of_a_visit_booked_online(business, book_visit, monday):
    business.whatsapp_number = "+5511977776666"
    business.save(update_fields=["whatsapp_number"])
    book_visit(at(monday, 14), actor=as_client())
    assert active(Kind.OWNER_NEW_BOOKING).filter(channel="whatsapp").count() == 1


def test_cancelling_the_visit_sends_one_cancellation_and_stops_the_reminders(
    business, book_visit, monday, django_capture_on_commit_callbacks
):
    visit = book_visit(at(monday, 14))
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.visit_cancel(
            visit=selectors.visit_get(business=business, visit_id=visit.pk), actor=as_owner(business)
        )

    assert [m["kind"] for m in whatsapp.outbox] == ["cancellation"]
    assert "Corte + Barba" in whatsapp.outbox[0]["body"]
    assert not active(Kind.REMINDER).exists()


def test_cancelling_one_part_tells_the_client_that_part_and_keeps_one_set_of_reminders(
    business, book_visit, monday, django_capture_on_commit_callbacks
):
    visit = book_visit(at(monday, 14))
    whatsapp.outbox.clear()
    first, second = visit.parts
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_cancel(appointment=first, actor=as_owner(business))

    assert [m["kind"] for m in whatsapp.outbox] == ["cancellation"]
    assert "Corte" in whatsapp.outbox[0]["body"] and "Barba" not in whatsapp.outbox[0]["body"]
    reminders = active(Kind.REMINDER)
    # The rest of the visit (the beard, at 15:00) is reminded of once, as a visit of one part.
    assert {r.appointment_id for r in reminders} == {second.pk}
    assert [r.scheduled_at for r in reminders.order_by("scheduled_at")] == [
        at(monday, 15) - timedelta(hours=24),
        at(monday, 13),
    ]


def test_moving_the_visit_confirms_once_and_reschedules_one_set_of_reminders(
    business, book_visit, monday, django_capture_on_commit_callbacks
):
    visit = book_visit(at(monday, 10))
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.visit_move(
            visit=selectors.visit_get(business=business, visit_id=visit.pk),
            actor=as_owner(business),
            start_time=at(monday, 14),
        )

    assert [m["kind"] for m in whatsapp.outbox] == ["confirmation"]
    assert "14:00" in whatsapp.outbox[0]["body"] and "Corte + Barba" in whatsapp.outbox[0]["body"]
    assert sorted(r.scheduled_at for r in active(Kind.REMINDER)) == [
        at(monday, 14) - timedelta(hours=24),
        at(monday, 12),
    ]


def test_a_visit_with_two_professionals_names_both(business, services, book_visit, pro, monday):
    barber = ProfessionalFactory(business=business, name="Beto")
    set_hours(barber, 0, ("09:00", "18:00"))
    barber.services.set([services[1]])
    pro.services.set([services[0]])

    book_visit(at(monday, 14))

    assert f"{pro.name} e Beto" in whatsapp.outbox[0]["body"]


def test_answering_2_to_the_visits_confirmation_cancels_the_whole_visit(
    business, book_visit, monday, django_capture_on_commit_callbacks, settings
):
    settings.WHATSAPP_APP_SECRET = "segredo-do-app"
    visit = book_visit(at(monday, 14))
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(APIClient(), "/api/webhooks/whatsapp", text_message_event("+5511988887777", "2"), "segredo-do-app")

    assert {part.status for part in Appointment.objects.filter(visit_id=visit.pk)} == {"cancelled"}
    assert [m["kind"] for m in whatsapp.outbox if m["to"] == "+5511988887777"] == ["cancellation"]
    assert [m["kind"] for m in whatsapp.outbox if m["to"] != "+5511988887777"] == ["owner_cancellation"]


def test_a_pending_visit_confirmed_part_by_part_is_confirmed_to_the_client_once(
    business, book_visit, monday, django_capture_on_commit_callbacks
):
    visit = book_visit(at(monday, 14), status="pending")
    whatsapp.outbox.clear()
    first, second = visit.parts
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_set_status(appointment=first, actor=as_owner(business), status="confirmed")
    assert whatsapp.outbox == []  # the beard still awaits the business
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_set_status(appointment=second, actor=as_owner(business), status="confirmed")
    assert [m["kind"] for m in whatsapp.outbox] == ["confirmation"]
    assert "Corte + Barba" in whatsapp.outbox[0]["body"]


def test_a_visit_completed_part_by_part_thanks_the_client_once(business, book_visit, monday):
    visit = book_visit(at(monday, 14))
    # The cut 150 to 90 minutes ago, then the beard: both over.
    for part, minutes_ago in zip(visit.parts, (150, 90), strict=True):
        time_passes(part, started_minutes_ago=minutes_ago)
        scheduling.appointment_set_status(appointment=part, actor=as_owner(business), status="completed")
    assert Message.objects.filter(kind=Kind.FOLLOW_UP).count() == 1
