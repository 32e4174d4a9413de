"""Query budgets of the booking path, through the API as a client of it sees it (authentication
included): one booking with its messages, client, figures, plan check and activity written.

The same budget holds with one appointment in the business's history and with many, on SQLite
and on PostgreSQL (DATABASE_URL). A test database wraps each test in a transaction, so the
booking's own transaction shows as a savepoint and its release (BEGIN and COMMIT elsewhere);
what runs after the commit (handing the confirmation to the workers) is not counted.

Each booking runs as it does in production: the business's set-up was committed long before and
the client looked at the free times first, so the set-up is read from the cache. A booking right
after the set-up changed reads it from the database: `test_a_booking_right_after_a_change_of_set_up`.
"""

from datetime import timedelta

import pytest

from agendazap.business_cache import business_changed
from crm.models import Client
from notifications.models import Kind, Message
from notifications.services import notification_settings_get
from scheduling.models import Appointment, AppointmentActivity
from tests.factories import AppointmentFactory
from tests.helpers import at

BOOKING_BUDGET = 20  # the most one booking may run, whatever the path
# What each path runs now (the same on SQLite and PostgreSQL), so that a query more is noticed.
NEW_CLIENT_BUDGET = 15
KNOWN_CLIENT_BUDGET = 13
ONLINE_BUDGET = 16
# The first move or cancel after the waitlist changed reads which days someone waits for (then cached).
MOVE_BUDGET = 15
CANCEL_BUDGET = 12
KNOWN_NUMBER = "+5511988887777"


@pytest.fixture(params=[1, 120], ids=["one-appointment", "many-appointments"])
def past_visits(request, business, service, monday):
    """A business on the free plan (appointments and clients are counted against its limits), with
    settings, a text of its own, and appointments in its history, most of them the known client's
    (made in months past: they do not count toward this month's appointments), among a few clients."""
    notification_settings_get(business=business)
    business.message_templates.create(kind=Kind.CONFIRMATION, channel="whatsapp", body="Olá, {client_name}!")
    for week in range(request.param):
        start = at(monday, 9) - timedelta(weeks=week + 5)
        appointment = AppointmentFactory(
            service=service,
            start_time=start,
            client_whatsapp=f"+55119666{week % 7:05d}" if week % 3 else KNOWN_NUMBER,
            status="completed",
        )
        Appointment.objects.filter(pk=appointment.pk).update(created_at=start - timedelta(days=7))
    return request.param


@pytest.fixture
def history(past_visits, api_client, business, service, monday, django_capture_on_commit_callbacks):
    """The set-up committed (a fresh version of the business's configuration), then the free times
    of the day looked at, which reads the set-up and keeps it in the cache."""
    with django_capture_on_commit_callbacks(execute=True):
        business_changed(business.pk)
    day = api_client.get(f"/b/{business.slug}/book/{service.pk}/?date={monday:%Y-%m-%d}")
    assert day.status_code == 200
    return past_visits


def booking(service, start, number="+5511977776666") -> dict:
    return {
        "service_id": str(service.pk),
        "client_name": "Ana Souza",
        "client_whatsapp": number,
        "start_time": start.isoformat(),
    }


def test_owner_booking_of_a_new_client(history, auth_client, service, monday, django_assert_max_num_queries):
    with django_assert_max_num_queries(NEW_CLIENT_BUDGET):
        response = auth_client.post("/api/appointments", booking(service, at(monday, 10)), format="json")

    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert appointment.client.total_appointments == 1
    assert AppointmentActivity.objects.filter(appointment=appointment, kind="booked").exists()
    kinds = sorted(Message.objects.filter(appointment=appointment).values_list("kind", flat=True))
    assert kinds == ["confirmation", "reminder", "reminder"]
    assert Message.objects.get(appointment=appointment, kind=Kind.CONFIRMATION).body == "Olá, Ana Souza!"


def test_owner_booking_with_a_chosen_professional(
    history, auth_client, service, pro, monday, django_assert_max_num_queries
):
    body = {**booking(service, at(monday, 10)), "professional_id": str(pro.pk)}

    with django_assert_max_num_queries(NEW_CLIENT_BUDGET):
        response = auth_client.post("/api/appointments", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["professional_id"] == str(pro.pk)


def test_owner_booking_of_a_known_client(history, auth_client, service, monday, django_assert_max_num_queries):
    known_before = Client.objects.get(whatsapp=KNOWN_NUMBER).appointments.count()

    with django_assert_max_num_queries(KNOWN_CLIENT_BUDGET):
        response = auth_client.post(
            "/api/appointments", booking(service, at(monday, 10), number=KNOWN_NUMBER), format="json"
        )

    assert response.status_code == 201, response.content
    client = Client.objects.get(whatsapp=KNOWN_NUMBER)
    assert client.total_appointments == known_before + 1


def test_online_booking_writes_its_messages_within_the_budget(
    history, api_client, business, service, monday, django_assert_max_num_queries
):
    body = {
        **booking(service, at(monday, 10)),
        "business_slug": business.slug,
        "client_email": "ana@exemplo.com.br",
        "consent_whatsapp": True,
    }

    with django_assert_max_num_queries(ONLINE_BUDGET):
        response = api_client.post("/api/appointments/public", body, format="json")

    assert response.status_code == 201, response.content
    messages = Message.objects.filter(appointment__client__whatsapp="+5511977776666")
    # The confirmation and two reminders to the client; the owner told on WhatsApp and by email.
    assert sorted(messages.values_list("kind", "channel")) == [
        ("confirmation", "whatsapp"),
        ("owner_new_booking", "email"),
        ("owner_new_booking", "whatsapp"),
        ("reminder", "whatsapp"),
        ("reminder", "whatsapp"),
    ]


def test_move_and_cancel_within_budgets(history, auth_client, service, monday, django_assert_max_num_queries):
    appointment_id = auth_client.post("/api/appointments", booking(service, at(monday, 10)), format="json").json()["id"]

    with django_assert_max_num_queries(MOVE_BUDGET):
        moved = auth_client.patch(
            f"/api/appointments/{appointment_id}", {"start_time": at(monday, 14).isoformat()}, format="json"
        )
    with django_assert_max_num_queries(CANCEL_BUDGET):
        cancelled = auth_client.delete(f"/api/appointments/{appointment_id}", format="json")

    assert moved.status_code == 200 and cancelled.status_code == 200
    assert Message.objects.filter(appointment_id=appointment_id, kind=Kind.CANCELLATION).count() == 1
    assert Client.objects.get(whatsapp="+5511977776666").cancelled_appointments == 1


def test_a_booking_right_after_a_change_of_set_up(
    history, auth_client, business, service, monday, django_assert_max_num_queries
):
    business_changed(business.pk)  # new hours, say: not committed yet, so nothing cached is trusted

    # The set-up is read from the database: rules, professionals, who performs what, hours, services.
    with django_assert_max_num_queries(BOOKING_BUDGET + 5):
        response = auth_client.post("/api/appointments", booking(service, at(monday, 10)), format="json")

    assert response.status_code == 201, response.content
