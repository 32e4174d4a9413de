"""Recurring series in the owner's dashboard and the Django admin: book "every N weeks" from the
new-appointment form, see what was and was not booked, see the series on an occurrence's page and
cancel only it or it and the following ones."""

from datetime import timedelta

import pytest
from django.contrib.messages import constants, get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Kind, Message
from scheduling.models import Appointment, AppointmentStatus, Series
from tests.factories import AppointmentFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

NEW = "/dashboard/agenda/new/"


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def book_form(service, day, **extra) -> dict:
    return {
        "service_id": str(service.pk),
        "professional_id": "",
        "date": day.isoformat(),
        "client_name": "Maria Souza",
        "client_whatsapp": "(11) 98888-1234",
        "client_email": "",
        "notes": "",
        "other_time": "14:00",
        **extra,
    }


def test_the_form_offers_to_repeat(logged_in, service, monday):
    page = logged_in.get(NEW, {"service_id": str(service.pk), "professional_id": "", "date": monday.isoformat()})
    content = page.content.decode()
    assert 'id="repeat"' in content
    for field in ("repeat_every_weeks", "repeat_count", "repeat_until"):
        assert f'name="{field}"' in content


def test_booking_a_series_reports_what_was_booked_and_what_was_skipped(logged_in, service, monday):
    taken = AppointmentFactory(service=service, start_time=at(monday + timedelta(weeks=2), 14))

    response = logged_in.post(NEW, book_form(service, monday, repeat_every_weeks="1", repeat_count="3"))

    assert response.status_code == 302
    booked = list(Appointment.objects.exclude(pk=taken.pk).order_by("start_time"))
    assert [row.start_time for row in booked] == [at(monday, 14), at(monday + timedelta(weeks=1), 14)]
    assert response.url == f"/dashboard/agenda/{booked[0].pk}/"
    notices = [(m.level, m.message) for m in get_messages(response.wsgi_request)]
    assert [level for level, _text in notices] == [constants.SUCCESS, constants.WARNING]
    assert (monday + timedelta(weeks=2)).strftime("%d/%m/%Y") in notices[1][1]
    assert Message.objects.filter(kind=Kind.CONFIRMATION).count() == 1


def test_until_books_up_to_the_date(logged_in, service, monday):
    until = monday + timedelta(weeks=4)
    response = logged_in.post(NEW, book_form(service, monday, repeat_every_weeks="2", repeat_until=until.isoformat()))
    assert response.status_code == 302
    assert Appointment.objects.count() == 3


def test_a_bad_repeat_comes_back_on_the_form_and_books_nothing(logged_in, service, monday):
    response = logged_in.post(NEW, book_form(service, monday, repeat_every_weeks="1"))  # neither count nor until

    assert response.status_code == 400
    assert 'id="repeat"' in response.content.decode()
    assert "alert-error" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_count_without_every_how_many_weeks_is_asked_not_booked_once(logged_in, service, monday):
    response = logged_in.post(NEW, book_form(service, monday, repeat_count="4"))

    assert response.status_code == 400
    assert 'id="id_repeat_every_weeks_error"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_nothing_bookable_lists_each_date_and_why(logged_in, service, monday):
    for week in range(2):
        AppointmentFactory(service=service, start_time=at(monday + timedelta(weeks=week), 14))

    response = logged_in.post(NEW, book_form(service, monday, repeat_every_weeks="1", repeat_count="2"))

    assert response.status_code == 409
    content = response.content.decode()
    assert 'id="series-skipped"' in content
    for week in range(2):
        assert (monday + timedelta(weeks=week)).strftime("%d/%m/%Y") in content
    assert not Series.objects.exists()


@pytest.fixture
def occurrences(logged_in, service, monday):
    logged_in.post(NEW, book_form(service, monday, repeat_every_weeks="1", repeat_count="3"))
    return list(Appointment.objects.order_by("start_time"))


def test_an_occurrence_page_shows_its_series(logged_in, occurrences):
    content = logged_in.get(f"/dashboard/agenda/{occurrences[1].pk}/").content.decode()
    assert 'id="series"' in content
    for row in (occurrences[0], occurrences[2]):
        assert f'href="/dashboard/agenda/{row.pk}/"' in content
    # The cancel asks which: only this one, or this one and the following one.
    assert 'name="scope" value="future"' in content


def test_the_last_occurrence_is_not_offered_the_following_ones(logged_in, occurrences):
    content = logged_in.get(f"/dashboard/agenda/{occurrences[2].pk}/cancel/").content.decode()
    assert 'name="scope"' not in content


def test_cancel_without_a_scope_cancels_only_that_one(logged_in, occurrences):
    response = logged_in.post(f"/dashboard/agenda/{occurrences[1].pk}/cancel/", {"confirm": "yes"})
    assert response.status_code == 302
    assert [row.status for row in Appointment.objects.order_by("start_time")] == ["confirmed", "cancelled", "confirmed"]


def test_cancel_this_and_the_following_asks_first_then_cancels_them(logged_in, occurrences):
    url = f"/dashboard/agenda/{occurrences[1].pk}/cancel/"
    asked = logged_in.post(url, {"scope": "future", "reason": "Mudou"})
    assert asked.status_code == 400
    assert 'value="future" id="cancel-page-scope-future" checked' in asked.content.decode()
    Message.objects.all().delete()

    response = logged_in.post(url, {"scope": "future", "reason": "Mudou", "confirm": "yes"})

    assert response.status_code == 302
    assert [row.status for row in Appointment.objects.order_by("start_time")] == [
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.CANCELLED,
    ]
    assert Message.objects.filter(kind=Kind.CANCELLATION).count() == 1


def test_a_bad_scope_is_refused(logged_in, occurrences):
    response = logged_in.post(f"/dashboard/agenda/{occurrences[0].pk}/cancel/", {"scope": "all", "confirm": "yes"})
    assert response.status_code == 400
    assert not Appointment.objects.filter(status=AppointmentStatus.CANCELLED).exists()


def test_the_admin_shows_series_and_their_occurrences(admin_client, occurrences):
    series = occurrences[0].series
    assert admin_client.get("/admin/scheduling/series/").status_code == 200
    page = admin_client.get(f"/admin/scheduling/series/{series.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    for row in occurrences:
        assert f"/admin/scheduling/appointment/{row.pk}/change/" in content
    assert admin_client.get("/admin/scheduling/appointment/", {"series__isempty": "0"}).status_code == 200


def test_an_occurrence_page_reads_the_series_in_the_same_queries_however_long(logged_in, service, monday):
    def book(count, hour):
        form = book_form(service, monday, other_time=f"{hour}:00", repeat_every_weeks="1", repeat_count=str(count))
        form["client_whatsapp"] = f"(11) 98888-12{hour}"
        assert logged_in.post(NEW, form).status_code == 302
        return Appointment.objects.get(start_time=at(monday, hour))

    short, long = book(2, 9), book(8, 11)
    logged_in.get(f"/dashboard/agenda/{short.pk}/")  # the session and the business's cache warmed

    with CaptureQueriesContext(connection) as short_page:
        assert logged_in.get(f"/dashboard/agenda/{short.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as long_page:
        assert logged_in.get(f"/dashboard/agenda/{long.pk}/").status_code == 200
    assert len(long_page) == len(short_page)
