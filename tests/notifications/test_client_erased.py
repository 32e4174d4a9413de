"""An erased client (LGPD) is sent nothing more, and the business's messages no longer say who they were."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services as clients
from notifications import inbound, services
from notifications.backends import whatsapp
from notifications.models import InboundMessage, Kind, Message
from notifications.models import Status as MessageStatus
from scheduling import services as scheduling
from tests.factories import BusinessFactory, ServiceFactory
from tests.fakes.whatsapp_cloud import text_message_event
from tests.helpers import as_client, as_owner, at

pytestmark = pytest.mark.django_db

NUMBER = "+5511988887777"


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    def _book(business, start, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return scheduling.appointment_book(
                business=business,
                actor=extra.pop("actor", as_owner(business)),
                service_id=ServiceFactory(business=business).pk,
                start_time=start,
                client_name="Ana Souza",
                client_whatsapp=NUMBER,
                client_email="ana@exemplo.com",
                **extra,
            )

    return _book


def erase(business, client):
    clients.client_erase(client=client, actor=as_owner(business))


def test_an_erased_clients_pending_reminders_never_reach_the_number(
    business, monday, book, django_capture_on_commit_callbacks
):
    appointment = book(business, at(monday, 10), actor=as_client())
    assert (
        Message.objects.filter(appointment=appointment, kind=Kind.REMINDER, status=MessageStatus.PENDING).count() == 2
    )
    whatsapp.outbox.clear()

    erase(business, appointment.client)
    with django_capture_on_commit_callbacks(execute=True):
        services.messages_hand_over(now=timezone.now() + timedelta(days=30))

    assert whatsapp.outbox == []
    to_her = Message.objects.filter(client=appointment.client)
    assert set(to_her.values_list("status", flat=True)) == {MessageStatus.SENT, MessageStatus.CANCELLED}
    assert not to_her.filter(recipient__in=(NUMBER, "ana@exemplo.com")).exists()
    about_her = Message.objects.filter(appointment=appointment, kind=Kind.OWNER_NEW_BOOKING)
    assert about_her.exists() and not about_her.filter(body__contains="Ana").exists()
    assert about_her.filter(recipient=business.email).exists()  # the owner's address is the owner's


def test_a_failed_message_to_an_erased_client_is_not_sent_again(business, monday, book):
    appointment = book(business, at(monday, 10))
    Message.objects.filter(appointment=appointment).update(status=MessageStatus.FAILED, last_error=f"{NUMBER} unknown")
    queue = Message.objects.filter(appointment=appointment).first().queue

    erase(business, appointment.client)

    assert services.messages_retry_failed(business=business, queue=queue) == 0
    assert not Message.objects.filter(last_error__contains="98888").exists()


def test_erasing_a_client_leaves_another_business_and_its_replies_alone(
    business, monday, book, django_capture_on_commit_callbacks
):
    mine = book(business, at(monday, 10))
    neighbour = BusinessFactory()
    theirs = book(neighbour, at(monday, 11))
    their_confirmation = Message.objects.get(appointment=theirs, kind=Kind.CONFIRMATION)
    with django_capture_on_commit_callbacks(execute=True):
        inbound.webhook_process(text_message_event(NUMBER, "SIM", context_id=their_confirmation.provider_message_id))
        inbound.webhook_process(text_message_event(NUMBER, "Oi, aqui é a Ana"))
    assert InboundMessage.objects.filter(appointment=theirs).count() == 2  # the latest booking written about

    erase(business, mine.client)

    their_rows = Message.objects.filter(business=neighbour)
    assert their_rows.filter(recipient=NUMBER, status=MessageStatus.PENDING, kind=Kind.REMINDER).count() == 2
    assert their_rows.filter(body__contains="Ana Souza").exists()
    assert sorted(InboundMessage.objects.filter(from_number=NUMBER).values_list("text", flat=True)) == [
        "Oi, aqui é a Ana",
        "SIM",
    ]


def test_replies_that_matched_no_booking_are_redacted(business, monday, book):
    mine = book(business, at(monday, 10))
    Message.objects.all().delete()  # no message to answer: the reply matches no booking
    inbound.webhook_process(text_message_event(NUMBER, "Oi, aqui é a Ana"))
    assert InboundMessage.objects.get().appointment is None

    erase(business, mine.client)

    row = InboundMessage.objects.get()
    assert (row.from_number, row.payload) == (mine.client.whatsapp, "")
    assert "Ana" not in row.text and row.text


def test_staff_cannot_send_an_erased_clients_messages_again(business, monday, book, admin_client):
    appointment = book(business, at(monday, 10))
    confirmation = Message.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)
    Message.objects.filter(pk=confirmation.pk).update(status=MessageStatus.FAILED)
    erase(business, appointment.client)

    response = admin_client.post(
        "/admin/notifications/message/", {"action": "send_again", "_selected_action": [str(confirmation.pk)]}
    )

    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.CANCELLED  # "[erased]" never goes to the placeholder number
    Message.objects.filter(pk=confirmation.pk).update(status=MessageStatus.FAILED)
    assert services.messages_retry_failed(business=business, queue=confirmation.queue) == 0
