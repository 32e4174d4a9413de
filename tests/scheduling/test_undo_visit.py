"""Undoing a mistaken "completed" or "no-show" on the appointment's day: through the service, the
API and the dashboard page, with everything that reacted put back (messages, figures, history)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from agendazap.events import Via
from billing.models import Resource
from billing.selectors import current_period, usage_used
from crm.models import Client
from crm.selectors import client_get
from notifications.models import Kind, Message
from notifications.models import Status as MessageStatus
from scheduling import services
from scheduling.models import ActivityKind, Appointment, AppointmentStatus
from tests.factories import AppointmentFactory
from tests.helpers import SAO_PAULO, as_owner, at

pytestmark = pytest.mark.django_db


def started_today():
    """A start that has passed and is still today in São Paulo (midnight just after midnight)."""
    now = timezone.now()
    midnight = now.astimezone(SAO_PAULO).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - timedelta(minutes=5), midnight)


def yesterday_evening():
    midnight = timezone.now().astimezone(SAO_PAULO).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(hours=2)


@pytest.fixture
def visit(business, service, monday):
    """Monday 10:00, booked by the owner through the service (so every reaction ran)."""
    return services.appointment_book(
        business=business,
        actor=as_owner(business),
        service_id=service.pk,
        start_time=at(monday, 10),
        client_name="Ana Lima",
        client_whatsapp="(11) 98888-1234",
    )


def set_status(appointment, status, now):
    return services.appointment_set_status(
        appointment=appointment, actor=as_owner(appointment.business, via=Via.DASHBOARD), status=status, now=now
    )


def follow_ups(appointment) -> list[str]:
    return list(
        Message.objects.filter(appointment=appointment, kind=Kind.FOLLOW_UP)
        .order_by("created_at")
        .values_list("status", flat=True)
    )


# --- The rule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("visit_status", [AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW])
def test_a_visit_status_goes_back_to_confirmed_on_its_day_only(visit, monday, visit_status):
    set_status(visit, visit_status, now=at(monday, 11))
    assert services.allowed_statuses(visit, now=at(monday, 23, 59)) == [AppointmentStatus.CONFIRMED]
    assert services.allowed_statuses(visit, now=at(monday + timedelta(days=1), 0, 0)) == []

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday + timedelta(days=1), 8))
    assert refused.value.message_dict == {
        "status": ["A completed or no-show appointment can only be undone on its own day."]
    }
    visit.refresh_from_db()
    assert visit.status == visit_status

    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 19))
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.CONFIRMED


def test_the_day_is_the_business_day_not_utc(business, visit, monday):
    # 22:30 in São Paulo is already the next day in UTC: still the appointment's day.
    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 11))
    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 22, 30))
    assert visit.status == AppointmentStatus.CONFIRMED


def test_a_recorded_visit_still_cannot_become_anything_else(visit, monday):
    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 11))
    for status in (AppointmentStatus.PENDING, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED):
        with pytest.raises(ValidationError, match="cannot become"), translation.override("en"):
            set_status(visit, status, now=at(monday, 12))


# --- What reacted is undone --------------------------------------------------------------------------
def test_undoing_a_completion_cancels_its_thank_you_and_a_new_completion_schedules_one(visit, monday):
    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 11))
    assert follow_ups(visit) == [MessageStatus.PENDING]
    messages_before_undo = Message.objects.filter(appointment=visit).count()

    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 12))
    assert follow_ups(visit) == [MessageStatus.CANCELLED]
    # Nothing new for the client: no "confirmed" message for a visit already under way.
    assert Message.objects.filter(appointment=visit).count() == messages_before_undo

    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 12, 5))
    assert follow_ups(visit) == [MessageStatus.CANCELLED, MessageStatus.PENDING]


def test_a_thank_you_already_sent_is_not_sent_twice(visit, monday):
    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 11))
    Message.objects.filter(appointment=visit, kind=Kind.FOLLOW_UP).update(status=MessageStatus.SENT)

    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 18))
    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 18, 5))

    assert follow_ups(visit) == [MessageStatus.SENT]


def test_client_figures_go_back_and_plan_usage_does_not_move(business, visit, monday):
    period = current_period(business=business)
    used = usage_used(business=business, resource=Resource.APPOINTMENTS, period=period)

    set_status(visit, AppointmentStatus.COMPLETED, now=at(monday, 11))
    client = Client.objects.get(pk=visit.client_id)
    assert (client.completed_appointments, client.total_spent) == (1, Decimal("50.00"))
    assert client.last_payment_at == visit.end_time

    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 12))
    client.refresh_from_db()
    assert (client.completed_appointments, client.total_spent, client.last_payment_at) == (0, Decimal("0"), None)

    set_status(visit, AppointmentStatus.NO_SHOW, now=at(monday, 12, 5))
    client.refresh_from_db()
    assert client.no_show_appointments == 1
    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 12, 10))
    client.refresh_from_db()
    assert (client.no_show_appointments, client.completed_appointments) == (0, 0)

    assert usage_used(business=business, resource=Resource.APPOINTMENTS, period=period) == used


def test_the_last_visit_comes_back_when_a_no_show_is_undone(business, service):
    appointment = AppointmentFactory(service=service, start_time=started_today(), status=AppointmentStatus.NO_SHOW)
    assert client_get(business=business, client_id=appointment.client_id).last_visit_at is None

    services.appointment_set_status(
        appointment=appointment, actor=as_owner(business), status=AppointmentStatus.CONFIRMED
    )

    assert client_get(business=business, client_id=appointment.client_id).last_visit_at == appointment.start_time


def test_the_history_records_the_undo_and_who_did_it(business, visit, monday):
    set_status(visit, AppointmentStatus.NO_SHOW, now=at(monday, 11))
    set_status(visit, AppointmentStatus.CONFIRMED, now=at(monday, 12))

    last = visit.activity.order_by("created_at", "pk").last()
    assert (last.kind, last.details) == (ActivityKind.UNDONE, {"from": "no_show"})
    assert (last.actor_user_id, last.actor_via) == (business.owner_login.pk, Via.DASHBOARD)


# --- The API -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["patch", "put"])
def test_the_api_undoes_on_the_day_and_refuses_later(auth_client, service, method):
    today = AppointmentFactory(service=service, start_time=started_today(), status=AppointmentStatus.COMPLETED)
    earlier = AppointmentFactory(
        service=service, start_time=yesterday_evening(), status=AppointmentStatus.COMPLETED, client_name="Ontem"
    )
    send = getattr(auth_client, method)

    undone = send(f"/api/appointments/{today.pk}", {"status": "confirmed"}, format="json")
    refused = send(f"/api/appointments/{earlier.pk}", {"status": "confirmed"}, format="json")

    assert undone.status_code == 200, undone.json()
    assert undone.json()["status"] == "confirmed"
    assert refused.status_code == 400
    assert refused.json() == {"status": ["Um agendamento concluído ou com falta só pode ser desfeito no próprio dia."]}
    earlier.refresh_from_db()
    assert earlier.status == AppointmentStatus.COMPLETED
    activity = auth_client.get(f"/api/appointments/{today.pk}/activity").json()["activity"]
    assert activity[-1]["kind"] == "undone" and activity[-1]["details"] == {"from": "completed"}


# --- The dashboard page --------------------------------------------------------------------------------
@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def test_the_page_offers_undo_only_on_the_day(logged_in, service):
    today = AppointmentFactory(service=service, start_time=started_today(), status=AppointmentStatus.COMPLETED)
    earlier = AppointmentFactory(service=service, start_time=yesterday_evening(), status=AppointmentStatus.NO_SHOW)

    page = logged_in.get(f"/dashboard/agenda/{today.pk}/").content.decode()
    assert 'id="undo-button"' in page and "Desfazer" in page
    assert "Marcado como concluído por engano?" in page
    assert ">Confirmar</button>" not in page  # the undo is offered as such, not as "Confirm"
    assert 'id="undo-button"' not in logged_in.get(f"/dashboard/agenda/{earlier.pk}/").content.decode()


def test_undo_from_the_page_confirms_again_and_says_so(logged_in, service):
    appointment = AppointmentFactory(service=service, start_time=started_today(), status=AppointmentStatus.COMPLETED)

    response = logged_in.post(f"/dashboard/agenda/{appointment.pk}/status/", {"status": "confirmed"}, follow=True)

    assert response.redirect_chain[-1][1] == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    content = response.content.decode()
    assert "Desfeito: o agendamento voltou a ser confirmado." in content
    assert "Desfeito: voltou para confirmado" in content  # the history line
    assert "Tinha sido marcado como “Concluído”." in content


def test_undo_the_next_day_from_the_page_is_refused_with_the_reason(logged_in, service):
    appointment = AppointmentFactory(service=service, start_time=yesterday_evening(), status=AppointmentStatus.NO_SHOW)

    response = logged_in.post(f"/dashboard/agenda/{appointment.pk}/status/", {"status": "confirmed"})

    assert response.status_code == 400
    assert "só pode ser desfeito no próprio dia" in response.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.NO_SHOW
