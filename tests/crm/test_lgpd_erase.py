"""LGPD erasure: once a client is erased, no table of the database holds their name, number or email."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from notifications import inbound
from notifications.models import Message
from notifications.models import Status as MessageStatus
from scheduling import services as scheduling
from scheduling.models import AppointmentActivity
from tests.fakes.whatsapp_cloud import text_message_event
from tests.helpers import as_client, as_owner, at, time_passes

pytestmark = pytest.mark.django_db

NAME = "Joana Quitéria Prado"
NUMBER = "(11) 98888-7777"
EMAIL = "joana.prado@exemplo.com"
# What would give the client away, as stored (E.164 digits, the typed spelling, JSON's escapes).
TRACES = ("Quitéria", "Quit\\u00e9ria", "988887777", "98888-7777", "joana.prado")
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)  # EmailField, SlugField... are CharFields


def traces_in_the_database() -> list[tuple[str, str, str]]:
    """Every (table, column, trace) where a trace of the client is still written, in every model."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            as_text = Cast(field.name, models.TextField()) if isinstance(field, models.JSONField) else None
            rows = model._base_manager.all()
            column = field.name
            if as_text is not None:
                rows, column = rows.annotate(scanned_text=as_text), "scanned_text"
            for trace in TRACES:
                if rows.filter(**{f"{column}__contains": trace}).exists():
                    found.append((model._meta.db_table, field.column, trace))
    return found


@pytest.fixture
def joana_everywhere(business, service, monday, django_capture_on_commit_callbacks):
    """A client with a visit done and two ahead, messages sent and pending, replies and history."""

    def book(start, actor, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return scheduling.appointment_book(
                business=business,
                actor=actor,
                service_id=service.pk,
                start_time=start,
                client_name=NAME,
                client_whatsapp=NUMBER,
                client_email=EMAIL,
                notes=f"{NAME} prefere tesoura",
                custom_fields={"indicada_por": NAME, "telefone": NUMBER},
                **extra,
            )

    online = book(at(monday, 10), as_client(name=NAME))  # confirmation, reminders, owner told
    by_email = book(at(monday, 14), as_owner(business), whatsapp_consent=False)  # to the client's email
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_cancel(appointment=by_email, actor=as_owner(business), reason=f"{NAME} pediu")
    visit = time_passes(book(at(monday + timedelta(days=7), 9), as_owner(business), status="confirmed"))
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.appointment_set_status(appointment=visit, actor=as_owner(business), status="completed")
    Message.objects.filter(appointment=by_email, kind="cancellation").update(
        status=MessageStatus.FAILED, last_error=f"550 {EMAIL}: mailbox unavailable"
    )
    confirmation = Message.objects.get(appointment=online, kind="confirmation", channel="whatsapp")
    with django_capture_on_commit_callbacks(execute=True):
        inbound.webhook_process(text_message_event("5511988887777", "SIM", context_id=confirmation.provider_message_id))
        inbound.webhook_process(text_message_event("5511988887777", f"Aqui é a {NAME}, {EMAIL}"))
    # Everything the erasure must reach is really there.
    assert set(Message.objects.filter(client__isnull=False).values_list("status", flat=True)) >= {
        MessageStatus.SENT,
        MessageStatus.PENDING,
        MessageStatus.FAILED,
    }
    assert Message.objects.filter(kind="owner_new_booking", body__contains="Quitéria").exists()
    assert AppointmentActivity.objects.filter(actor_name=NAME).exists()
    assert ("notifications_inboundmessage", "from_number", "988887777") in traces_in_the_database()
    return online.client


def test_erasing_a_client_leaves_their_name_number_and_email_nowhere_in_the_database(auth_client, joana_everywhere):
    response = auth_client.delete(f"/api/clients/{joana_everywhere.pk}?erase=true")

    assert response.status_code == 200, response.json()
    assert traces_in_the_database() == []
