"""The dashboard's appointment page (history, the client's yes) and the new-appointment form's
free times, typed times, squeeze-ins and past visits — as the business owner uses them."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from agendazap.events import Actor, Via
from notifications.models import Message
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import as_client, as_owner, at, set_hours, set_rules

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def book_form(service, day, **extra) -> dict:
    return {
        "service_id": str(service.pk),
        "professional_id": "",
        "date": day.isoformat(),
        "client_name": "Maria Souza",
        "client_whatsapp": "(11) 98888-1234",
        "client_email": "maria@exemplo.com.br",
        "notes": "",
        **extra,
    }


def offered(response) -> list[tuple[str, str]]:
    """(value, label) of each free time offered as a radio button named start_time."""
    return re.findall(
        r'name="start_time" id="([\w-]+)" value="([^"]+)"[^>]*>\s*<label for="\1">([^<]+)</label>',
        response.content.decode(),
    )


def field_errors(response, field: str) -> str:
    """The error list shown beside a field (empty when there is none)."""
    match = re.search(rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return match.group(1) if match else ""


def pt(message: str) -> str:
    """The text as the pt-BR page shows it (the catalogue's, or the source until it is translated)."""
    with translation.override("pt-br"):
        return gettext(message)


# --- The appointment page -------------------------------------------------------------------------
def test_appointment_page_shows_what_happened_when_and_who_did_it(logged_in, business, service, monday):
    business.timezone = "Asia/Kolkata"  # +05:30: the log's times are the business's, not the server's
    business.save(update_fields=["timezone"])
    kolkata = ZoneInfo("Asia/Kolkata")
    booked = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, other_time="10:00"))
    appointment = Appointment.objects.get()
    assert booked.status_code == 302
    services.appointment_client_reschedule(
        appointment=appointment, actor=as_client(Via.MANAGE_LINK, name="Maria"), start_time=at(monday, 15, tz=kolkata)
    )
    services.appointment_client_confirm(appointment=appointment, actor=as_client(Via.WHATSAPP, name="Maria"))

    page = logged_in.get(f"/dashboard/agenda/{appointment.pk}/")

    assert page.status_code == 200
    content = page.content.decode()
    history = re.search(r'<ol class="activity-list">(.*?)</ol>', content, re.S).group(1)
    assert re.findall(r'class="activity-item activity-(\w+)"', history) == ["booked", "moved", "client_confirmed"]
    whos = [who.strip() for who in re.findall(r"</time> · ([^<]+)</p>", history)]
    assert whos == [pt("You (dashboard)"), pt("Client (link)"), pt("Client (WhatsApp)")]
    first = appointment.activity.first().created_at.astimezone(kolkata)
    assert f"{first:%d/%m/%Y %H:%M}</time>" in history
    assert f"{monday:%d/%m/%Y} 10:00 → {monday:%d/%m/%Y} 15:00" in history
    assert 'id="client-confirmed"' in content


def test_staff_and_system_changes_are_named_as_such(logged_in, business, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))
    staff = User.objects.create_superuser(email="equipe@agendazap.com.br", password="x-senha-forte-1")
    services.appointment_cancel(appointment=appointment, actor=Actor.business(staff, via=Via.ADMIN))
    services.appointment_set_status(
        appointment=AppointmentFactory(service=service, start_time=at(monday, 12), status="pending"),
        actor=Actor.system(),
        status=AppointmentStatus.CONFIRMED,
    )

    content = logged_in.get(f"/dashboard/agenda/{appointment.pk}/").content.decode()

    assert f"</time> · {pt('AgendaZap team')}</p>" in content
    system = Appointment.objects.get(start_time=at(monday, 12))
    assert f"</time> · {pt('System')}</p>" in logged_in.get(f"/dashboard/agenda/{system.pk}/").content.decode()


def test_agenda_marks_the_appointments_the_client_confirmed(logged_in, service, monday):
    said_yes = AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Disse Sim")
    AppointmentFactory(service=service, start_time=at(monday, 11), client_name="Calada")
    services.appointment_client_confirm(appointment=said_yes, actor=as_client(Via.WHATSAPP))

    content = logged_in.get(f"/dashboard/agenda/?date={monday}").content.decode()

    blocks = re.findall(r'<a class="cal-appt .*?</a>', content, re.S)
    assert ["cal-appt-client-ok" in block for block in blocks] == [True, False]


# --- Booking any time, a squeeze-in, a past visit ----------------------------------------------------
def test_the_owner_types_any_minute_inside_working_hours(logged_in, service, monday):
    response = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, other_time="14:10"))

    assert response.status_code == 302
    assert Appointment.objects.get().start_time == at(monday, 14, 10)


def test_a_typed_time_outside_hours_needs_the_squeeze_in_box_and_the_error_is_beside_the_field(
    logged_in, service, monday
):
    refused = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, other_time="20:00"))
    assert refused.status_code == 400
    assert "fora do expediente" in field_errors(refused, "other_time")
    assert not Appointment.objects.exists()

    squeezed = logged_in.post(
        "/dashboard/agenda/new/", book_form(service, monday, other_time="20:00", outside_hours="on")
    )
    assert squeezed.status_code == 302
    assert Appointment.objects.get().start_time == at(monday, 20)


def test_neither_a_free_time_nor_a_typed_one_is_an_error_beside_the_times(logged_in, service, monday):
    response = logged_in.post("/dashboard/agenda/new/", book_form(service, monday))
    assert response.status_code == 400
    assert 'id="slot-error"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_past_date_asks_what_happened_and_records_the_visit_without_telling_the_client(logged_in, service):
    last_week = timezone.now().astimezone(ZoneInfo("America/Sao_Paulo")).date() - timedelta(days=7)
    page = logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={last_week}")
    assert 'name="status"' in page.content.decode()
    future = logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={last_week + timedelta(days=14)}")
    assert 'name="status"' not in future.content.decode()

    unsaid = logged_in.post("/dashboard/agenda/new/", book_form(service, last_week, other_time="10:00"))
    assert unsaid.status_code == 400
    assert field_errors(unsaid, "status")
    assert not Appointment.objects.exists()

    recorded = logged_in.post(
        "/dashboard/agenda/new/", book_form(service, last_week, other_time="10:00", status="no_show")
    )
    assert recorded.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.start_time, appointment.status) == (at(last_week, 10), AppointmentStatus.NO_SHOW)
    assert not Message.objects.filter(appointment=appointment).exists()


# --- A clock's fall-back night -----------------------------------------------------------------------
def next_fall_back(after: date) -> date:
    """The first Sunday of November (America/New_York's fall-back day) after `after`."""
    year = after.year if after < date(after.year, 11, 1) else after.year + 1
    first = date(year, 11, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)


@pytest.fixture
def new_york(business, pro):
    business.timezone = "America/New_York"
    business.save(update_fields=["timezone"])
    set_hours(pro, 6, ("00:00", "04:00"))
    set_rules(business, max_days_ahead=730, slot_interval_minutes=30)
    return business


def test_both_0130_slots_of_a_fall_back_night_are_offered_and_each_can_be_booked(logged_in, new_york):
    service = ServiceFactory(business=new_york, duration=30)
    day = next_fall_back(timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2))

    page = logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={day}")

    repeated = [(value, label) for _id, value, label in offered(page) if label.startswith("01:30")]
    assert [value for value, _label in repeated] == [f"{day}T01:30:00-04:00", f"{day}T01:30:00-05:00"]
    assert repeated[0][1] != repeated[1][1]  # the labels tell them apart
    for value, _label in repeated:
        response = logged_in.post("/dashboard/agenda/new/", book_form(service, day, start_time=value))
        assert response.status_code == 302, field_errors(response, "start_time")
    starts = sorted(Appointment.objects.values_list("start_time", flat=True))
    assert starts == [datetime.fromisoformat(value) for value, _label in repeated]
    assert starts[1] - starts[0] == timedelta(hours=1)


def test_rescheduling_to_the_second_0130_of_a_fall_back_night_moves_there(logged_in, new_york):
    service = ServiceFactory(business=new_york, duration=30)
    day = next_fall_back(timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2))
    appointment = AppointmentFactory(
        service=service, start_time=datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK)
    )

    page = logged_in.get(f"/dashboard/agenda/{appointment.pk}/?date={day}")
    values = [value for _id, value, label in offered(page) if label.startswith("01:30")]
    assert values == [f"{day}T01:30:00-04:00", f"{day}T01:30:00-05:00"]

    response = logged_in.post(
        f"/dashboard/agenda/{appointment.pk}/reschedule/", {"date": day.isoformat(), "start_time": values[1]}
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_time == datetime.fromisoformat(values[1])


# --- What the appointment pages cost -----------------------------------------------------------------
def test_the_appointment_page_runs_the_same_queries_for_one_history_line_or_many(
    logged_in, business, service, django_assert_max_num_queries, django_assert_num_queries
):
    # Started, and still today in São Paulo: the undo is offered (and allowed, below) all day.
    midnight = (
        timezone.now().astimezone(ZoneInfo("America/Sao_Paulo")).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    started = max(timezone.now() - timedelta(minutes=30), midnight)
    appointment = AppointmentFactory(service=service, start_time=started)
    services.appointment_set_status(appointment=appointment, actor=as_owner(business), status="completed")
    url = f"/dashboard/agenda/{appointment.pk}/"
    with django_assert_max_num_queries(14) as one_line:
        page = logged_in.get(url)
    assert page.status_code == 200 and 'id="undo-button"' in page.content.decode()

    for status in ("confirmed", "no_show", "confirmed", "completed") * 3:  # undo, mark, undo, mark...
        services.appointment_set_status(appointment=appointment, actor=as_client(Via.WHATSAPP), status=status)
    services.appointment_update(appointment=appointment, actor=Actor.system(), data={"notes": "Pagou no PIX"})
    with django_assert_num_queries(len(one_line)):
        page = logged_in.get(url)
    assert page.content.decode().count('class="activity-item') == 14


def test_the_change_form_runs_the_same_queries_for_few_or_many_services_and_professionals(
    logged_in, business, service, monday, django_assert_max_num_queries, django_assert_num_queries
):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))
    url = f"/dashboard/agenda/{appointment.pk}/edit/"
    with django_assert_max_num_queries(12) as few:
        assert logged_in.get(url).status_code == 200

    for n in range(10):
        ServiceFactory(business=business, name=f"Serviço extra {n}")
        ProfessionalFactory(business=business, name=f"Profissional extra {n}")
    with django_assert_num_queries(len(few)):
        page = logged_in.get(url)
    assert page.content.decode().count("Serviço extra") == 10
