"""The public booking flow in a real browser: Playwright driving Debian's Chromium, headless,
on a phone-sized screen, against the live server."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from notifications.backends import whatsapp
from scheduling.models import Appointment, AppointmentStatus
from tests.helpers import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "pt-BR"}


def open_booking(page, live_server, business, service, day):
    page.goto(f"{live_server.url}/b/{business.slug}/")
    page.get_by_role("link", name=re.compile(service.name)).click()
    day_link = page.locator(f'a.day-open[href*="date={day.isoformat()}"]')
    if not day_link.count():  # the day is in next month's calendar
        page.locator("a[href*='month=']").last.click()
    day_link.first.click()


def fill_details(page, *, name="Ana Souza", phone="(11) 98888-7777", email="ana@exemplo.com"):
    page.get_by_label("Seu nome").fill(name)
    page.get_by_label("Seu WhatsApp").fill(phone)
    page.get_by_label("E-mail (opcional)").fill(email)
    page.locator("#id_consent_whatsapp").check()  # not ticked for the client (LGPD)


def test_book_confirm_reschedule_download_and_cancel_on_a_phone(browser, live_server, business, service, monday):
    page = browser.new_context(**PHONE).new_page()
    open_booking(page, live_server, business, service, monday)
    page.get_by_role("radio", name="10:00").check()
    fill_details(page)
    page.get_by_role("button", name="Agendar").click()
    page.wait_for_url(re.compile(r"/a/[^/]+/\?new=1"))
    assert "Agendamento confirmado" in page.locator("#booking-done").inner_text()
    appointment = Appointment.objects.get()
    assert appointment.start_time == at(monday, 10)

    # The confirmation reached the client on WhatsApp, with the private link.
    (confirmation,) = [m for m in whatsapp.outbox if m["kind"] == "confirmation"]
    link = re.search(r"https?://\S+/a/\S+/", confirmation["body"]).group(0)
    page.goto(link.replace("http://testserver", live_server.url))

    # Reschedule to Tuesday 15:00 (the date picker submits itself with JavaScript on).
    tuesday = monday + timedelta(days=1)
    page.locator("#reschedule-date").fill(tuesday.isoformat())
    page.locator("#reschedule-date").dispatch_event("change")
    page.wait_for_url(re.compile(rf"date={tuesday.isoformat()}"))
    page.locator("#reschedule-times").get_by_role("radio", name="15:00").check()
    page.get_by_role("button", name="Remarcar meu agendamento").click()
    page.locator("#manage-notice").wait_for()
    appointment.refresh_from_db()
    assert appointment.start_time == at(tuesday, 15)

    # The .ics file opens in a calendar at the new time.
    with page.expect_download() as download:
        page.locator("#ics-link").click()
    event = Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(tuesday, 15)

    # Cancelling asks first, here in a dialog (JavaScript on); "Voltar" closes it and changes nothing.
    dialog = page.locator("#cancel-dialog")
    page.get_by_role("link", name="Cancelar meu agendamento").click()
    assert dialog.is_visible()
    assert dialog.get_by_role("link", name="Voltar").evaluate("link => link === document.activeElement")
    dialog.get_by_role("link", name="Voltar").click()
    assert not dialog.is_visible()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    page.get_by_role("link", name="Cancelar meu agendamento").click()
    dialog.get_by_role("button", name="Sim, cancelar").click()
    page.locator("#manage-notice").wait_for()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert page.locator("#booking-status").inner_text() == "Cancelado"


# Two requests writing at once need a database with real concurrent connections: the test
# database on SQLite is one shared in-memory file that locks whole tables.
@pytest.mark.postgres
def test_two_browsers_racing_for_one_slot_make_one_booking(browser, live_server, business, service, monday):
    pages = [browser.new_context(**PHONE).new_page() for _ in range(2)]
    for n, page in enumerate(pages):
        open_booking(page, live_server, business, service, monday)
        page.get_by_role("radio", name="11:00").check()
        fill_details(page, name=f"Cliente {n}", phone=f"(11) 9888{n}-0000", email="")

    # Press both buttons back to back, then wait for both answers: the requests overlap.
    with pages[0].expect_navigation(), pages[1].expect_navigation():
        for page in pages:
            page.get_by_role("button", name="Agendar").click(no_wait_after=True)

    outcomes = sorted("new=1" in page.url for page in pages)
    assert outcomes == [False, True]
    loser = next(page for page in pages if "new=1" not in page.url)
    assert "acabou de reservar" in loser.locator("#booking-error").inner_text()
    assert loser.get_by_role("radio", name="12:00").count() == 1  # fresh times offered
    assert Appointment.objects.filter(start_time=at(monday, 11)).count() == 1


def test_the_page_books_without_javascript(browser, live_server, business, service, monday):
    page = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    open_booking(page, live_server, business, service, monday)
    page.get_by_role("radio", name="14:00").check()
    fill_details(page)
    page.get_by_role("button", name="Agendar").click()
    page.wait_for_url(re.compile(r"\?new=1"))
    assert Appointment.objects.get().start_time == at(monday, 14)
