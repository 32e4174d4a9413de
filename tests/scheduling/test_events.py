"""Appointment changes are domain events: said once, inside the change's transaction, with who did it."""

import pytest
from django.db import transaction

from agendazap import events
from agendazap.errors import PlanLimitExceeded
from billing.services import plan_refusal_notice
from notifications.models import Message
from scheduling import services
from scheduling.models import AppointmentActivity
from tests.helpers import as_client, as_owner, at

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def book(business, service, start, *, actor=None, **extra):
    fields = {"client_name": "Ana Souza", "client_whatsapp": "(11) 98888-7777", **extra}
    return services.appointment_book(
        business=business, actor=actor or as_owner(business), service_id=service.pk, start_time=start, **fields
    )


def test_each_change_emits_one_event_with_its_actor(business, service, monday):
    heard = []
    events.subscribe(events.AppointmentEvent, heard.append)
    try:
        appointment = book(business, service, at(monday, 10))
        services.appointment_update(
            appointment=appointment, actor=as_owner(business), data={"start_time": at(monday, 11)}
        )
        services.appointment_client_confirm(appointment=appointment, actor=as_client(name="Ana"))
        services.appointment_cancel(appointment=appointment, actor=as_client(name="Ana"), reason="Imprevisto")
    finally:
        events._handlers[events.AppointmentEvent].remove(heard.append)
    assert [type(event).__name__ for event in heard] == [
        "AppointmentBooked",
        "AppointmentMoved",
        "AppointmentClientConfirmed",
        "AppointmentCancelled",
    ]
    assert [event.actor.kind for event in heard] == ["owner", "owner", "client", "client"]
    assert heard[1].previous_start == at(monday, 10)


def test_the_activity_log_records_what_when_and_who(business, service, monday):
    appointment = book(business, service, at(monday, 10), status="pending")
    services.appointment_client_confirm(appointment=appointment, actor=as_client(name="Ana"))
    services.appointment_set_status(appointment=appointment, actor=as_owner(business), status="confirmed")
    rows = list(AppointmentActivity.objects.filter(appointment=appointment))
    assert [(row.kind, row.actor_kind) for row in rows] == [
        ("booked", "owner"),
        ("client_confirmed", "client"),
        ("confirmed", "owner"),
    ]
    assert rows[0].actor_user_id == business.owner_login.pk and rows[1].actor_name == "Ana"
    assert rows[2].details == {"from": "pending"}


def test_a_failing_reaction_rolls_the_change_back_with_everything_it_wrote(business, service, monday):
    def explode(event):
        raise Boom

    events.subscribe(events.AppointmentBooked, explode)
    try:
        with pytest.raises(Boom):
            book(business, service, at(monday, 10))
    finally:
        events._handlers[events.AppointmentBooked].remove(explode)
    assert not business.appointments.exists()
    assert not AppointmentActivity.objects.exists()
    assert not Message.objects.exists()


def test_a_rolled_back_caller_takes_the_booking_its_messages_and_its_log_with_it(business, service, monday):
    with pytest.raises(Boom), transaction.atomic():
        book(business, service, at(monday, 10))
        raise Boom
    assert not business.appointments.exists()
    assert not Message.objects.exists() and not AppointmentActivity.objects.exists()


def test_a_callers_transaction_cannot_take_the_plan_refusal_notice_with_it(business):
    refusal = PlanLimitExceeded("full", limit=50, used=50, plan_type="free", resource="appointments")
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        plan_refusal_notice(business=business, exc=refusal)


def test_online_booking_refuses_to_run_inside_a_callers_transaction(business, service, monday):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.appointment_book_online(
            business=business,
            via=events.Via.PUBLIC_API,
            ip_address="203.0.113.9",
            client_whatsapp="11988887777",
            client_name="Ana",
            service_id=service.pk,
            start_time=at(monday, 10),
        )
