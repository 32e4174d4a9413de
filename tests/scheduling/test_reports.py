"""Reports: the period's figures (API, page, CSV), checked against a week computed by hand."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Role
from accounts.services import tokens_issue
from scheduling.models import AppointmentStatus, TimeOff
from scheduling.reports import report_overview
from tests.factories import AppointmentFactory, BusinessFactory, ProfessionalFactory, ServiceFactory, UserFactory
from tests.helpers import at, set_hours

URL = "/api/reports/overview"
PAGE = "/dashboard/reports/"
CSV = "/dashboard/reports/appointments.csv"
MONDAY = date(2026, 11, 2)  # the week: Monday 2 to Sunday 8 November 2026 (São Paulo)
WEEK = {"date_from": "2026-11-02", "date_to": "2026-11-08"}


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


@pytest.fixture
def week(business):
    """Two professionals, their hours, one time off, appointments in every status (and two outside).

    Hours: Ana Mon–Fri 09–17 (5 × 480 = 2400 min), Bia Tue and Thu 10–14 (2 × 240 = 480 min) = 2880 min;
    Ana's time off on Wednesday 09–12 (180 min) → 2700 open minutes.
    """
    ana = business.professionals.get(is_owner=True)
    ana.name = "Ana"
    ana.save()
    bia = ProfessionalFactory(business=business, name="Bia")
    ana.working_hours.all().delete()  # the sign-up's default week
    for weekday in range(5):
        set_hours(ana, weekday, ("09:00", "17:00"))
    for weekday in (1, 3):
        set_hours(bia, weekday, ("10:00", "14:00"))
    TimeOff.objects.create(business=business, professional=ana, start_time=at(day(2), 9), end_time=at(day(2), 12))
    corte = ServiceFactory(business=business, name="Corte", duration=60, price=Decimal("80.00"))
    cor = ServiceFactory(business=business, name="Coloração", duration=120, price=Decimal("200.00"))
    mani = ServiceFactory(business=business, name="Manicure", duration=30, price=Decimal("45.50"))
    clients = {name: f"+55119900000{i}" for i, name in enumerate(["Carla", "Duda", "Eva", "Fabi", "Gabi", "Hele"])}

    def book(when, professional, service, status, client):
        return AppointmentFactory(
            service=service,
            professional=professional,
            start_time=when,
            status=status,
            client_name=client,
            client_whatsapp=clients[client],
        )

    S = AppointmentStatus
    book(at(day(-1), 10), ana, corte, S.COMPLETED, "Duda")  # Sunday before: outside, makes Duda returning
    book(at(day(0), 9), ana, corte, S.COMPLETED, "Carla")  # 1. Mon  80.00 completed
    book(at(day(0), 10), ana, cor, S.COMPLETED, "Duda")  # 2. Mon 200.00 completed
    book(at(day(1), 10), bia, mani, S.COMPLETED, "Carla")  # 3. Tue  45.50 completed
    book(at(day(1), 11), bia, corte, S.NO_SHOW, "Eva")  # 4. Tue  80.00 no-show
    book(at(day(2), 14), ana, corte, S.CONFIRMED, "Fabi")  # 5. Wed  80.00 confirmed
    book(at(day(3), 10), bia, mani, S.PENDING, "Gabi")  # 6. Thu  45.50 pending
    book(at(day(4), 15), ana, cor, S.CANCELLED, "Hele")  # 7. Fri 200.00 cancelled
    book(at(day(7), 10), ana, corte, S.COMPLETED, "Fabi")  # next Monday: outside
    return {"ana": ana, "bia": bia, "corte": corte, "cor": cor, "mani": mani}


def member_login(business, role):
    login = UserFactory(last_business=business)
    Membership.objects.create(user=login, business=business, role=role)
    return login


def test_the_overview_gives_the_weeks_figures_computed_by_hand(auth_client, week):
    body = auth_client.get(URL, WEEK).json()

    assert body["period"] == {"date_from": "2026-11-02", "date_to": "2026-11-08"}
    # 7 in the week (the Sunday before and the Monday after are outside).
    assert body["appointments"] == {
        "total": 7,
        "pending": 1,
        "confirmed": 1,
        "completed": 3,
        "cancelled": 1,
        "no_show": 1,
    }
    # completed: 80 + 200 + 45.50 = 325.50; expected: + 80 (confirmed) + 45.50 (pending) = 451.00.
    assert body["revenue"] == {"completed": "325.50", "expected": "451.00"}
    assert body["no_show_rate"] == 0.25  # 1 / (3 completed + 1 no-show)
    # Booked (not cancelled): 60 + 120 + 30 + 60 + 60 + 30 = 360 of 2700 open minutes = 0.13333.
    assert body["occupancy"] == 0.1333
    # Carla, Duda, Eva, Fabi, Gabi came (Hele only cancelled); Duda had come the Sunday before.
    assert body["clients"] == {"new": 4, "returning": 1}
    assert body["by_day"] == [
        {"date": "2026-11-02", "appointments": 2, "revenue": "280.00"},
        {"date": "2026-11-03", "appointments": 2, "revenue": "45.50"},
        {"date": "2026-11-04", "appointments": 1, "revenue": "0.00"},
        {"date": "2026-11-05", "appointments": 1, "revenue": "0.00"},
        {"date": "2026-11-06", "appointments": 1, "revenue": "0.00"},
        {"date": "2026-11-07", "appointments": 0, "revenue": "0.00"},
        {"date": "2026-11-08", "appointments": 0, "revenue": "0.00"},
    ]
    assert body["by_professional"] == [
        {"professional_id": str(week["ana"].pk), "name": "Ana", "appointments": 4, "revenue": "280.00"},
        {"professional_id": str(week["bia"].pk), "name": "Bia", "appointments": 3, "revenue": "45.50"},
    ]
    assert body["top_services"] == [
        {"service_id": str(week["cor"].pk), "name": "Coloração", "appointments": 2, "revenue": "200.00"},
        {"service_id": str(week["corte"].pk), "name": "Corte", "appointments": 3, "revenue": "80.00"},
        {"service_id": str(week["mani"].pk), "name": "Manicure", "appointments": 2, "revenue": "45.50"},
    ]


def test_the_overview_of_one_professional_counts_only_its_agenda(auth_client, week):
    body = auth_client.get(URL, {**WEEK, "professional_id": str(week["bia"].pk)}).json()

    assert body["appointments"]["total"] == 3  # 3, 4 and 6
    assert body["revenue"] == {"completed": "45.50", "expected": "91.00"}
    assert body["no_show_rate"] == 0.5  # 1 / (1 + 1)
    assert body["occupancy"] == 0.25  # 30 + 60 + 30 = 120 of Bia's 480 minutes
    assert body["clients"] == {"new": 3, "returning": 0}  # Carla, Eva, Gabi: none came before the week
    assert [row["name"] for row in body["by_professional"]] == ["Bia"]


def test_the_overview_defaults_to_this_week(auth_client, business):
    body = auth_client.get(URL).json()

    first, last = date.fromisoformat(body["period"]["date_from"]), date.fromisoformat(body["period"]["date_to"])
    assert (first.weekday(), (last - first).days, len(body["by_day"])) == (0, 6, 7)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2026-11-09", "date_to": "2026-11-08"}, "date_from"),
        ({"date_from": "2025-11-01", "date_to": "2026-11-08"}, "date_to"),
        ({"date_from": "ontem"}, "date_from"),
        ({"professional_id": "not-a-uuid"}, "professional_id"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(auth_client, business, query, field):
    response = auth_client.get(URL, query)

    assert response.status_code == 400
    assert field in str(response.json())


def test_a_period_of_366_days_is_allowed(auth_client, business):
    assert auth_client.get(URL, {"date_from": "2025-11-08", "date_to": "2026-11-08"}).status_code == 200


def test_a_receptionist_sees_no_reports(api_client, client, business):
    login = member_login(business, Role.RECEPTIONIST)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=login)['access_token']}")
    client.force_login(login)

    assert api_client.get(URL).status_code == 403
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403


def test_a_manager_sees_the_reports_and_the_nav_link(client, business):
    client.force_login(member_login(business, Role.MANAGER))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert b'href="/dashboard/reports/"' in response.content


def test_another_business_figures_and_professionals_stay_out(auth_client, week):
    other = BusinessFactory()
    AppointmentFactory(service=ServiceFactory(business=other), start_time=at(day(0), 9))

    mine = auth_client.get(URL, WEEK).json()
    theirs = auth_client.get(URL, {**WEEK, "professional_id": str(other.professionals.get().pk)})

    assert mine["appointments"]["total"] == 7
    assert theirs.status_code == 400


def test_the_csv_reads_back_as_the_periods_appointments(client, business, week):
    client.force_login(business.owner_login)

    response = client.get(CSV, WEEK)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["data", "hora", "cliente", "whatsapp", "serviço", "profissional", "status", "preço"]
    assert len(rows) == 8  # the header and the 7 of the week, in time order
    assert rows[1] == ["02/11/2026", "09:00", "Carla", "+551199000000", "Corte", "Ana", rows[1][6], "80,00"]
    assert [row[4] for row in rows[1:]] == ["Corte", "Coloração", "Manicure", "Corte", "Corte", "Manicure", "Coloração"]
    assert rows[3][7] == "45,50"


def test_a_bad_csv_period_is_a_400(client, business):
    client.force_login(business.owner_login)

    assert client.get(CSV, {"date_from": "2026-11-09", "date_to": "2026-11-08"}).status_code == 400


def test_the_overview_takes_the_same_queries_for_one_or_many_appointments(business, week):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report_overview(business=business, date_from=MONDAY, date_to=day(6))
        return len(captured)

    few = queries()
    for n in range(30):
        AppointmentFactory(
            service=[week["corte"], week["cor"], week["mani"]][n % 3],
            professional=ProfessionalFactory(business=business),  # more professionals too, and no overlap
            start_time=at(day(n % 7), 9),
            status=AppointmentStatus.values[n % 5],
        )

    assert few == queries() == 8


def test_the_page_shows_the_figures_in_brazilian_format(client, business, week):
    client.force_login(business.owner_login)

    response = client.get(PAGE, WEEK)

    assert response.status_code == 200
    html = response.content.decode()
    assert "R$\xa0325,50" in html  # revenue (completed)
    assert "R$\xa0451,00" in html  # expected
    assert "25,0%" in html  # no-show rate
    assert html.count("<svg") == 4
    assert 'role="img"' in html and "<title>" in html
    assert "<script" not in html.split("<main", 1)[-1]


def test_the_page_refuses_a_bad_period_with_400(client, business):
    client.force_login(business.owner_login)

    assert client.get(PAGE, {"date_from": "2026-11-09", "date_to": "2026-11-08"}).status_code == 400


def test_brl_writes_thousands_with_dots_and_cents_with_a_comma():
    from agendazap.templatetags.dashboard import brl

    assert [brl(Decimal("1234.5")), brl(Decimal("0")), brl(Decimal("1234567.891"))] == [
        "R$\xa01.234,50",
        "R$\xa00,00",
        "R$\xa01.234.567,89",
    ]


def test_a_long_period_still_lists_every_day(auth_client, business):
    body = auth_client.get(URL, {"date_from": "2026-01-01", "date_to": "2026-12-31"}).json()

    assert len(body["by_day"]) == 365
    assert body["by_day"][0]["date"] == "2026-01-01"
    assert datetime.fromisoformat(body["by_day"][-1]["date"]).date() == date(2026, 12, 31)


@pytest.mark.parametrize("days,labelled", [(7, 7), (22, 8), (31, 8), (60, 8)])
def test_day_labels_thin_out_on_long_periods_yet_every_bar_reads_its_day(client, business, days, labelled):
    client.force_login(business.owner_login)
    date_from = date(2026, 11, 2)

    response = client.get(PAGE, {"date_from": date_from, "date_to": date_from + timedelta(days=days - 1)})

    bars = response.context["bookings_chart"].bars
    assert len(bars) == days
    assert [bar.label for bar in bars if bar.label][0] == "02/11"
    assert len([bar for bar in bars if bar.label]) == labelled
    assert all(bar.value_text.endswith(": 0") for bar in bars)
