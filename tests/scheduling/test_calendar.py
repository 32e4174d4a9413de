"""The owner's calendar: day and week grids, booking or blocking an empty time, moving an appointment."""

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Membership, PlanType, Role
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus, TimeOff
from tests.factories import AppointmentFactory, BusinessFactory, ProfessionalFactory, ServiceFactory, UserFactory
from tests.helpers import SAO_PAULO, as_client, as_owner, at, set_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    business.plan_type = PlanType.PRO  # room for more professionals
    business.save(update_fields=["plan_type"])
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def ana(business):
    """A second professional, with the default week (Monday to Friday 09:00-18:00)."""
    business.plan_type = PlanType.PRO
    business.save(update_fields=["plan_type"])
    return services.professional_create(business=business, name="Ana Paula")


def cell(content: str, start: str, professional=None) -> str:
    """The state of the grid's cell at `start` ("open", "closed" or "off"), for a professional."""
    who = rf"&amp;professional={professional.pk}" if professional else ""
    href = rf'/dashboard/agenda/slot/\?start={start}{who}(?:&amp;view=week)?"'
    found = re.search(rf'class="cal-cell is-(\w+)[^"]*" href="{href}', content)
    assert found, f"no cell at {start}"
    return found.group(1)


def blocks(content: str) -> list[str]:
    return re.findall(r'<a class="cal-appt .*?</a>', content, re.S)


def book(business, service, start, professional, **extra) -> Appointment:
    return services.appointment_book(
        business=business,
        actor=as_owner(business),
        service_id=service.pk,
        professional_id=professional.pk,
        start_time=start,
        client_name=extra.pop("client_name", "Maria Souza"),
        client_whatsapp=extra.pop("client_whatsapp", "(11) 98888-1234"),
        **extra,
    )


# --- Day and week ---------------------------------------------------------------------------------
def test_the_day_has_a_column_per_professional_and_each_block_says_time_client_service_and_status(
    logged_in, business, service, pro, ana, monday
):
    pending = AppointmentFactory(
        service=service, professional=ana, start_time=at(monday, 10), client_name="Bia", status="pending"
    )
    AppointmentFactory(service=service, professional=pro, start_time=at(monday, 9), client_name="Caio")
    services.appointment_client_confirm(appointment=pending, actor=as_client())
    AppointmentFactory(
        service=service, professional=pro, start_time=at(monday, 15), client_name="Desmarcou", status="cancelled"
    )

    response = logged_in.get(f"/dashboard/agenda/?date={monday}")

    assert response.status_code == 200
    content = response.content.decode()
    heads = re.findall(r'<span class="cal-pro">([^<]+)</span>', content)
    assert heads == [pro.name, "Ana Paula"]
    caio, bia = blocks(content)
    assert "09:00–10:00" in caio and "Caio" in caio and "Corte" in caio and "Confirmado" in caio
    assert "10:00–11:00" in bia and "Pendente" in bia and "cliente confirmou" in bia
    assert f'href="/dashboard/agenda/{pending.pk}/"' in bia
    assert "Desmarcou" not in content  # cancelled times are free: hidden unless asked for
    assert "Desmarcou" in logged_in.get(f"/dashboard/agenda/?date={monday}&status=cancelled").content.decode()


def test_the_title_names_the_weekday_and_a_lowercase_month(logged_in, monday):
    content = logged_in.get(f"/dashboard/agenda/?date={monday}").content.decode()
    month = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
             "novembro", "dezembro"][monday.month - 1]  # fmt: skip
    assert f"Segunda-feira, {monday.day} de {month} de {monday.year}" in content


def test_hours_breaks_and_time_off_are_shaded(logged_in, business, pro, monday):
    set_hours(pro, monday.weekday(), ("09:00", "12:00"), ("13:00", "18:00"))
    TimeOff.objects.create(business=business, professional=pro, start_time=at(monday, 15), end_time=at(monday, 16))

    content = logged_in.get(f"/dashboard/agenda/?date={monday}").content.decode()

    day = monday.isoformat()
    assert cell(content, f"{day}T09:00", pro) == "open"
    assert cell(content, f"{day}T12:15", pro) == "closed"  # the lunch break
    assert cell(content, f"{day}T15:30", pro) == "off"
    assert cell(content, f"{day}T17:45", pro) == "open"
    assert f"{day}T08:45" not in content and f"{day}T18:00" not in content  # from opening to closing only
    assert "Bloqueado" in content


def test_an_appointment_outside_hours_widens_the_grid(logged_in, service, pro, monday):
    AppointmentFactory(service=service, start_time=at(monday, 19, 30), client_name="Depois do expediente")
    content = logged_in.get(f"/dashboard/agenda/?date={monday}").content.decode()
    assert cell(content, f"{monday}T20:15", pro) == "closed"
    assert "Depois do expediente" in content


def test_a_line_marks_now_only_on_today(logged_in, pro):
    set_hours(pro, timezone.now().astimezone(SAO_PAULO).weekday(), ("00:00", "23:59"))
    today = timezone.now().astimezone(SAO_PAULO).date()
    assert 'class="cal-now"' in logged_in.get("/dashboard/agenda/").content.decode()
    assert (
        'class="cal-now"' not in logged_in.get(f"/dashboard/agenda/?date={today + timedelta(days=1)}").content.decode()
    )


def test_the_week_runs_monday_to_sunday_and_names_each_appointments_professional(
    logged_in, business, service, pro, ana, monday
):
    wednesday = monday + timedelta(days=2)
    AppointmentFactory(service=service, professional=ana, start_time=at(wednesday, 10), client_name="Na Quarta")
    AppointmentFactory(service=service, start_time=at(monday + timedelta(days=7), 10), client_name="Semana Seguinte")

    content = logged_in.get(f"/dashboard/agenda/?view=week&date={wednesday}").content.decode()

    heads = re.findall(r'<span class="cal-weekday">(\w+)</span> <span class="cal-date">([\d/]+)</span>', content)
    assert [weekday for weekday, _date in heads] == ["seg", "ter", "qua", "qui", "sex", "sab", "dom"]
    assert heads[0][1] == str(monday.day)
    (block,) = blocks(content)
    assert "Na Quarta" in block and "Ana Paula" in block
    # Ana's time off leaves the owner working: the column of everyone stays open, and says whose it is.
    TimeOff.objects.create(business=business, professional=ana, start_time=at(monday, 12), end_time=at(monday, 13))
    content = logged_in.get(f"/dashboard/agenda/?view=week&date={wednesday}").content.decode()
    assert cell(content, f"{monday}T12:00") == "open" and "Bloqueado · Ana Paula" in content
    TimeOff.objects.create(business=business, start_time=at(monday, 15), end_time=at(monday, 16))
    content = logged_in.get(f"/dashboard/agenda/?view=week&date={wednesday}").content.decode()
    assert cell(content, f"{monday}T15:00") == "off"
    assert f"date={monday - timedelta(days=5)}" in content and f"date={monday + timedelta(days=9)}" in content
    # One professional's week: its cells name it, so a click books with it.
    alone = logged_in.get(f"/dashboard/agenda/?view=week&date={wednesday}&professional={ana.pk}").content.decode()
    assert "Na Quarta" in alone
    assert cell(alone, f"{wednesday}T10:00", ana) == "open"


def test_the_professional_filter_shows_one_column_and_old_links_still_work(logged_in, service, pro, ana, monday):
    AppointmentFactory(service=service, professional=pro, start_time=at(monday, 9), client_name="Com Dono")
    AppointmentFactory(service=service, professional=ana, start_time=at(monday, 9), client_name="Com Ana")
    for query in (f"professional={ana.pk}", f"professional_id={ana.pk}"):
        content = logged_in.get(f"/dashboard/agenda/?date={monday}&{query}").content.decode()
        assert "Com Ana" in content and "Com Dono" not in content, query
        assert re.findall(r'<span class="cal-pro">([^<]+)</span>', content) == ["Ana Paula"]


@pytest.mark.parametrize(
    "query", ["date=2026-02-31", "view=month", "professional=not-a-professional", "status=whatever"]
)
def test_a_bad_query_is_a_clear_400(logged_in, query):
    response = logged_in.get(f"/dashboard/agenda/?{query}")
    assert response.status_code == 400
    assert 'class="field-errors"' in response.content.decode() or "alert-error" in response.content.decode()
    assert "cal-cell" not in response.content.decode()


def test_a_professional_member_sees_only_its_own_column(client, business, service, pro, ana, monday):
    login = UserFactory(last_business=business)
    Membership.objects.create(user=login, business=business, role=Role.PROFESSIONAL, professional=ana)
    AppointmentFactory(service=service, professional=pro, start_time=at(monday, 9), client_name="Do Dono")
    AppointmentFactory(service=service, professional=ana, start_time=at(monday, 9), client_name="Da Ana")
    client.force_login(login)

    content = client.get(f"/dashboard/agenda/?date={monday}").content.decode()

    assert "Da Ana" in content and "Do Dono" not in content
    assert re.findall(r'<span class="cal-pro">([^<]+)</span>', content) == ["Ana Paula"]
    assert client.get(f"/dashboard/agenda/?date={monday}&professional={pro.pk}").status_code == 400
    week = client.get(f"/dashboard/agenda/?view=week&date={monday}").content.decode()
    assert "Do Dono" not in week and cell(week, f"{monday}T10:00", ana) == "open"


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_page_runs_the_same_queries_for_one_and_many_professionals_and_appointments(
    logged_in, business, service, pro, monday, view, django_assert_max_num_queries, django_assert_num_queries
):
    url = f"/dashboard/agenda/?view={view}&date={monday}"
    AppointmentFactory(service=service, start_time=at(monday, 10))
    with django_assert_max_num_queries(15) as one:
        assert logged_in.get(url).status_code == 200

    for n in range(6):
        other = ProfessionalFactory(business=business)
        set_hours(other, monday.weekday(), ("08:00", "12:00"), ("13:00", "19:00"))
        TimeOff.objects.create(
            business=business, professional=other, start_time=at(monday, 12), end_time=at(monday, 13), reason="Almoço"
        )
        for hour in range(8, 18, 2):
            AppointmentFactory(service=service, professional=other, start_time=at(monday + timedelta(days=n), hour))
    TimeOff.objects.create(business=business, start_time=at(monday, 18), end_time=at(monday, 19), reason="Reunião")
    with django_assert_num_queries(len(one)):
        response = logged_in.get(url)
    assert len(blocks(response.content.decode())) == (31 if view == "week" else 6)


def test_english(logged_in, business, monday):
    logged_in.post("/i18n/setlang/", {"language": "en"})
    content = logged_in.get(f"/dashboard/agenda/?view=week&date={monday}").content.decode()
    assert 'lang="en"' in content and "Previous week" in content and "mon" in content


# --- An empty time: book there or block it -------------------------------------------------------
def test_an_empty_time_offers_to_book_or_block_there(logged_in, service, pro, monday):
    content = logged_in.get(f"/dashboard/agenda/?date={monday}").content.decode()
    assert cell(content, f"{monday}T10:15", pro) == "open"

    response = logged_in.get(f"/dashboard/agenda/slot/?start={monday}T10:15&professional={pro.pk}")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Agendar aqui" in page and "Bloquear horário" in page
    assert 'name="time" value="10:15"' in page and f'name="professional_id" value="{pro.pk}"' in page
    assert 'id="slot-squeeze-in"' not in page


def test_an_empty_time_outside_hours_is_a_squeeze_in(logged_in, pro, monday):
    page = logged_in.get(f"/dashboard/agenda/slot/?start={monday}T19:00&professional={pro.pk}").content.decode()
    assert 'id="slot-squeeze-in"' in page and "fora do horário de trabalho" in page


def test_a_bad_empty_time_is_a_400(logged_in):
    assert logged_in.get("/dashboard/agenda/slot/?start=amanhã").status_code == 400


def test_booking_from_an_empty_time_fills_the_time_in(logged_in, service, pro, monday):
    url = f"/dashboard/agenda/new/?date={monday}&time=10:15&professional_id={pro.pk}"
    first = logged_in.get(url)
    assert first.status_code == 200  # no service yet: no error, the step is pre-filled
    assert 'name="time" value="10:15"' in first.content.decode()

    second = logged_in.get(f"{url}&service_id={service.pk}").content.decode()
    assert re.search(r'name="other_time" value="10:15"', second)
    assert 'id="squeeze-in-notice"' not in second

    booked = logged_in.post(
        "/dashboard/agenda/new/",
        {
            "service_id": service.pk,
            "professional_id": pro.pk,
            "date": monday,
            "other_time": "10:15",
            "client_name": "Maria",
            "client_whatsapp": "(11) 98888-1234",
        },
    )
    assert booked.status_code == 302
    assert Appointment.objects.get().start_time == at(monday, 10, 15)


def test_booking_outside_hours_from_the_grid_asks_for_the_squeeze_in_box(logged_in, service, pro, monday):
    page = logged_in.get(
        f"/dashboard/agenda/new/?date={monday}&time=19:00&professional_id={pro.pk}&service_id={service.pk}"
    ).content.decode()
    assert 'id="squeeze-in-notice"' in page and "encaixe" in page.lower()
    form = {
        "service_id": service.pk,
        "professional_id": pro.pk,
        "date": monday,
        "other_time": "19:00",
        "client_name": "Maria",
        "client_whatsapp": "(11) 98888-1234",
    }
    assert logged_in.post("/dashboard/agenda/new/", form).status_code == 400
    assert logged_in.post("/dashboard/agenda/new/", {**form, "outside_hours": "on"}).status_code == 302


def test_blocking_a_time_closes_it_for_that_professional(logged_in, business, pro, monday):
    response = logged_in.post(
        "/dashboard/agenda/block/",
        {"professional": pro.pk, "start": f"{monday}T10:15", "minutes": "30", "reason": "Dentista"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/agenda/?view=day&date={monday}"
    row = TimeOff.objects.get()
    assert (row.professional, row.start_time, row.end_time, row.reason) == (
        pro,
        at(monday, 10, 15),
        at(monday, 10, 45),
        "Dentista",
    )
    content = logged_in.get(response["Location"]).content.decode()
    assert cell(content, f"{monday}T10:15", pro) == "off" and "Dentista" in content
    assert "Horário bloqueado: 10:15–10:45" in content


def test_blocking_needs_a_professional_and_a_length(logged_in, business, monday):
    other = ProfessionalFactory(business=BusinessFactory())
    response = logged_in.post(
        "/dashboard/agenda/block/", {"professional": other.pk, "start": f"{monday}T10:15", "minutes": "7"}
    )
    assert response.status_code == 400
    assert not TimeOff.objects.exists()
    assert 'class="field-errors"' in response.content.decode()


def test_a_blocked_time_is_unblocked_from_the_calendar_in_two_clicks(logged_in, business, pro, monday):
    block = TimeOff.objects.create(
        business=business, professional=pro, start_time=at(monday, 14), end_time=at(monday, 15), reason="Curso"
    )

    slot = logged_in.get(f"/dashboard/agenda/slot/?start={monday}T14:30&professional={pro.pk}").content.decode()
    response = logged_in.post(f"/dashboard/agenda/block/{block.pk}/delete/", {"view": "week"})

    assert "14:00–15:00 · Curso" in slot and f'id="unblock-{block.pk}"' in slot
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/agenda/?view=week&date={monday}"
    assert not TimeOff.objects.exists()
    content = logged_in.get(response["Location"]).content.decode()
    assert cell(content, f"{monday}T14:30", pro) == "open"


def test_a_closing_of_the_whole_business_is_not_lifted_from_the_calendar(logged_in, business, pro, monday):
    closed = TimeOff.objects.create(business=business, start_time=at(monday, 14), end_time=at(monday, 15))

    slot = logged_in.get(f"/dashboard/agenda/slot/?start={monday}T14:30&professional={pro.pk}").content.decode()

    assert f'id="unblock-{closed.pk}"' not in slot
    assert logged_in.post(f"/dashboard/agenda/block/{closed.pk}/delete/").status_code == 404
    assert TimeOff.objects.exists()


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.PROFESSIONAL])
def test_the_team_at_the_counter_blocks_and_unblocks_the_agendas_it_works_on(client, business, pro, monday, role):
    colleague = ProfessionalFactory(business=business)
    login = UserFactory()
    own = pro if role == Role.PROFESSIONAL else None
    Membership.objects.create(user=login, business=business, role=role, professional=own)
    client.force_login(login)
    theirs = TimeOff.objects.create(
        business=business, professional=colleague, start_time=at(monday, 9), end_time=at(monday, 10)
    )

    blocked = client.post(
        "/dashboard/agenda/block/", {"professional": pro.pk, "start": f"{monday}T10:15", "minutes": "30"}
    )
    unblock_theirs = client.post(f"/dashboard/agenda/block/{theirs.pk}/delete/")

    assert blocked.status_code == 302
    assert TimeOff.objects.filter(professional=pro).exists()
    # A professional works only its own agenda; a receptionist works everyone's.
    assert unblock_theirs.status_code == (404 if role == Role.PROFESSIONAL else 302)
    assert TimeOff.objects.filter(pk=theirs.pk).exists() == (role == Role.PROFESSIONAL)


# --- Moving an appointment ------------------------------------------------------------------------
def move(client, appointment, day, clock, professional, *, json_answer=False, **extra):
    headers = {"HTTP_ACCEPT": "application/json"} if json_answer else {}
    return client.post(
        f"/dashboard/agenda/{appointment.pk}/move/",
        {"date": day, "time": clock, "professional": professional.pk, **extra},
        **headers,
    )


def test_the_move_page_shows_the_current_place_and_moves_to_another_time_and_professional(
    logged_in, business, service, pro, ana, monday
):
    appointment = book(business, service, at(monday, 10), pro)
    page = logged_in.get(f"/dashboard/agenda/{appointment.pk}/move/").content.decode()
    assert 'value="10:00"' in page and f'value="{monday}"' in page

    response = move(logged_in, appointment, monday + timedelta(days=1), "14:35", ana)

    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/agenda/?view=day&date={monday + timedelta(days=1)}"
    appointment.refresh_from_db()
    assert (appointment.start_time, appointment.professional) == (at(monday + timedelta(days=1), 14, 35), ana)
    detail = logged_in.get(f"/dashboard/agenda/{appointment.pk}/").content.decode()
    assert f'href="/dashboard/agenda/{appointment.pk}/move/"' in detail


def test_a_move_answers_json_for_the_grid(logged_in, business, service, pro, monday):
    appointment = book(business, service, at(monday, 10), pro)
    response = move(logged_in, appointment, monday, "11:05", pro, json_answer=True)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    appointment.refresh_from_db()
    assert appointment.start_time == at(monday, 11, 5)


def test_a_move_onto_another_appointment_names_it(logged_in, business, service, pro, monday):
    appointment = book(business, service, at(monday, 10), pro)
    book(business, service, at(monday, 14), pro, client_name="Joana Dias", client_whatsapp="(11) 97777-0000")

    page = move(logged_in, appointment, monday, "14:30", pro)
    answer = move(logged_in, appointment, monday, "14:30", pro, json_answer=True)

    assert page.status_code == 409
    assert "14:00–15:00 · Joana Dias" in page.content.decode()
    assert answer.status_code == 409
    assert answer.json()["conflicts"][0]["client_name"] == "Joana Dias"
    appointment.refresh_from_db()
    assert appointment.start_time == at(monday, 10)


def test_a_move_outside_hours_needs_the_squeeze_in_box(logged_in, business, service, pro, monday):
    appointment = book(business, service, at(monday, 10), pro)

    refused = move(logged_in, appointment, monday, "19:00", pro)
    answer = move(logged_in, appointment, monday, "19:00", pro, json_answer=True)

    assert refused.status_code == 400
    content = refused.content.decode()
    assert "fora do expediente" in content and 'id="move-squeeze-in"' in content
    assert answer.status_code == 400 and answer.json()["squeeze_in"] is True
    assert move(logged_in, appointment, monday, "19:00", pro, outside_hours="on").status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_time == at(monday, 19)


def test_a_move_into_time_off_says_it_is_closed(logged_in, business, service, pro, monday):
    appointment = book(business, service, at(monday, 10), pro)
    TimeOff.objects.create(business=business, professional=pro, start_time=at(monday, 15), end_time=at(monday, 17))

    refused = move(logged_in, appointment, monday, "15:00", pro, json_answer=True)

    assert refused.status_code == 400
    assert "Fechado" in refused.json()["detail"] and refused.json()["squeeze_in"] is True


def test_a_move_to_someone_who_does_not_perform_the_service_is_refused(logged_in, business, service, pro, ana, monday):
    appointment = book(business, service, at(monday, 10), pro)
    ana.services.set([ServiceFactory(business=business, name="Manicure")])
    service.professionals.set([pro])

    refused = move(logged_in, appointment, monday, "11:00", ana)

    assert refused.status_code == 400
    assert "não realiza este serviço" in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.professional == pro


def test_a_bad_move_form_keeps_what_was_typed(logged_in, business, service, pro, monday):
    appointment = book(business, service, at(monday, 10), pro)
    response = move(logged_in, appointment, monday, "25:99", pro)
    assert response.status_code == 400
    assert 'value="25:99"' in response.content.decode()
    assert 'id="id_time_error"' in response.content.decode()


def test_a_completed_visit_cannot_be_moved(logged_in, business, service, pro, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), status=AppointmentStatus.COMPLETED)
    response = move(logged_in, appointment, monday, "11:00", pro, json_answer=True)
    assert response.status_code == 400 and response.json()["squeeze_in"] is False


def test_another_business_appointment_cannot_be_moved(logged_in, monday):
    stranger = AppointmentFactory(service=ServiceFactory(business=BusinessFactory()), start_time=at(monday, 10))
    assert logged_in.get(f"/dashboard/agenda/{stranger.pk}/move/").status_code == 404
    response = move(logged_in, stranger, monday, "11:00", stranger.professional)
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.start_time == at(monday, 10)


def test_a_professional_member_moves_only_its_own_appointments_and_only_to_itself(
    client, business, service, pro, ana, monday
):
    login = UserFactory(last_business=business)
    Membership.objects.create(user=login, business=business, role=Role.PROFESSIONAL, professional=ana)
    own = book(business, service, at(monday, 10), ana)
    others = book(business, service, at(monday, 10), pro, client_whatsapp="(11) 97777-1111")
    client.force_login(login)

    assert client.get(f"/dashboard/agenda/{others.pk}/move/").status_code == 404
    assert move(client, own, monday, "11:00", pro).status_code == 400  # not one of its choices
    assert move(client, own, monday, "11:00", ana).status_code == 302
    own.refresh_from_db()
    assert own.start_time == at(monday, 11)


def test_the_move_json_is_valid_for_every_refusal(logged_in, business, service, pro, monday):
    appointment = book(business, service, at(monday, 10), pro)
    response = move(logged_in, appointment, "", "", pro, json_answer=True)
    assert response.status_code == 400
    answer = json.loads(response.content)
    assert set(answer) >= {"ok", "detail", "errors", "conflicts"} and answer["ok"] is False
    assert "date" in answer["errors"] and "time" in answer["errors"]


def test_instants_are_read_in_the_business_zone(client, monday):
    business = BusinessFactory(timezone="America/Manaus")
    service = ServiceFactory(business=business)
    appointment = AppointmentFactory(service=service, start_time=at(monday, 11))  # 10:00 in Manaus
    client.force_login(business.owner_login)
    content = client.get(f"/dashboard/agenda/?date={monday}").content.decode()
    assert "10:00–" in blocks(content)[0]
    assert move(client, appointment, monday, "14:00", appointment.professional).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_time == at(monday, 14, tz=ZoneInfo("America/Manaus"))


def test_a_week_of_everyone_puts_overlapping_appointments_side_by_side(logged_in, service, pro, ana, monday):
    AppointmentFactory(service=service, professional=pro, start_time=at(monday, 10), client_name="Lado A")
    AppointmentFactory(service=service, professional=ana, start_time=at(monday, 10, 30), client_name="Lado B")
    AppointmentFactory(service=service, professional=ana, start_time=at(monday, 14), client_name="Sozinha")

    content = logged_in.get(f"/dashboard/agenda/?view=week&date={monday}").content.decode()

    lanes = {
        name: re.search(r"--lane: (\d); --lanes: (\d)", block).groups()
        for block in blocks(content)
        for name in ("Lado A", "Lado B", "Sozinha")
        if name in block
    }
    assert lanes == {"Lado A": ("0", "2"), "Lado B": ("1", "2"), "Sozinha": ("0", "1")}


def test_an_inactive_professional_shows_only_where_it_still_has_appointments(logged_in, service, pro, ana, monday):
    ana.is_active = False
    ana.save(update_fields=["is_active"])
    AppointmentFactory(service=service, professional=ana, start_time=at(monday, 10), client_name="Ainda Marcada")

    with_booking = logged_in.get(f"/dashboard/agenda/?date={monday}").content.decode()
    without = logged_in.get(f"/dashboard/agenda/?date={monday + timedelta(days=1)}").content.decode()

    assert re.findall(r'<span class="cal-pro">([^<]+)</span>', with_booking) == [pro.name, "Ana Paula"]
    assert "Ainda Marcada" in with_booking
    assert re.findall(r'<span class="cal-pro">([^<]+)</span>', without) == [pro.name]


def test_a_taken_time_from_the_grid_is_not_called_a_squeeze_in(logged_in, business, service, pro, monday):
    book(business, service, at(monday, 10), pro)
    page = logged_in.get(
        f"/dashboard/agenda/new/?date={monday}&time=10:30&professional_id={pro.pk}&service_id={service.pk}"
    ).content.decode()
    assert 'id="squeeze-in-notice"' not in page and 'value="10:30"' in page
