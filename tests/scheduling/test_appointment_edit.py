"""Changing an appointment from its dashboard page: service, professional, time and notes in one
form, one update with only what changed, and each refusal beside its field with what was typed."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Membership, Role
from agendazap.events import Via
from notifications.models import Kind, Message
from notifications.models import Status as MessageStatus
from scheduling import services
from scheduling.models import ActivityKind, Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, ProfessionalFactory, ServiceFactory, UserFactory
from tests.helpers import as_owner, at, set_hours, time_passes

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def booked(business, service, monday):
    """Monday 10:00, booked through the service: its confirmation and reminders are written."""
    return services.appointment_book(
        business=business,
        actor=as_owner(business, via=Via.DASHBOARD),
        service_id=service.pk,
        start_time=at(monday, 10),
        client_name="Ana Lima",
        client_whatsapp="(11) 98888-1234",
        notes="Cabelo cacheado",
    )


def edit_form(appointment, monday, **changes) -> dict:
    """The form as the page fills it in, with `changes` typed over it."""
    return {
        "service_id": str(appointment.service_id),
        "professional_id": str(appointment.professional_id),
        "date": monday.isoformat(),
        "start_time": "10:00",
        "notes": appointment.notes,
        **changes,
    }


def field_errors(response, field: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def typed(response, field: str) -> str:
    """The value an input shows after the page came back."""
    match = re.search(rf'<input type="\w+" name="{field}" value="([^"]*)"', response.content.decode())
    return match.group(1) if match else ""


@pytest.fixture
def updates(monkeypatch):
    """Every `appointment_update` the page makes, with its data (the real one still runs)."""
    calls = []
    real = services.appointment_update

    def spy(**kwargs):
        calls.append(kwargs["data"])
        return real(**kwargs)

    monkeypatch.setattr(services, "appointment_update", spy)
    return calls


def kinds(appointment, *, status=MessageStatus.PENDING) -> list[str]:
    return sorted(Message.objects.filter(appointment=appointment, status=status).values_list("kind", flat=True))


# --- The page ------------------------------------------------------------------------------------------
def test_the_page_shows_the_appointment_as_it_is(logged_in, booked, service):
    page = logged_in.get(f"/dashboard/agenda/{booked.pk}/edit/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Alterar agendamento" in content
    assert f'<option value="{service.pk}" selected>' in content
    assert typed(page, "start_time") == "10:00"
    assert "Cabelo cacheado</textarea>" in content
    assert 'name="outside_hours"' in content


def test_the_appointment_page_links_to_the_change_form(logged_in, booked):
    content = logged_in.get(f"/dashboard/agenda/{booked.pk}/").content.decode()
    assert f'href="/dashboard/agenda/{booked.pk}/edit/"' in content


# --- Changes -------------------------------------------------------------------------------------------
def test_a_typed_time_moves_it_tells_the_client_and_sends_only_the_time(logged_in, booked, monday, updates):
    confirmations = Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).count()

    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, start_time="14:10"))

    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/agenda/{booked.pk}/"
    assert updates == [{"start_time": at(monday, 14, 10)}]
    booked.refresh_from_db()
    assert (booked.start_time, booked.end_time) == (at(monday, 14, 10), at(monday, 15, 10))
    assert Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).count() == confirmations + 1


def test_another_service_brings_its_duration_and_price_and_does_not_say_it_moved(
    logged_in, business, booked, monday, updates
):
    color = ServiceFactory(business=business, name="Coloração", duration=90, price=Decimal("120.00"))
    confirmations = Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).count()

    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, service_id=color.pk))

    assert response.status_code == 302
    assert updates == [{"service_id": str(color.pk)}]
    booked.refresh_from_db()
    assert (booked.service_id, booked.duration_minutes, booked.price) == (color.pk, 90, Decimal("120.00"))
    assert booked.end_time == at(monday, 11, 30)
    assert Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).count() == confirmations
    # The reminders still to go name the new service.
    reminders = Message.objects.filter(appointment=booked, kind=Kind.REMINDER, status=MessageStatus.PENDING)
    assert reminders.exists() and all("Coloração" in body for body in reminders.values_list("body", flat=True))
    assert booked.activity.last().details["service"] == "Coloração"


def test_notes_only_change_the_notes_and_tell_nobody(logged_in, booked, monday, updates):
    messages_before = Message.objects.count()

    response = logged_in.post(
        f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, notes="Traz foto de referência")
    )

    assert response.status_code == 302
    assert updates == [{"notes": "Traz foto de referência"}]
    booked.refresh_from_db()
    assert booked.notes == "Traz foto de referência"
    assert Message.objects.count() == messages_before
    assert booked.activity.last().kind == ActivityKind.DETAILS_CHANGED


def test_another_professional_and_time_in_one_update(logged_in, business, booked, service, monday, updates):
    bia = ProfessionalFactory(business=business, name="Bia")
    set_hours(bia, monday.weekday(), ("09:00", "18:00"))

    response = logged_in.post(
        f"/dashboard/agenda/{booked.pk}/edit/",
        edit_form(booked, monday, professional_id=bia.pk, start_time="16:00", notes="Com a Bia"),
    )

    assert response.status_code == 302
    assert updates == [{"professional_id": str(bia.pk), "start_time": at(monday, 16), "notes": "Com a Bia"}]
    booked.refresh_from_db()
    assert (booked.professional_id, booked.start_time, booked.notes) == (bia.pk, at(monday, 16), "Com a Bia")


def test_nothing_changed_changes_nothing(logged_in, booked, monday, updates):
    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday), follow=True)

    assert updates == []
    assert "Nada foi alterado." in response.content.decode()


def test_crlf_from_the_browser_is_not_a_change(logged_in, business, service, monday, updates):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), notes="Linha 1\nLinha 2")

    form = edit_form(appointment, monday, notes="Linha 1\r\nLinha 2")
    logged_in.post(f"/dashboard/agenda/{appointment.pk}/edit/", form)

    assert updates == []


# --- Refusals, beside the field, keeping what was typed --------------------------------------------------
def test_outside_hours_needs_the_squeeze_in_box(logged_in, booked, monday):
    refused = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, start_time="20:00"))

    assert refused.status_code == 400
    assert "fora do expediente" in field_errors(refused, "start_time")
    assert typed(refused, "start_time") == "20:00"
    booked.refresh_from_db()
    assert booked.start_time == at(monday, 10)

    squeezed = logged_in.post(
        f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, start_time="20:00", outside_hours="on")
    )
    assert squeezed.status_code == 302
    booked.refresh_from_db()
    assert booked.start_time == at(monday, 20)


def test_a_taken_time_says_which_appointment_is_in_the_way(logged_in, booked, service, monday):
    other = AppointmentFactory(service=service, start_time=at(monday, 15), client_name="Carla Dias")

    response = logged_in.post(
        f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, start_time="15:30", notes="Novo")
    )

    assert response.status_code == 409
    assert "Este horário já está ocupado." in field_errors(response, "start_time")
    content = response.content.decode()
    assert f'<a href="/dashboard/agenda/{other.pk}/">Carla Dias, {monday:%d/%m/%Y} 15:00–16:00</a>' in content
    assert typed(response, "start_time") == "15:30" and "Novo</textarea>" in content
    booked.refresh_from_db()
    assert (booked.start_time, booked.notes) == (at(monday, 10), "Cabelo cacheado")


def test_a_longer_service_that_runs_into_the_next_booking_says_so_beside_the_service(
    logged_in, business, booked, service, monday
):
    AppointmentFactory(service=service, start_time=at(monday, 11), client_name="Carla Dias")
    long = ServiceFactory(business=business, name="Progressiva", duration=120)

    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, service_id=long.pk))

    assert response.status_code == 409
    assert "Este horário já está ocupado." in field_errors(response, "service_id")
    assert "Carla Dias" in response.content.decode()


def test_a_professional_who_does_not_perform_the_service_is_refused_beside_it(
    logged_in, business, booked, service, pro, monday
):
    bia = ProfessionalFactory(business=business, name="Bia")
    set_hours(bia, monday.weekday(), ("09:00", "18:00"))
    service.professionals.set([pro])

    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, professional_id=bia.pk))

    assert response.status_code == 400
    assert "não realiza este serviço" in field_errors(response, "professional_id")
    booked.refresh_from_db()
    assert booked.professional_id == pro.pk


def test_a_service_the_professional_does_not_perform_is_refused(logged_in, business, booked, pro, monday):
    beard = ServiceFactory(business=business, name="Barba")
    beard.professionals.set([ProfessionalFactory(business=business)])

    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, service_id=beard.pk))

    assert response.status_code == 400
    assert "não realiza este serviço" in field_errors(response, "professional_id")
    booked.refresh_from_db()
    assert booked.service.name == "Corte"


def test_a_move_into_the_past_is_refused_beside_the_time(logged_in, booked):
    yesterday = timezone.now().date() - timedelta(days=2)

    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, yesterday))

    assert response.status_code == 400
    assert field_errors(response, "start_time")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"date": "31/02/2027"}, "date"), ({"start_time": "25:00"}, "start_time"), ({"service_id": "nope"}, "service_id")],
)
def test_malformed_input_is_a_400_beside_the_field(logged_in, booked, monday, changes, field):
    response = logged_in.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, **changes))

    assert response.status_code == 400
    assert field_errors(response, field)


def test_a_started_appointment_can_change_service(logged_in, business, booked, monday):
    time_passes(booked)
    beard = ServiceFactory(business=business, name="Corte e barba", duration=60)
    local = booked.start_time.astimezone(business_zone(business))

    response = logged_in.post(
        f"/dashboard/agenda/{booked.pk}/edit/",
        # The box too: the test's "now" may fall outside working hours.
        edit_form(booked, local.date(), start_time=f"{local:%H:%M}", service_id=beard.pk, outside_hours="on"),
    )

    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.service_id == beard.pk


def business_zone(business):
    from zoneinfo import ZoneInfo  # only this test reads the zone by name

    return ZoneInfo(business.timezone)


# --- A finished appointment: notes only ---------------------------------------------------------------
def test_a_completed_appointment_changes_only_its_notes(logged_in, service, updates):
    appointment = AppointmentFactory(
        service=service, start_time=timezone.now() - timedelta(days=3), status=AppointmentStatus.COMPLETED
    )

    page = logged_in.get(f"/dashboard/agenda/{appointment.pk}/edit/").content.decode()
    assert 'name="start_time"' not in page and 'name="service_id"' not in page
    assert "só as observações podem mudar" in page

    response = logged_in.post(
        f"/dashboard/agenda/{appointment.pk}/edit/",
        {"notes": "Pagou no PIX", "start_time": "09:00", "date": "2030-01-01"},
    )

    assert response.status_code == 302
    assert updates == [{"notes": "Pagou no PIX"}]
    appointment.refresh_from_db()
    assert appointment.notes == "Pagou no PIX"
    assert appointment.start_time < timezone.now()


def test_a_cancelled_appointment_can_still_get_notes(logged_in, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), status=AppointmentStatus.CANCELLED)

    response = logged_in.post(f"/dashboard/agenda/{appointment.pk}/edit/", {"notes": "Remarcar em janeiro"})

    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).notes == "Remarcar em janeiro"


# --- Who may ------------------------------------------------------------------------------------------
def test_another_business_appointment_is_not_found(logged_in, monday):
    foreign = AppointmentFactory(start_time=at(monday, 10))
    assert logged_in.get(f"/dashboard/agenda/{foreign.pk}/edit/").status_code == 404
    assert logged_in.post(f"/dashboard/agenda/{foreign.pk}/edit/", {"notes": "x"}).status_code == 404


def test_the_page_needs_login(client, booked):
    response = client.get(f"/dashboard/agenda/{booked.pk}/edit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_professional_changes_only_their_own_and_cannot_hand_it_to_a_colleague(client, business, booked, monday):
    colleague = ProfessionalFactory(business=business, name="Bia")
    set_hours(colleague, monday.weekday(), ("09:00", "18:00"))
    login = UserFactory()
    Membership.objects.create(user=login, business=business, role=Role.PROFESSIONAL, professional=booked.professional)
    client.force_login(login)

    page = client.get(f"/dashboard/agenda/{booked.pk}/edit/").content.decode()
    assert "Bia" not in page  # only their own agenda to choose
    handed = client.post(
        f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, professional_id=colleague.pk)
    )
    assert handed.status_code == 400 and field_errors(handed, "professional_id")
    moved = client.post(f"/dashboard/agenda/{booked.pk}/edit/", edit_form(booked, monday, start_time="11:00"))
    assert moved.status_code == 302

    Membership.objects.filter(user=login).update(professional=colleague)
    assert client.get(f"/dashboard/agenda/{booked.pk}/edit/").status_code == 404
