"""Availability answers shared from the cache: the owner API's day and the public booking page.

An answer is kept for a minute and given again while the business's set-up and agenda stay as
they are; every booking, move, cancellation or time off shows on the very next request. These
tests commit (transaction=True): the cache keeps only what a transaction committed.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import tokens_issue
from scheduling import selectors, services
from scheduling.models import Appointment
from tests.factories import ServiceFactory
from tests.helpers import as_owner, at, next_weekday, set_rules

pytestmark = pytest.mark.django_db(transaction=True)

AVAILABILITY = "/api/appointments/availability"


@pytest.fixture
def setup(business):
    service = ServiceFactory(business=business, name="Corte", duration=60)
    set_rules(business, slot_interval_minutes=60, min_notice_minutes=0)
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=business.owner_login)['access_token']}")
    return business, service, next_weekday(0), owner


def owner_slots(owner, service, day) -> list[str]:
    response = owner.get(AVAILABILITY, {"service_id": service.pk, "date": day})
    assert response.status_code == 200, response.content
    return [slot[11:16] for slot in response.json()["available_slots"]]


def page_times(client, business, service, day, **params) -> list[str]:
    response = client.get(f"/b/{business.slug}/book/{service.pk}/", {"date": day, **params})
    assert response.status_code == 200
    return re.findall(r'<label for="slot-\d+">(\d\d:\d\d)</label>', response.content.decode())


def book(owner, service, day, hour) -> dict:
    body = {
        "service_id": str(service.pk),
        "start_time": at(day, hour).isoformat(),
        "client_name": "Ana Souza",
        "client_whatsapp": "+5511988887777",
    }
    response = owner.post("/api/appointments/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_owner_sees_a_booking_and_its_cancellation_on_the_very_next_request(setup):
    business, service, day, owner = setup
    assert "10:00" in owner_slots(owner, service, day)
    assert "10:00" in owner_slots(owner, service, day)  # given again from the cache
    booked = book(owner, service, day, 10)
    assert "10:00" not in owner_slots(owner, service, day)
    conflicts = owner.get(AVAILABILITY, {"service_id": service.pk, "date": day}).json()["conflicts"]
    assert [conflict["id"] for conflict in conflicts] == [booked["id"]]
    assert owner.delete(f"/api/appointments/{booked['id']}").status_code == 200
    assert "10:00" in owner_slots(owner, service, day)


def test_a_move_shows_on_the_very_next_request(setup):
    business, service, day, owner = setup
    booked = book(owner, service, day, 10)
    assert "10:00" not in owner_slots(owner, service, day) and "15:00" in owner_slots(owner, service, day)
    services.appointment_update(
        appointment=Appointment.objects.get(pk=booked["id"]), actor=as_owner(business), data={"start_time": at(day, 15)}
    )
    assert "10:00" in owner_slots(owner, service, day) and "15:00" not in owner_slots(owner, service, day)


def test_a_booking_rolled_back_leaves_the_time_offered(setup):
    business, service, day, owner = setup
    assert "10:00" in owner_slots(owner, service, day)
    with pytest.raises(RuntimeError), transaction.atomic():
        book(owner, service, day, 10)
        raise RuntimeError
    assert "10:00" in owner_slots(owner, service, day)


def test_an_answer_is_computed_as_of_the_end_of_its_minute():
    """So that a time offered is still far enough ahead whenever in the minute the answer is read."""
    moments = []
    before = timezone.now()
    selectors.availability_answer(business_id="answer-moment-probe", key=("probe",), compute=moments.append)
    (as_of,) = moments
    assert as_of.second == 0 and as_of.microsecond == 0
    assert before < as_of <= before + timedelta(seconds=60)


def test_each_visitor_of_a_shared_page_books_with_their_own_csrf_token(setup):
    business, service, day, owner = setup
    first, second = BrowserClient(enforce_csrf_checks=True), BrowserClient(enforce_csrf_checks=True)
    url = f"/b/{business.slug}/book/{service.pk}/"
    assert "10:00" in page_times(first, business, service, day)
    page = second.get(url, {"date": day})  # the page the first visitor's request put in the cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert second.cookies.get("csrftoken"), "the second visitor gets a CSRF cookie of their own"
    body = {
        "csrfmiddlewaretoken": token,
        "date": day.isoformat(),
        "professional": "",
        "start_time": at(day, 10).isoformat(),
        "client_name": "Bia Lima",
        "client_whatsapp": "(11) 97777-6666",
        "client_email": "",
        "consent_whatsapp": "on",
        "website": "",
    }
    assert second.post(url, body).status_code == 302
    assert "10:00" not in page_times(first, business, service, day)


def test_a_page_is_shared_only_between_visitors_of_the_same_language(setup):
    business, service, day, owner = setup
    portuguese, english = BrowserClient(), BrowserClient()
    english.cookies["django_language"] = "en"
    url = f"/b/{business.slug}/book/{service.pk}/"
    assert "Horários livres" in portuguese.get(url, {"date": day}).content.decode()
    assert "Free times" in english.get(url, {"date": day}).content.decode()
    assert "Horários livres" in portuguese.get(url, {"date": day}).content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"professional": "00000000-0000-0000-0000-000000000000"},
        {"utm_source": "instagram"},
        {"month": "2999-01"},
    ],
    ids=["unknown professional", "other parameter", "month beyond the horizon"],
)
def test_a_page_outside_what_the_calendar_links_to_is_not_kept(setup, django_assert_num_queries, params):
    """Whatever a query string holds, what is kept stays bounded: such a page is rendered each time."""
    business, service, day, owner = setup
    client = BrowserClient()
    url = f"/b/{business.slug}/book/{service.pk}/"
    assert client.get(url, {"date": day, **params}).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(url, {"date": day, **params}).status_code == 200
    assert any("scheduling_appointment" in query["sql"] for query in again.captured_queries), "rendered again"
    client.get(url, {"date": day})  # a plain page is kept...
    with django_assert_num_queries(1):  # ...and served from the cache: the business only
        assert BrowserClient().get(url, {"date": day}).status_code == 200


def test_a_page_in_the_cache_closes_at_once_when_the_owner_is_deactivated(setup):
    business, service, day, owner = setup
    assert "10:00" in page_times(BrowserClient(), business, service, day)
    User.objects.filter(pk=business.owner_login.pk).update(is_active=False)
    response = BrowserClient().get(f"/b/{business.slug}/book/{service.pk}/", {"date": day})
    assert response.status_code == 404
