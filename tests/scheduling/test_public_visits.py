"""A client books several services in one visit on the public page, without JavaScript."""

import re
import uuid
from datetime import timedelta

import pytest

from notifications.models import Kind, Message
from scheduling.models import Appointment, AppointmentStatus, Visit
from tests.factories import BusinessFactory, ServiceFactory
from tests.helpers import at, next_weekday, set_hours, set_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def beard(business):
    return ServiceFactory(business=business, name="Barba", duration=30, price="30.00")


@pytest.fixture(autouse=True)
def _table_with_prices(business):
    business.template_type = "service_table"
    business.save(update_fields=["template_type"])
    set_rules(business, slot_interval_minutes=30)


def book_url(business, service):
    return f"/b/{business.slug}/book/{service.pk}/"


def form(start, **extra):
    return {
        "start_time": start.isoformat(),
        "client_name": "Ana Souza",
        "client_whatsapp": "(11) 98888-7777",
        "client_email": "",
        "consent_whatsapp": "on",
        "website": "",
        **extra,
    }


def offered(page: str) -> list[str]:
    return re.findall(r'<label for="slot-\d+">(\d\d:\d\d)</label>', page)


def test_the_page_offers_to_add_a_service_and_shows_the_visit_with_its_totals(client, business, service, beard, monday):
    page = client.get(book_url(business, service), {"date": monday.isoformat()}).content.decode()
    assert f'href="?with={beard.pk}&date={monday.isoformat()}#visit"' in page

    page = client.get(book_url(business, service), {"with": str(beard.pk), "date": monday.isoformat()}).content.decode()
    assert 'id="visit-total"' in page
    assert "90 minutos" in page and "R$\xa080,00" in page
    # Every link of the page keeps the visit: the calendar's days and the booking form.
    assert f"&with={beard.pk}#times" in page
    assert f'<input type="hidden" name="with" value="{beard.pk}">' in page


def test_the_times_offered_are_those_at_which_the_whole_visit_fits(client, business, service, beard, pro, monday):
    set_hours(pro, 0, ("09:00", "12:00"))
    alone = offered(client.get(book_url(business, service), {"date": monday.isoformat()}).content.decode())
    visit = offered(
        client.get(book_url(business, service), {"with": str(beard.pk), "date": monday.isoformat()}).content.decode()
    )
    assert alone == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert visit == ["09:00", "09:30", "10:00", "10:30"]


def test_booking_from_the_page_books_the_visit_and_the_manage_page_shows_it(client, business, service, beard, monday):
    response = client.post(
        book_url(business, service) + f"?with={beard.pk}", form(at(monday, 10), **{"with": str(beard.pk)})
    )

    assert response.status_code == 302
    visit = Visit.objects.get()
    parts = list(Appointment.objects.filter(visit=visit).order_by("start_time"))
    assert [(p.service.name, p.start_time) for p in parts] == [("Corte", at(monday, 10)), ("Barba", at(monday, 11))]
    # One confirmation and one set of reminders, for the visit, on its first part.
    to_client = Message.objects.filter(client__isnull=False).order_by("scheduled_at")
    assert sorted(to_client.values_list("kind", flat=True)) == [Kind.CONFIRMATION, Kind.REMINDER, Kind.REMINDER]
    assert {m.appointment_id for m in to_client} == {parts[0].pk}

    page = client.get(response["Location"]).content.decode()
    assert "Corte + Barba" in page
    assert "11:00–11:30 · Barba" in page
    assert "90 minutos" in page and "R$\xa080,00" in page


def test_cancelling_from_the_manage_page_cancels_the_whole_visit(client, business, service, beard, monday):
    response = client.post(
        book_url(business, service) + f"?with={beard.pk}", form(at(monday, 10), **{"with": str(beard.pk)})
    )
    client.post(response["Location"].split("?")[0], {"action": "cancel", "confirm": "yes"})
    assert set(Appointment.objects.values_list("status", flat=True)) == {AppointmentStatus.CANCELLED}
    assert Message.objects.filter(kind=Kind.CANCELLATION).count() == 1


def test_an_unknown_or_repeated_service_in_the_link_is_left_out(client, business, service, beard, monday):
    odd = {"with": f"{beard.pk},{beard.pk},nonsense", "date": monday.isoformat()}
    page = client.get(book_url(business, service), odd).content.decode()
    assert f'<input type="hidden" name="with" value="{beard.pk}">' in page  # the visit as it can be booked


@pytest.mark.django_db(transaction=True)
def test_the_page_the_links_write_is_shared_and_an_odd_one_is_not(client, django_assert_max_num_queries):
    """The cache keeps only what committed, hence a test that commits."""
    business = BusinessFactory()
    service = ServiceFactory(business=business, name="Corte", duration=60)
    beard = ServiceFactory(business=business, name="Barba", duration=30)
    day = next_weekday(0)
    url = book_url(business, service)

    def queries(params) -> int:
        client.get(url, params)
        with django_assert_max_num_queries(10) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    # Given again from the cache: only the id of the business behind the slug.
    assert queries({"with": str(beard.pk), "date": day.isoformat()}) == 1
    # Rendered for its visitor each time, never kept: what is kept stays bounded.
    assert queries({"with": f"{beard.pk},{beard.pk}", "date": day.isoformat()}) > 1
    assert queries({"with": f"{beard.pk},{uuid.uuid4()}", "date": day.isoformat()}) > 1


def test_the_manage_page_moves_the_whole_visit_to_a_time_where_it_fits(client, business, service, beard, monday):
    response = client.post(
        book_url(business, service) + f"?with={beard.pk}", form(at(monday, 10), **{"with": str(beard.pk)})
    )
    manage = response["Location"].split("?")[0]
    tuesday = monday + timedelta(days=1)
    page = client.get(manage, {"date": tuesday.isoformat()}).content.decode()
    times = re.findall(r'<label for="new-slot-\d+">(\d\d:\d\d)</label>', page)
    assert times[0] == "09:00" and times[-1] == "16:30"  # 90 minutes still fit before 18:00

    client.post(manage, {"action": "reschedule", "start_time": at(tuesday, 16, 30).isoformat()})

    parts = Appointment.objects.order_by("start_time")
    assert [(p.start_time, p.end_time) for p in parts] == [
        (at(tuesday, 16, 30), at(tuesday, 17, 30)),
        (at(tuesday, 17, 30), at(tuesday, 18)),
    ]
