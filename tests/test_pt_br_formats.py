"""Brazilian formats in the dashboard and the public pages: dates, month names, counts and plurals."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import formats, timezone, translation

from crm.models import Client
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def test_month_names_are_lowercase_in_portuguese_and_unchanged_in_english():
    day = date(2026, 12, 5)
    with translation.override("pt-br"):
        assert formats.date_format(day, "DATE_FORMAT") == "5 de dezembro de 2026"
        assert formats.date_format(day, "YEAR_MONTH_FORMAT") == "dezembro de 2026"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "05/12/2026"
        assert formats.date_format(date(2026, 3, 1), "E") == "março"
    with translation.override("en"):
        assert formats.date_format(day, "DATE_FORMAT") == "Dec. 5, 2026"


def test_an_empty_day_says_zero_in_the_plural_as_brazilians_write_it(logged_in, business):
    page = logged_in.get("/dashboard/agenda/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()

    assert ">0 agendamentos<" in page


def test_counts_and_money_group_thousands_the_brazilian_way():
    template = Template('{% load dashboard %}{{ count|floatformat:"g" }} · {{ price|brl }}')
    with translation.override("pt-br"):
        assert template.render(Context({"count": 12345, "price": Decimal("1200")})) == "12.345 · R$\xa01.200,00"


@pytest.mark.parametrize(("clients", "says"), [(1, "1 cliente<"), (2, "2 clientes<")])
def test_the_client_list_counts_with_a_plural(logged_in, business, clients, says):
    for number in range(clients):
        Client.objects.create(business=business, name=f"Cliente {number}", whatsapp=f"+55119888812{number:02d}")

    page = logged_in.get("/dashboard/clients/").content.decode()

    assert says in page


def test_the_public_calendar_names_its_month_in_portuguese(client, business, service):
    month = timezone.localdate().replace(day=1)

    page = client.get(f"/b/{business.slug}/book/{service.pk}/").content.decode()

    with translation.override("pt-br"):
        expected = formats.date_format(month, "YEAR_MONTH_FORMAT")
    assert f">{expected[0].upper()}{expected[1:]}<" in page
    assert re.search(r'aria-label="[A-ZÀ-Ú][a-zç-]+(-feira)?, \d{1,2} de [a-zç]+: ', page)


def test_the_public_booking_page_writes_the_free_times_day_with_a_lowercase_month(client, business, monday):
    service = ServiceFactory(business=business, price=Decimal("1250"))

    page = client.get(f"/b/{business.slug}/book/{service.pk}/?date={monday:%Y-%m-%d}").content.decode()

    with translation.override("pt-br"):
        day = formats.date_format(monday, "MONTH_DAY_FORMAT")
    assert f"Horários livres em Segunda-feira, {day}" in page
    assert day == day.lower()
    assert "R$\xa01.250,00" in page


def test_no_template_hard_codes_a_date_pattern_or_a_currency_format():
    templates = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        text = path.read_text()
        if re.search(r"""date:["'][^"']*(?:/|\\d\\e|F Y)[^"']*["']""", text) or "R$ {{" in text:
            offenders.append(path.name)
    assert offenders == []
