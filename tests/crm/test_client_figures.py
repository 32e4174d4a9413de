"""Clients found by any spelling of their number, and figures equal to hand-computed values."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm import services
from crm.models import Client
from scheduling import services as scheduling_services
from scheduling.models import AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ServiceFactory
from tests.helpers import as_owner, at

pytestmark = pytest.mark.django_db

SP = ZoneInfo("America/Sao_Paulo")


def sp(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SP)


@pytest.mark.parametrize("spelling", ["(11) 98888-8888", "11988888888", "+55 11 98888-8888", "+5511988888888"])
def test_every_brazilian_spelling_is_the_same_client(business, spelling):
    first = services.client_find_or_create(business=business, name="Ana", whatsapp="(11) 98888-8888")
    again = services.client_find_or_create(business=business, name="Ana", whatsapp=spelling)
    assert again.pk == first.pk
    assert again.whatsapp == "+5511988888888"
    assert Client.objects.filter(business=business).count() == 1


def test_the_same_number_at_two_businesses_is_two_clients(business):
    other = BusinessFactory()
    mine = services.client_find_or_create(business=business, name="Ana", whatsapp="11988888888")
    theirs = services.client_find_or_create(business=other, name="Ana", whatsapp="11988888888")
    assert mine.pk != theirs.pk


def test_bookings_with_different_spellings_share_one_client(business, monday):
    service = ServiceFactory(business=business)
    for hour, spelling in ((9, "(11) 98888-8888"), (10, "11988888888"), (11, "+55 11 98888-8888")):
        scheduling_services.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, hour),
            client_name="Ana",
            client_whatsapp=spelling,
        )
    client = Client.objects.get(business=business)
    assert client.appointments.count() == 3
    assert client.total_appointments == 3


@pytest.fixture
def history(business):
    """Ana's January and February (São Paulo), by hand:

    1. Tue 05 Jan 10:00 Corte completed      4. Tue 02 Feb 19:00 Corte cancelled
    2. Tue 19 Jan 10:00 Corte completed      5. Tue 09 Feb 10:00 Barba completed
    3. Tue 26 Jan 15:00 Barba no-show        6. Tue 23 Feb 10:00 Corte confirmed
    """
    corte = ServiceFactory(business=business, name="Corte", duration=60, price=Decimal("50.00"))
    barba = ServiceFactory(business=business, name="Barba", duration=30, price=Decimal("30.00"))
    client = services.client_find_or_create(business=business, name="Ana", whatsapp="11988888888")
    for start, service, status in (
        (sp(2027, 1, 5, 10), corte, AppointmentStatus.COMPLETED),
        (sp(2027, 1, 19, 10), corte, AppointmentStatus.COMPLETED),
        (sp(2027, 1, 26, 15), barba, AppointmentStatus.NO_SHOW),
        (sp(2027, 2, 2, 19), corte, AppointmentStatus.CANCELLED),
        (sp(2027, 2, 9, 10), barba, AppointmentStatus.COMPLETED),
        (sp(2027, 2, 23, 10), corte, AppointmentStatus.CONFIRMED),
    ):
        AppointmentFactory(service=service, client=client, start_time=start, status=status)
    return client, corte, barba


def test_figures_over_two_months_equal_the_hand_computed_ones(history):
    client, corte, barba = history
    services.client_metrics_refresh(client=client, now=sp(2027, 2, 15, 12))
    client.refresh_from_db()

    assert (client.total_appointments, client.completed_appointments) == (6, 3)
    assert (client.cancelled_appointments, client.no_show_appointments) == (1, 1)
    assert client.first_appointment_at == sp(2027, 1, 5, 10)
    assert client.last_appointment_at == sp(2027, 2, 23, 10)
    assert (client.appointments_this_month, client.appointments_last_month) == (2, 3)
    # Gaps: 14 d, 7 d 5 h, 13 d 19 h, 14 d = 49 days over 4 gaps.
    assert client.average_days_between_appointments == 12.25
    assert client.preferred_services == [str(corte.pk), str(barba.pk)]
    assert client.preferred_days == ["tuesday"]
    assert client.preferred_times == ["morning", "afternoon"]
    assert client.total_spent == Decimal("130.00")
    assert client.average_ticket == Decimal("43.33")
    assert client.last_payment_at == sp(2027, 2, 9, 10, 30)
    # 100 × (0.5 × 3/10 + 0.3 × (1 − 12.25/120) + 0.2 × 3/4) = 56.9375
    assert client.frequency_score == 56.9
    assert client.is_regular_customer is True


def test_a_new_month_moves_this_month_to_last_month(history):
    client, _corte, _barba = history
    services.client_metrics_refresh(client=client, now=sp(2027, 2, 15, 12))

    refreshed = services.client_month_rollover(now=sp(2027, 3, 1, 0, 30))

    client.refresh_from_db()
    assert refreshed == 1
    assert (client.appointments_this_month, client.appointments_last_month) == (0, 2)
    assert services.client_month_rollover(now=sp(2027, 3, 1, 1, 30)) == 0  # already done


def test_the_month_turns_in_the_business_time_zone(history):
    client, _corte, _barba = history
    client.business.timezone = "America/Manaus"  # one hour behind São Paulo
    client.business.save(update_fields=["timezone"])
    services.client_metrics_refresh(client=client, now=sp(2027, 2, 15, 12))

    # 00:30 on 1 March in São Paulo is still 23:30 on 28 February in Manaus.
    assert services.client_month_rollover(now=sp(2027, 3, 1, 0, 30)) == 0
    assert services.client_month_rollover(now=sp(2027, 3, 1, 1, 30)) == 1


def test_a_single_visit_scores_only_volume_and_reliability(business):
    client = services.client_find_or_create(business=business, name="Bia", whatsapp="11977776666")
    AppointmentFactory(
        service=ServiceFactory(business=business), client=client, start_time=sp(2027, 1, 5, 10), status="completed"
    )
    services.client_metrics_refresh(client=client, now=sp(2027, 1, 6, 10))
    client.refresh_from_db()
    assert client.frequency_score == 25.0  # 100 × (0.5 × 0.1 + 0 + 0.2 × 1)
    assert client.average_days_between_appointments == 0.0
    assert client.is_regular_customer is False


def test_figures_follow_booking_completion_cancellation_and_no_show(business, monday):
    service = ServiceFactory(business=business, price=Decimal("80.00"))

    def book(day_offset, hour):
        return scheduling_services.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday + timedelta(days=day_offset), hour),
            client_name="Caio",
            client_whatsapp="21999990000",
            status="confirmed",
        )

    first, second, third = book(0, 9), book(1, 9), book(2, 9)
    client = Client.objects.get(business=business)
    assert client.total_appointments == 3

    after_all = at(monday + timedelta(days=3), 9)  # the visits have happened
    scheduling_services.appointment_set_status(
        appointment=first, actor=as_owner(business), status="completed", now=after_all
    )
    scheduling_services.appointment_cancel(appointment=second, actor=as_owner(business))
    scheduling_services.appointment_set_status(
        appointment=third, actor=as_owner(business), status="no_show", now=after_all
    )
    client.refresh_from_db()
    assert (client.completed_appointments, client.cancelled_appointments, client.no_show_appointments) == (1, 1, 1)
    assert client.total_spent == Decimal("80.00")
    assert client.last_appointment_at == at(monday + timedelta(days=2), 9)

    scheduling_services.appointment_update(
        appointment=third, actor=as_owner(third.business), data={"client_whatsapp": "21988887777"}
    )
    client.refresh_from_db()
    assert client.total_appointments == 2
    assert Client.objects.get(whatsapp="+5521988887777").no_show_appointments == 1
