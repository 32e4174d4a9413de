"""`seed_demo --businesses N --appointments M`: a large data set written in bulk, shaped like real use."""

import io
from datetime import timedelta

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Business, PlanType
from agendazap.phones import phone_could_be_a_persons
from agendazap.seeding import BUSY_BUSINESS_SHARE, seeded_businesses
from crm.models import Client
from crm.services import METRIC_FIELDS, client_metrics_refresh
from notifications.models import Message
from scheduling.models import Appointment, AppointmentStatus, Professional, TimeOff
from scheduling.selectors import availability_get
from scheduling.services import appointment_book
from tests.helpers import as_owner

pytestmark = pytest.mark.django_db

BUSINESSES = 3
APPOINTMENTS = 1500
PAST = {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
FUTURE = {AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED}


def seed(*flags: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--businesses", str(BUSINESSES), "--appointments", str(APPOINTMENTS), *flags, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def test_it_writes_the_businesses_and_appointments_asked_for_and_says_so(seeded):
    assert seeded.startswith(f"seeded {BUSINESSES} businesses, {APPOINTMENTS} appointments in ")
    businesses = Business.objects.order_by("slug")
    assert [b.slug for b in businesses] == ["negocio-0001", "negocio-0002", "negocio-0003"]
    assert {b.plan_type for b in businesses} == {PlanType.ENTERPRISE}
    assert Appointment.objects.count() == APPOINTMENTS
    for business in businesses:
        assert business.owner_login.email == f"dono{business.slug[-4:]}@seed.agendazap.local"
        assert business.professionals.filter(is_owner=True, working_hours__isnull=False).exists()
        assert business.clients.exists()
        assert TimeOff.objects.filter(business=business, professional__isnull=True).exists()
        assert TimeOff.objects.filter(business=business, professional__isnull=False).exists()


def test_the_first_business_is_the_busy_one(seeded):
    busy = Business.objects.get(slug="negocio-0001")
    assert busy.professionals.count() == 5
    assert busy.services.count() == 8
    assert busy.appointments.count() == round(APPOINTMENTS * BUSY_BUSINESS_SHARE)
    # Its weekly hours have a lunch break.
    owner_monday = busy.professionals.get(is_owner=True).working_hours.filter(weekday=0)
    assert owner_monday.count() == 2


def test_statuses_agree_with_the_time_and_every_status_is_there(seeded):
    now = timezone.now()
    past = set(Appointment.objects.filter(end_time__lte=now).values_list("status", flat=True).distinct())
    future = set(Appointment.objects.filter(start_time__gt=now).values_list("status", flat=True).distinct())
    assert past == PAST
    assert future == FUTURE
    assert Appointment.objects.filter(status=AppointmentStatus.CANCELLED, cancelled_at__isnull=True).count() == 0
    span = Appointment.objects.order_by("start_time")
    assert span.first().start_time < now - timedelta(days=3 * 365 - 30)
    assert span.last().start_time < now + timedelta(days=31)


def test_a_professionals_appointments_never_overlap_and_fall_in_working_hours_outside_time_off(seeded):
    rows = Appointment.objects.select_related("business").order_by("professional_id", "start_time")
    hours = {}
    for professional in Professional.objects.prefetch_related("working_hours"):
        for interval in professional.working_hours.all():
            hours.setdefault((professional.pk, interval.weekday), []).append(interval)
    closed = list(TimeOff.objects.values_list("business_id", "professional_id", "start_time", "end_time"))
    previous = None
    for appointment in rows:
        if previous is not None and previous.professional_id == appointment.professional_id:
            assert appointment.start_time >= previous.blocks_until
        previous = appointment
        local_start = timezone.localtime(appointment.start_time)
        local_end = timezone.localtime(appointment.end_time)
        assert any(
            interval.start_time <= local_start.time() and local_end.time() <= interval.end_time
            for interval in hours[appointment.professional_id, local_start.weekday()]
        )
        assert not any(
            business == appointment.business_id
            and professional in (None, appointment.professional_id)
            and start < appointment.end_time
            and appointment.start_time < end
            for business, professional, start, end in closed
        )
        assert appointment.blocks_until == appointment.end_time + timedelta(minutes=appointment.buffer_minutes)
        assert appointment.created_at <= min(appointment.start_time, timezone.now())


def test_prices_and_durations_come_from_the_services_and_clients_are_copied(seeded):
    mismatched = [
        a
        for a in Appointment.objects.select_related("service", "client")
        if (a.price, a.duration_minutes) != (a.service.price, a.service.duration)
        or (a.client_name, a.client_whatsapp) != (a.client.name, a.client.whatsapp)
        or a.business_id != a.client.business_id
    ]
    assert mismatched == []
    assert Appointment.objects.values("manage_token").distinct().count() == APPOINTMENTS


def test_clients_have_valid_brazilian_mobile_numbers_unique_per_business(seeded):
    numbers = list(Client.objects.values_list("business_id", "whatsapp"))
    assert len(numbers) == len(set(numbers))
    for _business, number in numbers:
        parsed = phonenumbers.parse(number)
        assert parsed.country_code == 55
        assert phonenumbers.is_valid_number(parsed), number
        assert phone_could_be_a_persons(number)
        assert str(parsed.national_number)[2] == "9"  # a mobile


def test_every_clients_figures_are_what_the_app_would_compute_from_its_appointments(seeded):
    clients = list(Client.objects.select_related("business"))
    assert sum(client.total_appointments for client in clients) == APPOINTMENTS
    assert any(client.completed_appointments >= 3 for client in clients)
    seeded_figures = {client.pk: [getattr(client, name) for name in METRIC_FIELDS] for client in clients}

    for client in clients:
        client_metrics_refresh(client=client)

    refreshed = {client.pk: [getattr(client, name) for name in METRIC_FIELDS] for client in clients}
    assert seeded_figures == refreshed


def test_seeding_again_is_refused_unless_reset_replaces_the_seeded_businesses(seeded):
    first_ids = set(Appointment.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert set(Appointment.objects.values_list("pk", flat=True)) == first_ids

    printed = seed("--reset", "--seed", "2")
    assert printed.startswith(f"seeded {BUSINESSES} businesses")
    assert Appointment.objects.count() == APPOINTMENTS
    assert not first_ids & set(Appointment.objects.values_list("pk", flat=True))
    assert seeded_businesses().count() == BUSINESSES


def test_reset_keeps_the_businesses_that_were_not_seeded(business, seeded):
    seed("--reset")

    assert Business.objects.filter(pk=business.pk).exists()


def test_the_owner_logs_in_through_the_api_and_sees_the_agenda(seeded, api_client):
    response = api_client.post(
        "/api/auth/login", {"email": "dono0001@seed.agendazap.local", "password": "agenda-demo-2026"}, format="json"
    )
    assert response.status_code == 200, response.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    listed = api_client.get("/api/appointments", {"per_page": 50})
    assert listed.status_code == 200
    assert listed.json()["total"] == round(APPOINTMENTS * BUSY_BUSINESS_SHARE)


def test_the_password_is_the_one_given(api_client):
    seed("--password", "outra-senha-2026")

    response = api_client.post(
        "/api/auth/login", {"email": "dono0002@seed.agendazap.local", "password": "outra-senha-2026"}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--businesses", "2"], "both"),
        (["--reset"], "--reset"),
        (["--businesses", "1", "--appointments", "500000"], "do not fit"),
    ],
)
def test_a_request_it_cannot_honour_is_refused_and_writes_nothing(flags, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *flags, stdout=io.StringIO())

    assert not Business.objects.exists()


@pytest.mark.postgres
def test_postgresql_guards_the_seeded_agendas_against_double_booking(seeded):
    taken = Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).order_by("start_time").first()
    twin = Appointment(
        business_id=taken.business_id,
        service_id=taken.service_id,
        professional_id=taken.professional_id,
        client_id=taken.client_id,
        client_name=taken.client_name,
        client_whatsapp=taken.client_whatsapp,
        start_time=taken.start_time,
        end_time=taken.end_time,
        blocks_until=taken.blocks_until,
        duration_minutes=taken.duration_minutes,
    )

    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        twin.save()


def test_reset_also_clears_what_bookings_added_to_the_seeded_businesses():
    seed()
    business = Business.objects.get(slug="negocio-0002")
    service = business.services.first()
    day = timezone.localdate() + timedelta(days=40)  # past the seeded month ahead
    while not (slots := availability_get(business=business, service=service, day=day).slots):
        day += timedelta(days=1)
    booked = appointment_book(
        business=business,
        actor=as_owner(business),
        service_id=service.pk,
        start_time=slots[0],
        client_name="Ana Souza",
        client_whatsapp="(11) 98765-4321",
    )
    assert booked.activity.exists()
    assert Message.objects.filter(appointment=booked).exists()

    seed("--reset")

    assert not Appointment.objects.filter(pk=booked.pk).exists()
    assert not Message.objects.exists()
    assert Appointment.objects.count() == APPOINTMENTS
