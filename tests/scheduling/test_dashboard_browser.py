"""A day in the life of a salon owner, in a real browser: Playwright driving Debian's Chromium,
headless, against the live server, on a phone and on a desktop screen.

Log in, open the calendar, book from an empty time, move the booking (drag and drop on the
desktop, the move form on the phone), block a time, complete a visit that has started, and
see the reports count it. Screenshots of the main pages go to test-results/screenshots/.
"""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from scheduling.models import Appointment, AppointmentStatus, TimeOff
from tests.factories import DEFAULT_PASSWORD, AppointmentFactory, ServiceFactory
from tests.helpers import SAO_PAULO, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


def shot(page, screen: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"calendar-{screen}-{name}.png"), full_page=True)


def cell(page, day, clock: str, professional):
    return page.locator(f'a.cal-cell[href*="start={day.isoformat()}T{clock}&professional={professional.pk}"]')


def drag_block_to(page, block, target) -> None:
    """Press on the block's top edge, carry it to the target cell's top, and let go."""
    block.scroll_into_view_if_needed()
    target.scroll_into_view_if_needed()  # both on screen: the drop is where the pointer is
    source = block.bounding_box()
    grab_x, grab_y = source["x"] + source["width"] / 2, source["y"] + 6
    page.mouse.move(grab_x, grab_y)
    page.mouse.down()
    page.mouse.move(grab_x, grab_y + 15, steps=3)
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 6, steps=12)
    page.mouse.up()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_day_in_the_life_of_the_owner(browser, live_server, business, pro, monday, screen):
    from playwright.sync_api import expect  # only the browser tests need it

    service = ServiceFactory(business=business, name="Corte", duration=60, price=Decimal("80.00"))
    now = timezone.now()
    AppointmentFactory(service=service, start_time=at(monday, 14), client_name="Joana Dias")
    # A visit booked for earlier today, under way now.
    started = AppointmentFactory(
        service=service, start_time=(now - timedelta(minutes=40)).replace(second=0), client_name="Rita Cliente"
    )
    report_url = (
        f"{live_server.url}/dashboard/reports/?date_from={started.start_time.astimezone(SAO_PAULO).date()}"
        f"&date_to={now.astimezone(SAO_PAULO).date()}"
    )

    page = browser.new_context(**SCREENS[screen], locale="pt-BR").new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_email").fill(business.owner_login.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/dashboard/"))

    # The calendar of a Monday: an empty time opens the choice inline; "Agendar aqui" pre-fills the time.
    calendar = f"{live_server.url}/dashboard/agenda/?date={monday}"
    page.goto(calendar)
    expect(page.locator(".cal-pro")).to_have_text([pro.name])
    cell(page, monday, "10:00", pro).click()
    dialog = page.locator("#cal-dialog")
    expect(dialog.locator("#slot-choice")).to_be_visible()
    dialog.locator("#book-here").click()
    page.wait_for_url(re.compile(r"/dashboard/agenda/new/\?"))
    expect(page.locator("#id_other_time")).to_have_value("10:00")
    page.get_by_label("Nome do cliente").fill("Maria Souza")
    page.get_by_label("WhatsApp do cliente").fill("(11) 98888-1234")
    page.get_by_role("button", name="Agendar").click()
    page.wait_for_url(re.compile(r"/dashboard/agenda/[0-9a-f-]{36}/$"))
    booked = Appointment.objects.get(client_name="Maria Souza")
    assert booked.start_time == at(monday, 10)

    # Move it to 12:00: dragged in the grid on a desktop, through the move form on a phone.
    page.goto(calendar)
    block = page.locator(".cal-appt", has_text="Maria Souza")
    expect(block).to_contain_text("10:00–11:00")
    shot(page, screen, "day")
    if screen == "desktop":
        # Onto another booking: refused, the reason names it, and the block goes back.
        drag_block_to(page, block, cell(page, monday, "14:00", pro))
        expect(page.locator("#cal-notice")).to_contain_text("14:00–15:00 · Joana Dias")
        expect(block).to_contain_text("10:00–11:00")
        drag_block_to(page, block, cell(page, monday, "12:00", pro))
    else:
        block.click()
        page.locator("#popover-move").click()
        page.wait_for_url(re.compile(r"/move/$"))
        page.locator("#id_time").fill("12:00")
        page.locator("#move-submit").click()
    expect(page.locator(".cal-appt", has_text="Maria Souza")).to_contain_text("12:00–13:00")
    booked.refresh_from_db()
    assert booked.start_time == at(monday, 12)

    # Block 16:00 for an hour, from the grid.
    cell(page, monday, "16:00", pro).click()
    dialog.locator("#block-here").click()
    expect(page.locator(".messages")).to_contain_text("Horário bloqueado: 16:00–17:00")
    assert TimeOff.objects.get().start_time == at(monday, 16)
    expect(cell(page, monday, "16:15", pro)).to_have_class(re.compile("is-off"))

    page.goto(f"{live_server.url}/dashboard/agenda/?view=week&date={monday}")
    expect(page.locator(".cal-colhead")).to_have_count(7)
    shot(page, screen, "week")

    # The visit under way is completed from its page; the reports count it.
    page.goto(report_url)
    completed_figure = page.locator('[data-figure="revenue-completed"]')
    before = completed_figure.inner_text()
    page.goto(f"{live_server.url}/dashboard/agenda/{started.pk}/")
    shot(page, screen, "appointment")
    page.get_by_role("button", name="Marcar como concluído").click()
    expect(page.locator(".page-head .badge")).to_have_text("Concluído")
    started.refresh_from_db()
    assert started.status == AppointmentStatus.COMPLETED
    page.goto(report_url)
    expect(completed_figure).not_to_have_text(before)
    expect(completed_figure).to_contain_text("80,00")
    shot(page, screen, "reports")
