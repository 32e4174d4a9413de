"""The start page: today's figures and this week's chart for who may see figures, the day for the others."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from scheduling.models import AppointmentStatus
from tests.accounts.conftest import add_member
from tests.factories import AppointmentFactory, ServiceFactory
from tests.helpers import SAO_PAULO, at

pytestmark = pytest.mark.django_db

# Session, login, membership, the plan banner, the layout's switcher; the next appointments,
# today's figures and the week's days.
HOME_QUERIES = 8


@pytest.fixture
def today():
    return timezone.now().astimezone(SAO_PAULO).date()


@pytest.fixture
def owner_client(business) -> Client:
    client = Client()
    client.force_login(business.owner_login)
    return client


def book(service, start, status=AppointmentStatus.CONFIRMED, price="50.00", **fields):
    return AppointmentFactory(service=service, start_time=start, status=status, price=Decimal(price), **fields)


def figure(content: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', content).group(1)


def status_count(content: str, status: str) -> int:
    return int(re.search(rf'data-status="{status}">(\d+)<', content).group(1))


def test_owner_sees_todays_figures_by_status_and_revenue_in_reais(owner_client, business, service, today):
    book(service, at(today, 0), AppointmentStatus.COMPLETED, price="1234.56")
    book(service, at(today, 1), AppointmentStatus.CONFIRMED, price="100.00")
    book(service, at(today, 2), AppointmentStatus.PENDING, price="65.44")
    book(service, at(today, 3), AppointmentStatus.NO_SHOW, price="80.00")
    book(service, at(today, 4), AppointmentStatus.CANCELLED, price="999.00")
    book(service, at(today + timedelta(days=1), 10), AppointmentStatus.CONFIRMED, price="500.00")  # not today

    content = owner_client.get("/dashboard/").content.decode()
    assert figure(content, "revenue-expected") == "R$\xa01.400,00"  # completed + confirmed + pending
    assert figure(content, "revenue-completed") == "R$\xa01.234,56"
    assert [status_count(content, s) for s in ("pending", "confirmed", "completed", "no_show", "cancelled")] == [
        1,
        1,
        1,
        1,
        1,
    ]
    assert "4 agendamentos" in content  # cancelled ones are not on the day


def test_next_appointments_show_time_client_and_service_and_link_to_them(owner_client, service, today):
    ahead = book(service, at(today + timedelta(days=1), 9, 30), client_name="Maria Souza")
    content = owner_client.get("/dashboard/").content.decode()
    assert f'href="/dashboard/agenda/{ahead.pk}/"' in content
    assert "Maria Souza" in content and service.name in content and "09:30" in content


def test_the_weeks_chart_counts_bookings_and_revenue_per_day(owner_client, service, today):
    monday = today - timedelta(days=today.weekday())
    book(service, at(monday, 10), AppointmentStatus.COMPLETED, price="40.00")
    book(service, at(monday, 11), AppointmentStatus.COMPLETED, price="60.00")
    book(service, at(monday + timedelta(days=6), 10), AppointmentStatus.CONFIRMED)
    content = owner_client.get("/dashboard/").content.decode()
    bookings = re.search(r'<desc id="home-bookings-desc">(.*?)</desc>', content).group(1)
    revenue = re.search(r'<desc id="home-revenue-desc">(.*?)</desc>', content).group(1)
    assert bookings.count(";") == 6  # seven days
    assert f"{monday:%d/%m}: 2" in bookings and f"{monday + timedelta(days=6):%d/%m}: 1" in bookings
    assert f"{monday:%d/%m}: R$\xa0100,00" in revenue
    assert content.count('class="chart-bar"') == 14
    assert f'href="/dashboard/reports/?date_from={monday:%Y-%m-%d}&amp;date_to=' in content


def test_an_empty_week_says_so_instead_of_empty_charts(owner_client):
    content = owner_client.get("/dashboard/").content.decode()
    assert "Nenhum agendamento nesta semana ainda." in content
    assert "chart-bar" not in content
    assert figure(content, "revenue-expected") == "R$\xa00,00"


def test_a_receptionist_sees_the_day_without_figures(business, service, today):
    book(service, at(today + timedelta(days=1), 9), client_name="Joana Lima")
    client = Client()
    client.force_login(add_member(business, Role.RECEPTIONIST))
    response = client.get("/dashboard/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Joana Lima" in content
    assert "data-figure" not in content and "chart-bar" not in content and "R$" not in content


def test_a_manager_sees_the_figures(business):
    client = Client()
    client.force_login(add_member(business, Role.MANAGER))
    assert "data-figure" in client.get("/dashboard/").content.decode()


@pytest.mark.parametrize("role", [Role.OWNER, Role.RECEPTIONIST])
def test_the_home_page_runs_the_same_queries_with_one_or_many_appointments(
    business, today, django_assert_num_queries, role
):
    login = business.owner_login if role == Role.OWNER else add_member(business, Role.RECEPTIONIST)
    client = Client()
    client.force_login(login)
    expected = HOME_QUERIES if role == Role.OWNER else HOME_QUERIES - 1  # the day's count instead of two
    service = ServiceFactory(business=business)
    book(service, at(today + timedelta(days=1), 9))
    with django_assert_num_queries(expected):
        client.get("/dashboard/")
    for n in range(12):
        book(ServiceFactory(business=business), at(today + timedelta(days=1 + n % 3), 10 + n % 8, 5 * (n // 8)))
    with django_assert_num_queries(expected):
        client.get("/dashboard/")
