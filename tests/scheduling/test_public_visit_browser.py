"""A client adds services to the visit on the public page in a real browser (Playwright driving
Debian's Chromium, headless, phone-sized) and books them back to back."""

import re

import pytest

from scheduling.models import Appointment, Visit
from tests.factories import ServiceFactory
from tests.helpers import at, set_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "pt-BR"}


def test_a_client_adds_two_services_to_the_visit_and_books_it_on_a_phone(
    browser, live_server, business, service, monday
):
    set_rules(business, slot_interval_minutes=30)
    ServiceFactory(business=business, name="Barba", duration=30, price="30.00")
    ServiceFactory(business=business, name="Sobrancelha", duration=15, price="20.00")
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/b/{business.slug}/")
    page.get_by_role("link", name=re.compile("Corte")).click()

    page.locator("#visit summary").click()
    page.locator("a.add-service", has_text="Barba").click()
    page.locator("a.add-service", has_text="Sobrancelha").click()
    assert [text.split(" · ")[0] for text in page.locator(".visit-services li").all_inner_texts()] == [
        "Corte",
        "Barba",
        "Sobrancelha",
    ]
    assert "105 minutos" in page.locator("#visit-total").inner_text()

    day_link = page.locator(f'a.day-open[href*="date={monday.isoformat()}"]')
    if not day_link.count():  # the day is in next month's calendar
        page.locator("a[href*='month=']").last.click()
    day_link.first.click()
    page.get_by_role("radio", name="10:00").check()
    page.get_by_label("Seu nome").fill("Ana Souza")
    page.get_by_label("Seu WhatsApp").fill("(11) 98888-7777")
    page.locator("#id_consent_whatsapp").check()
    page.get_by_role("button", name="Agendar").click()
    page.wait_for_url(re.compile(r"/a/[^/]+/\?new=1"))

    assert "Corte + Barba + Sobrancelha" in page.locator("#booking-title").inner_text()
    visit = Visit.objects.get()
    parts = Appointment.objects.filter(visit=visit).order_by("start_time")
    assert [(p.service.name, p.start_time) for p in parts] == [
        ("Corte", at(monday, 10)),
        ("Barba", at(monday, 11)),
        ("Sobrancelha", at(monday, 11, 30)),
    ]
