"""The dashboard's agenda and agenda settings, through real requests as the business owner sees them."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from billing.models import PlanLimits
from scheduling.models import Appointment, AppointmentSource, AppointmentStatus, BookingRules, TimeOff
from tests.factories import AppointmentFactory, BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import SAO_PAULO, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def other_owner(db):
    return BusinessFactory(name="Barbearia Vizinha")


def offered_instants(response) -> list[datetime]:
    """The free times a page offers: the exact instants the radio buttons named start_time carry."""
    values = re.findall(r'name="start_time" id="[\w-]+" value="([^"]+)"', response.content.decode())
    return [datetime.fromisoformat(value) for value in values]


def offered_times(response, tz=SAO_PAULO) -> list[str]:
    """The free times a page offers, as HH:MM in the business's zone."""
    return [instant.astimezone(tz).strftime("%H:%M") for instant in offered_instants(response)]


def book_form(service, day, hour: str, **extra) -> dict:
    return {
        "service_id": str(service.pk),
        "professional_id": "",
        "date": day.isoformat(),
        "start_time": hour,
        "client_name": "Maria Souza",
        "client_whatsapp": "(11) 98888-1234",
        "client_email": "maria@exemplo.com.br",
        "notes": "Primeira vez",
        **extra,
    }


# --- The agenda -----------------------------------------------------------------------------------
def test_every_agenda_page_renders_in_portuguese(logged_in, service, pro, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))
    pages = {
        "/dashboard/": "Próximos agendamentos",
        "/dashboard/agenda/": "Dia anterior",
        "/dashboard/agenda/new/": "Serviço, profissional e data",
        f"/dashboard/agenda/{appointment.pk}/": "Cancelar agendamento",
        "/dashboard/settings/agenda/": "Configurações da agenda",
        f"/dashboard/settings/agenda/professionals/{pro.pk}/": "Horário semanal",
    }
    for url, heading in pages.items():
        response = logged_in.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert 'lang="pt-br"' in content and heading in content, url


def test_agenda_shows_the_days_appointments_in_portuguese(logged_in, service, monday):
    AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Maria Souza")
    AppointmentFactory(service=service, start_time=at(monday + timedelta(days=1), 10), client_name="Outro Dia")

    response = logged_in.get(f"/dashboard/agenda/?date={monday}")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'lang="pt-br"' in content
    assert "Segunda-feira" in content
    assert "Maria Souza" in content and "10:00" in content and "Corte" in content
    assert "Confirmado" in content
    assert "Outro Dia" not in content
    assert f"?date={monday - timedelta(days=1)}" in content
    assert f"?date={monday + timedelta(days=1)}" in content
    assert 'href="/dashboard/agenda/" aria-current="page"' in content


def test_agenda_opens_on_today_in_the_business_time_zone(logged_in):
    today = timezone.now().astimezone(SAO_PAULO).date()
    response = logged_in.get("/dashboard/agenda/")
    assert response.status_code == 200
    content = response.content.decode()
    assert f'value="{today.isoformat()}"' in content
    assert "0 agendamento" in content and f'data-day="{today.isoformat()}"' in content


def test_agenda_times_are_shown_in_the_business_time_zone(client, monday):
    business = BusinessFactory(timezone="America/Manaus")  # UTC-4, an hour behind São Paulo
    service = ServiceFactory(business=business)
    AppointmentFactory(service=service, start_time=at(monday, 11), client_name="Cliente Manaus")  # 11:00 in SP
    client.force_login(business.owner_login)

    content = client.get(f"/dashboard/agenda/?date={monday}").content.decode()

    assert "Cliente Manaus" in content
    assert "10:00–11:00" in content  # from 10:00 until 11:00 in Manaus
    assert "11:00–12:00" not in content


def test_agenda_filters_by_professional_and_status(logged_in, business, service, pro, monday):
    ana = ProfessionalFactory(business=business, name="Ana")
    AppointmentFactory(service=service, start_time=at(monday, 9), client_name="Com Dono", professional=pro)
    AppointmentFactory(service=service, start_time=at(monday, 9), client_name="Com Ana", professional=ana)
    AppointmentFactory(
        service=service, start_time=at(monday, 11), client_name="Cliente Aguardando", status=AppointmentStatus.PENDING
    )

    by_ana = logged_in.get(f"/dashboard/agenda/?date={monday}&professional_id={ana.pk}").content.decode()
    assert "Com Ana" in by_ana and "Com Dono" not in by_ana and "Cliente Aguardando" not in by_ana

    pending = logged_in.get(f"/dashboard/agenda/?date={monday}&status=pending").content.decode()
    assert "Cliente Aguardando" in pending and "Com Ana" not in pending


def test_agenda_with_a_bad_date_says_so(logged_in):
    response = logged_in.get("/dashboard/agenda/?date=2026-02-31")
    assert response.status_code == 400
    assert "Informe uma data válida" in response.content.decode()


def test_agenda_runs_the_same_queries_for_1_and_20_appointments(
    client, business, service, monday, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(business.owner_login)
    url = f"/dashboard/agenda/?date={monday}"
    AppointmentFactory(service=service, start_time=at(monday, 2))
    with django_assert_max_num_queries(10) as one_row:
        assert client.get(url).status_code == 200

    other_service = ServiceFactory(business=business, name="Barba")
    other_pro = ProfessionalFactory(business=business)
    for hour in range(3, 22):  # 19 more, hour after hour, with other services, professionals and clients
        AppointmentFactory(
            service=other_service if hour % 2 else service,
            professional=other_pro if hour % 3 else business.professionals.get(is_owner=True),
            start_time=at(monday, hour),
        )
    with django_assert_num_queries(len(one_row)):
        response = client.get(url)
    assert response.content.decode().count('class="cal-appt ') == 20


# --- Booking from the dashboard -------------------------------------------------------------------
def test_new_appointment_page_offers_the_free_times_of_the_day(logged_in, service, monday):
    AppointmentFactory(service=service, start_time=at(monday, 10))

    first_step = logged_in.get("/dashboard/agenda/new/")
    assert first_step.status_code == 200
    assert "Horários livres" not in first_step.content.decode()

    response = logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&professional_id=&date={monday}")
    assert response.status_code == 200
    times = offered_times(response)
    assert times[0] == "09:00" and times[-1] == "17:00"
    assert "10:00" not in times


def test_booking_from_the_dashboard_takes_the_chosen_free_time(logged_in, business, service, monday):
    response = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, "14:00"))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/agenda/{appointment.pk}/"
    assert appointment.start_time == at(monday, 14)
    assert appointment.source == AppointmentSource.DASHBOARD
    assert appointment.client.whatsapp == "+5511988881234"
    assert appointment.notes == "Primeira vez"

    page = logged_in.get(response["Location"]).content.decode()
    assert "Agendado" in page and "Maria Souza" in page and "14:00" in page


def test_a_taken_time_answers_409_lists_the_conflict_and_creates_nothing(logged_in, service, monday):
    taken = AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Já Marcado")

    response = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, "10:00"))

    assert response.status_code == 409
    content = response.content.decode()
    assert "Este horário já está ocupado." in content
    assert f'href="/dashboard/agenda/{taken.pk}/"' in content and "10:00–11:00" in content
    assert 'role="alert"' in content
    assert "10:00" not in offered_times(response)  # the form comes back with the times still free
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"client_whatsapp": "12"}, "Informe um telefone válido"),
        ({"client_name": ""}, "Este campo é obrigatório."),
        ({"start_time": "20:00"}, "Este horário está fora do expediente."),
        ({"start_time": "dez"}, "Informe uma hora válida."),
    ],
)
def test_bad_booking_input_shows_the_error_and_creates_nothing(logged_in, service, monday, changes, message):
    response = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, "10:00", **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_over_the_plan_limit_answers_402_with_a_link_to_the_plan(logged_in, service, monday):
    PlanLimits.objects.filter(plan_type="free").update(appointments=0)

    response = logged_in.post("/dashboard/agenda/new/", book_form(service, monday, "10:00"))

    assert response.status_code == 402
    content = response.content.decode()
    assert "Você atingiu o limite do seu plano." in content
    assert 'href="/dashboard/plan/"' in content
    assert not Appointment.objects.exists()


# --- One appointment: status, cancel, reschedule ---------------------------------------------------
def test_detail_offers_confirm_before_the_start_and_completion_after_it(logged_in, service, monday):
    pending = AppointmentFactory(service=service, start_time=at(monday, 10), status=AppointmentStatus.PENDING)
    content = logged_in.get(f"/dashboard/agenda/{pending.pk}/").content.decode()
    assert "Confirmar" in content and "Marcar como concluído" not in content
    assert "Cancelar agendamento" in content and "Remarcar" in content

    started = AppointmentFactory(service=service, start_time=timezone.now() - timedelta(minutes=30))
    content = logged_in.get(f"/dashboard/agenda/{started.pk}/").content.decode()
    assert "Marcar como concluído" in content and "Marcar como falta" in content


def test_status_actions_move_the_appointment_along(logged_in, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), status=AppointmentStatus.PENDING)
    url = f"/dashboard/agenda/{appointment.pk}/status/"

    assert logged_in.post(url, {"status": "confirmed"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED

    started = AppointmentFactory(service=service, start_time=timezone.now() - timedelta(hours=2))
    assert logged_in.post(f"/dashboard/agenda/{started.pk}/status/", {"status": "no_show"}).status_code == 302
    started.refresh_from_db()
    assert started.status == AppointmentStatus.NO_SHOW


def test_a_wrong_transition_shows_the_error_and_changes_nothing(logged_in, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), status=AppointmentStatus.PENDING)

    response = logged_in.post(f"/dashboard/agenda/{appointment.pk}/status/", {"status": "completed"})

    assert response.status_code == 400
    assert "não pode passar para" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PENDING


def test_cancel_with_a_reason_frees_the_time(logged_in, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))

    response = logged_in.post(
        f"/dashboard/agenda/{appointment.pk}/cancel/", {"reason": "Cliente viajou", "confirm": "yes"}
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancellation_reason) == (AppointmentStatus.CANCELLED, "Cliente viajou")
    page = logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={monday}")
    assert "10:00" in offered_times(page)

    again = logged_in.post(f"/dashboard/agenda/{appointment.pk}/cancel/", {"reason": "", "confirm": "yes"})
    assert again.status_code == 400
    assert "não pode passar para" in again.content.decode()


def test_reschedule_offers_free_times_and_moves_the_appointment(logged_in, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))
    AppointmentFactory(service=service, start_time=at(monday, 15))
    tuesday = monday + timedelta(days=1)

    page = logged_in.get(f"/dashboard/agenda/{appointment.pk}/?date={monday}")
    assert page.status_code == 200
    assert "15:00" not in offered_times(page) and "16:00" in offered_times(page)

    response = logged_in.post(
        f"/dashboard/agenda/{appointment.pk}/reschedule/", {"date": tuesday, "start_time": "16:00"}
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_time == at(tuesday, 16)


def test_reschedule_to_a_taken_time_answers_409_and_keeps_the_appointment(logged_in, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))
    AppointmentFactory(service=service, start_time=at(monday, 15))

    response = logged_in.post(
        f"/dashboard/agenda/{appointment.pk}/reschedule/", {"date": monday, "start_time": "15:00"}
    )

    assert response.status_code == 409
    content = response.content.decode()
    assert "Este horário já está ocupado." in content
    assert "15:00–16:00" in content
    appointment.refresh_from_db()
    assert appointment.start_time == at(monday, 10)


# --- Agenda settings ---------------------------------------------------------------------------------
def test_settings_page_renders_professionals_time_off_and_rules(logged_in, pro):
    response = logged_in.get("/dashboard/settings/agenda/")
    assert response.status_code == 200
    content = response.content.decode()
    assert pro.name in content
    assert "Folgas e dias fechados" in content
    assert "Regras de agendamento" in content
    assert 'aria-current="page"' in content

    detail = logged_in.get(f"/dashboard/settings/agenda/professionals/{pro.pk}/")
    assert detail.status_code == 200
    assert "Horário semanal" in detail.content.decode()
    assert 'value="09:00"' in detail.content.decode() and 'value="18:00"' in detail.content.decode()


def hours_form(**days: tuple[str, str, list[tuple[str, str]]]) -> dict:
    """The hours editor's fields; days by English name as (opens, closes, breaks); other days closed."""
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    data = {}
    for weekday, name in enumerate(names):
        opens, closes, breaks = days.get(name, ("", "", []))
        if name not in days:
            data[f"d{weekday}_closed"] = "on"
        data[f"d{weekday}_start"], data[f"d{weekday}_end"] = opens, closes
        for row in range(1, max(len(breaks), 1) + 1):
            start, end = breaks[row - 1] if row <= len(breaks) else ("", "")
            data[f"d{weekday}_b{row}_start"], data[f"d{weekday}_b{row}_end"] = start, end
    return data


def test_hours_editor_saves_a_break_and_availability_follows(logged_in, service, pro, monday):
    form = hours_form(monday=("09:00", "18:00", [("12:00", "13:00")]))

    response = logged_in.post(f"/dashboard/settings/agenda/professionals/{pro.pk}/hours/", form)

    assert response.status_code == 302
    hours = [(h.weekday, h.start_time, h.end_time) for h in pro.working_hours.order_by("weekday", "start_time")]
    assert hours == [(0, time(9), time(12)), (0, time(13), time(18))]
    times = offered_times(logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={monday}"))
    assert "11:00" in times and "12:00" not in times and "13:00" in times
    tuesday = offered_times(
        logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={monday + timedelta(days=1)}")
    )
    assert tuesday == []


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ({"monday": ("12:00", "09:00", [])}, "O dia precisa fechar depois de abrir."),
        ({"monday": ("09:00", "", [])}, "Preencha quando o dia abre e fecha, ou marque Fechado."),
        ({"monday": ("09:00", "18:00", [("12:00", "")])}, "Preencha os dois horários do intervalo"),
        ({"monday": ("09:00", "18:00", [("12:00", "13:00"), ("12:30", "14:00")])}, "12:30–14:00 se sobrepõe"),
        ({"monday": ("09:00", "18:00", [("18:30", "19:00")])}, "fora do dia (09:00–18:00)"),
        ({"monday": ("09:00", "18:00", [("13:00", "12:00")])}, "O intervalo precisa terminar depois de começar."),
    ],
)
def test_hours_editor_refuses_bad_weeks_and_keeps_the_old_one(logged_in, pro, days, message):
    before = pro.working_hours.count()
    response = logged_in.post(f"/dashboard/settings/agenda/professionals/{pro.pk}/hours/", hours_form(**days))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert pro.working_hours.count() == before


def test_time_off_closes_the_day_and_removing_it_opens_it_again(logged_in, business, service, monday):
    response = logged_in.post(
        "/dashboard/settings/agenda/time-off/new/",
        {"professional_id": "", "start_date": monday, "reason": "Feriado municipal"},
    )
    assert response.status_code == 302
    row = TimeOff.objects.get(business=business)
    assert (row.start_time, row.end_time) == (at(monday, 0), at(monday + timedelta(days=1), 0))
    assert "Feriado municipal" in logged_in.get("/dashboard/settings/agenda/").content.decode()
    assert offered_times(logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={monday}")) == []

    assert logged_in.post(f"/dashboard/settings/agenda/time-off/{row.pk}/delete/").status_code == 302
    assert not TimeOff.objects.exists()
    assert "09:00" in offered_times(logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={monday}"))


def test_time_off_ending_before_it_starts_is_refused(logged_in, monday):
    response = logged_in.post(
        "/dashboard/settings/agenda/time-off/new/",
        {"start_date": monday, "start_time": "15:00", "end_time": "10:00"},
    )
    assert response.status_code == 400
    assert "Deve ser depois do início." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_booking_rules_change_the_offered_times(logged_in, business, service, monday):
    data = {
        "slot_interval_minutes": "30",
        "buffer_minutes": "0",
        "min_notice_minutes": "120",
        "max_days_ahead": "60",
        "cancellation_notice_hours": "12",
        "online_booking_status": "pending",
    }
    response = logged_in.post("/dashboard/settings/agenda/rules/", data)

    assert response.status_code == 302
    rules = BookingRules.objects.get(business=business)
    assert (rules.slot_interval_minutes, rules.min_notice_minutes, rules.online_booking_status) == (30, 120, "pending")
    assert "09:30" in offered_times(logged_in.get(f"/dashboard/agenda/new/?service_id={service.pk}&date={monday}"))

    refused = logged_in.post("/dashboard/settings/agenda/rules/", {**data, "slot_interval_minutes": "3"})
    assert refused.status_code == 400
    assert "Deve ter pelo menos 5 minutos" in refused.content.decode()


def test_professionals_are_added_renamed_and_deactivated(logged_in, business):
    business.plan_type = "pro"
    business.save(update_fields=["plan_type"])

    response = logged_in.post("/dashboard/settings/agenda/professionals/new/", {"name": "Ana Lima"})
    ana = business.professionals.get(name="Ana Lima")
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/settings/agenda/professionals/{ana.pk}/"
    assert ana.working_hours.exists()  # starts with the default week

    url = f"/dashboard/settings/agenda/professionals/{ana.pk}/"
    assert logged_in.post(url, {"name": "Ana L."}).status_code == 302
    assert logged_in.post(url + "active/", {"is_active": "false"}).status_code == 302
    ana.refresh_from_db()
    assert (ana.name, ana.is_active) == ("Ana L.", False)


def test_the_owner_professional_cannot_be_deactivated(logged_in, pro):
    response = logged_in.post(f"/dashboard/settings/agenda/professionals/{pro.pk}/active/", {"is_active": "false"})
    assert response.status_code == 400
    assert "O titular do negócio não pode ser desativado." in response.content.decode()
    pro.refresh_from_db()
    assert pro.is_active


def test_a_professional_over_the_plan_limit_answers_402(logged_in, business):
    response = logged_in.post("/dashboard/settings/agenda/professionals/new/", {"name": "Ana Lima"})
    assert response.status_code == 402
    assert 'href="/dashboard/plan/"' in response.content.decode()
    assert business.professionals.count() == 1


# --- Tenancy and login --------------------------------------------------------------------------------
@pytest.fixture
def foreign(other_owner):
    service = ServiceFactory(business=other_owner)
    appointment = AppointmentFactory(service=service, start_time=timezone.now() + timedelta(days=3))
    professional = other_owner.professionals.get(is_owner=True)
    time_off = TimeOff.objects.create(
        business=other_owner, start_time=timezone.now(), end_time=timezone.now() + timedelta(days=1)
    )
    return {"appointment": appointment, "professional": professional, "time_off": time_off}


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/dashboard/agenda/{appointment}/", {}),
        ("post", "/dashboard/agenda/{appointment}/status/", {"status": "completed"}),
        ("get", "/dashboard/agenda/{appointment}/cancel/", {}),
        ("post", "/dashboard/agenda/{appointment}/cancel/", {"reason": "x", "confirm": "yes"}),
        ("get", "/dashboard/agenda/{appointment}/edit/", {}),
        ("post", "/dashboard/agenda/{appointment}/edit/", {"notes": "x"}),
        ("post", "/dashboard/agenda/{appointment}/reschedule/", {"date": "2030-01-07", "start_time": "10:00"}),
        ("get", "/dashboard/settings/agenda/professionals/{professional}/", {}),
        ("post", "/dashboard/settings/agenda/professionals/{professional}/", {"name": "Roubado"}),
        ("post", "/dashboard/settings/agenda/professionals/{professional}/active/", {"is_active": "false"}),
        ("post", "/dashboard/settings/agenda/professionals/{professional}/hours/", {}),
        ("post", "/dashboard/settings/agenda/time-off/{time_off}/delete/", {}),
    ],
)
def test_another_business_rows_are_not_found(logged_in, foreign, method, path, data):
    url = path.format(**{key: row.pk for key, row in foreign.items()})
    response = getattr(logged_in, method)(url, data)
    assert response.status_code == 404
    foreign["appointment"].refresh_from_db()
    assert foreign["appointment"].status == AppointmentStatus.CONFIRMED
    assert TimeOff.objects.filter(pk=foreign["time_off"].pk).exists()


def test_another_business_professional_cannot_be_used_to_book_or_filter(logged_in, service, monday, foreign):
    professional = foreign["professional"]
    response = logged_in.post(
        "/dashboard/agenda/new/", book_form(service, monday, "10:00", professional_id=str(professional.pk))
    )
    assert response.status_code == 400
    assert not Appointment.objects.filter(business=service.business).exists()
    assert logged_in.get(f"/dashboard/agenda/?professional_id={professional.pk}").status_code == 400


@pytest.mark.parametrize("url", ["/dashboard/agenda/", "/dashboard/agenda/new/", "/dashboard/settings/agenda/"])
def test_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Home -----------------------------------------------------------------------------------------------
def test_home_shows_todays_count_and_the_next_appointments(logged_in, service, monday):
    now = timezone.now()
    AppointmentFactory(service=service, start_time=now + timedelta(days=6), client_name="Próxima Cliente")
    AppointmentFactory(service=service, start_time=now - timedelta(days=3), client_name="Cliente Passada")

    response = logged_in.get("/dashboard/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Próxima Cliente" in content and "Cliente Passada" not in content
    assert "Próximos agendamentos" in content
    for link in ("/dashboard/agenda/", "/dashboard/services/", "/dashboard/clients/", "/dashboard/settings/agenda/"):
        assert f'href="{link}"' in content
    assert 'href="/dashboard/" aria-current="page"' in content  # the brand leads home
