"""Messages follow the agenda: written with the change, handed over when due, sent once.

These run in-process (Celery eager, the in-memory WhatsApp backend, Django's locmem email);
the real worker, the Cloud API server and SMTP are exercised in test_delivery.py.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from agendazap.errors import Conflict
from billing.models import MonthlyUsage
from notifications import services
from notifications.backends import whatsapp
from notifications.models import Kind, Message, MessageTemplate
from notifications.models import Status as MessageStatus
from scheduling import services as scheduling
from tests.factories import BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import SAO_PAULO, as_client, as_owner, at, set_hours, time_passes

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(business, service, django_capture_on_commit_callbacks):
    def _book(start, **extra):
        fields = {"client_name": "Ana Souza", "client_whatsapp": "(11) 98888-7777", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return scheduling.appointment_book(
                business=business, actor=as_owner(business), service_id=service.pk, start_time=start, **fields
            )

    return _book


@pytest.fixture
def hand_over(django_capture_on_commit_callbacks):
    """Run the periodic hand-over at a given moment, sending what it queues (eager Celery)."""

    def _hand_over(now):
        with django_capture_on_commit_callbacks(execute=True):
            return services.messages_hand_over(now=now)

    return _hand_over


def kinds(appointment, status=None):
    rows = Message.objects.filter(appointment=appointment)
    if status:
        rows = rows.filter(status=status)
    return sorted(rows.values_list("kind", flat=True))


def test_a_booking_sends_its_confirmation_once_and_schedules_two_reminders(book, monday):
    appointment = book(at(monday, 14))

    assert len(whatsapp.outbox) == 1
    sent = whatsapp.outbox[0]
    assert sent["to"] == "+5511988887777" and sent["kind"] == "confirmation"
    assert "Ana Souza" in sent["body"] and "Corte" in sent["body"] and "14:00" in sent["body"]
    assert f"/a/{appointment.manage_token}/" in sent["body"]
    # Confirmations go as approved templates with quick replies (outside the 24-hour window).
    assert sent["payload"]["type"] == "template"
    buttons = [c for c in sent["payload"]["template"]["components"] if c["type"] == "button"]
    assert [b["parameters"][0]["payload"].split(":")[0] for b in buttons] == ["CONFIRM", "CANCEL", "RESCHEDULE"]

    reminders = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER).order_by("scheduled_at")
    assert [r.scheduled_at for r in reminders] == [at(monday, 14) - timedelta(hours=24), at(monday, 12)]
    assert {r.status for r in reminders} == {MessageStatus.PENDING}
    assert Message.objects.get(appointment=appointment, kind=Kind.CONFIRMATION).status == MessageStatus.SENT


def test_reminders_already_past_are_not_scheduled(business, pro, django_capture_on_commit_callbacks):
    for weekday in range(7):
        set_hours(pro, weekday, ("00:00", "23:59"))
    scheduling.booking_rules_update(business=business, data={"min_notice_minutes": 0, "slot_interval_minutes": 5})
    quick = ServiceFactory(business=business, duration=5)
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=2, minutes=10)
    soon -= timedelta(minutes=soon.minute % 5)
    if soon.astimezone(SAO_PAULO).hour == 23 and soon.astimezone(SAO_PAULO).minute >= 50:
        soon += timedelta(minutes=20)  # keep the 5-minute service inside the day's hours
    with django_capture_on_commit_callbacks(execute=True):
        appointment = scheduling.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=quick.pk,
            start_time=soon,
            client_name="Ana",
            client_whatsapp="11988887777",
        )
    due = list(
        Message.objects.filter(appointment=appointment, kind=Kind.REMINDER).values_list("scheduled_at", flat=True)
    )
    assert due == [soon - timedelta(hours=2)]  # the 24-hour one would already be past


def test_reminders_fire_when_their_time_comes(book, monday, hand_over):
    appointment = book(at(monday, 14))
    whatsapp.outbox.clear()

    assert hand_over(at(monday, 13, 59) - timedelta(hours=24)) == 0
    hand_over(at(monday, 14) - timedelta(hours=24))
    assert [m["kind"] for m in whatsapp.outbox] == ["reminder"]
    hand_over(at(monday, 12))
    assert [m["kind"] for m in whatsapp.outbox] == ["reminder", "reminder"]
    assert kinds(appointment, MessageStatus.SENT) == ["confirmation", "reminder", "reminder"]
    hand_over(at(monday, 13))
    assert len(whatsapp.outbox) == 2  # nothing is sent twice


def test_a_rolled_back_booking_leaves_no_message(book, monday):
    book(at(monday, 10))
    count = Message.objects.count()
    with pytest.raises(Conflict):
        book(at(monday, 10), client_whatsapp="11977776666")
    assert Message.objects.count() == count


def test_cancelling_cancels_the_reminders_and_says_so(book, monday, hand_over, django_capture_on_commit_callbacks):
    appointment = book(at(monday, 10))
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_cancel(
            appointment=appointment, actor=as_owner(appointment.business), reason="Imprevisto"
        )
    assert [m["kind"] for m in whatsapp.outbox] == ["cancellation"]
    assert kinds(appointment, MessageStatus.CANCELLED) == ["reminder", "reminder"]
    hand_over(at(monday, 9, 30))
    assert len(whatsapp.outbox) == 1


def test_moving_reschedules_the_reminders(book, monday, django_capture_on_commit_callbacks):
    appointment = book(at(monday, 10))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_update(
            appointment=appointment, actor=as_owner(appointment.business), data={"start_time": at(monday, 15)}
        )
    pending = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER, status=MessageStatus.PENDING)
    assert sorted(pending.values_list("scheduled_at", flat=True)) == [
        at(monday, 15) - timedelta(hours=24),
        at(monday, 13),
    ]
    assert kinds(appointment, MessageStatus.CANCELLED) == ["reminder", "reminder"]
    assert "15:00" in whatsapp.outbox[-1]["body"]


@pytest.mark.parametrize("change", ["service", "duration", "notes"])
def test_another_service_length_or_notes_is_not_announced_as_a_move(
    business, book, monday, change, django_capture_on_commit_callbacks
):
    appointment = book(at(monday, 10))
    sent = len(whatsapp.outbox)
    data = {
        "service": {"service_id": ServiceFactory(business=business, name="Barba", duration=30).pk},
        "duration": {"duration": 90},
        "notes": {"notes": "Traz a foto"},
    }[change]
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_update(appointment=appointment, actor=as_owner(business), data=data)

    assert len(whatsapp.outbox) == sent
    assert Message.objects.filter(appointment=appointment, kind=Kind.CONFIRMATION).count() == 1
    if change == "service":  # the reminders still to go name the new service
        pending = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER, status=MessageStatus.PENDING)
        assert pending.count() == 2 and all("Barba" in body for body in pending.values_list("body", flat=True))


def test_another_professional_at_the_same_time_is_announced(business, book, monday, django_capture_on_commit_callbacks):
    appointment = book(at(monday, 10))
    colleague = ProfessionalFactory(business=business, name="Bia")
    set_hours(colleague, monday.weekday(), ("09:00", "18:00"))
    sent = len(whatsapp.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_update(
            appointment=appointment, actor=as_owner(business), data={"professional_id": colleague.pk}
        )

    assert len(whatsapp.outbox) == sent + 1
    assert "Bia" in whatsapp.outbox[-1]["body"]


def test_the_thanks_for_your_visit_is_timed_from_the_end_of_the_visit(
    book, monday, business, django_capture_on_commit_callbacks
):
    appointment = time_passes(book(at(monday, 10), status="confirmed"), started_minutes_ago=10)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_set_status(appointment=appointment, actor=as_owner(business), status="completed")
    follow_up = Message.objects.get(appointment=appointment, kind=Kind.FOLLOW_UP)
    assert follow_up.status == MessageStatus.PENDING
    assert follow_up.scheduled_at == appointment.end_time + timedelta(hours=24)  # not 24 h after the click


def test_a_visit_two_weeks_ahead_cannot_be_completed_and_sends_no_thanks(book, monday, business):
    appointment = book(at(monday, 10), status="confirmed")
    with pytest.raises(ValidationError, match="depois que começou"):
        scheduling.appointment_set_status(appointment=appointment, actor=as_owner(business), status="completed")
    assert not Message.objects.filter(appointment=appointment, kind=Kind.FOLLOW_UP).exists()


def test_a_client_booking_tells_the_owner(business, service, monday, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_book(
            business=business,
            actor=as_client(),
            service_id=service.pk,
            start_time=at(monday, 10),
            client_name="Ana",
            client_whatsapp="11988887777",
        )
    assert sorted(m["to"] for m in whatsapp.outbox) == sorted(["+5511988887777", business.whatsapp_number])
    assert [m.to for m in mail.outbox if "Ana" in m.subject] == [[business.email]]


def test_without_whatsapp_consent_only_email_is_sent(book, monday):
    book(at(monday, 10), client_email="ana@exemplo.com", whatsapp_consent=False)
    assert whatsapp.outbox == []
    assert [m.to for m in mail.outbox] == [["ana@exemplo.com"]]


def test_a_business_template_is_used_and_unknown_placeholders_refused(business, book, monday):
    services.template_save(
        business=business, kind="confirmation", channel="whatsapp", body="Oi {client_name}, até {date}!"
    )
    book(at(monday, 10))
    assert whatsapp.outbox[0]["body"] == f"Oi Ana Souza, até {monday:%d/%m/%Y}!"
    with pytest.raises(Exception, match="client_nome"):
        services.template_save(business=business, kind="confirmation", channel="whatsapp", body="Oi {client_nome}")
    assert MessageTemplate.objects.get(business=business).body == "Oi {client_name}, até {date}!"


def test_a_duplicated_send_task_sends_once(book, monday):
    appointment = book(at(monday, 14))
    reminder = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER).first()
    Message.objects.filter(pk=reminder.pk).update(status=MessageStatus.QUEUED)
    whatsapp.outbox.clear()
    assert services.message_send(message_id=reminder.pk) == "sent"
    assert services.message_send(message_id=reminder.pk) == "skipped"
    assert len(whatsapp.outbox) == 1


def test_a_whatsapp_send_costs_four_queries(book, monday, django_assert_num_queries):
    appointment = book(at(monday, 14))  # its confirmation went out: this month's counter exists
    reminder = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER).first()
    Message.objects.filter(pk=reminder.pk).update(status=MessageStatus.QUEUED)

    # The claim; the message with its business and plan limits; the allowance; the outcome.
    with django_assert_num_queries(4):
        assert services.message_send(message_id=reminder.pk) == "sent"
    assert MonthlyUsage.objects.get(business=appointment.business).used == 2


def test_over_the_plan_the_message_is_kept_as_failed_with_the_reason(business, book, monday):
    from billing.selectors import current_period

    MonthlyUsage.objects.create(
        business=business, resource="whatsapp_messages", period=current_period(business=business).month, used=100
    )
    appointment = book(at(monday, 10))
    confirmation = Message.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)
    assert appointment.pk  # the booking itself succeeded
    assert confirmation.status == MessageStatus.FAILED
    assert "100" in confirmation.last_error
    assert whatsapp.outbox == []


def test_messages_of_another_business_are_never_touched(business, book, monday):
    other = BusinessFactory()
    foreign = ServiceFactory(business=other)
    theirs = scheduling.appointment_book(
        business=other,
        actor=as_owner(other),
        service_id=foreign.pk,
        start_time=at(monday, 10),
        client_name="X",
        client_whatsapp="11900001111",
    )
    Message.objects.filter(appointment=theirs).update(status=MessageStatus.FAILED)
    assert services.messages_retry_failed(business=business, queue="appointment_confirmations") == 0
    assert services.messages_clear_failed(business=business, queue="appointment_reminders") == 0
    assert Message.objects.filter(appointment=theirs, status=MessageStatus.FAILED).count() == 3
