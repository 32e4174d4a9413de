"""Recurring series through the API: book every N weeks (count or until), report what could not be
booked, keep the local time across a clock change, count each occurrence on the plan, cancel one
or the following ones, and tell the client once."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from billing.models import DEFAULT_LIMITS, PlanLimits
from notifications.models import Kind, Message
from scheduling.models import Appointment, AppointmentStatus, Series
from tests.factories import AppointmentFactory, BusinessFactory, ServiceFactory
from tests.helpers import at, next_weekday, time_passes

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/api/appointments"


def series_body(service, start, recurrence, **extra):
    return {
        "service_id": str(service.pk),
        "client_name": "Ana Souza",
        "client_whatsapp": "+5511977776666",
        "start_time": start.isoformat(),
        "recurrence": recurrence,
        **extra,
    }


def book_series(client, service, start, recurrence, **extra):
    return client.post(APPOINTMENTS, series_body(service, start, recurrence, **extra), format="json")


def starts(body) -> list[str]:
    return [row["start_time"] for row in body["appointments"]]


def test_count_books_every_n_weeks_at_the_same_time(auth_client, service, pro, monday):
    response = book_series(auth_client, service, at(monday, 14), {"every_weeks": 2, "count": 3})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert starts(body) == [f"{(monday + timedelta(weeks=2 * n)).isoformat()}T14:00:00-03:00" for n in range(3)]
    assert body["skipped"] == []
    assert {row["professional_id"] for row in body["appointments"]} == {str(pro.pk)}
    # Each occurrence has the usual appointment shape.
    assert body["appointments"][0]["service"]["name"] == "Corte"
    series = Series.objects.get(pk=body["series_id"])
    assert (series.every_weeks, series.count, series.until) == (2, 3, None)
    assert series.client.whatsapp == "+5511977776666"
    assert series.appointments.count() == 3


def test_until_books_up_to_and_including_that_date(auth_client, service, monday):
    until = monday + timedelta(weeks=3)
    response = book_series(auth_client, service, at(monday, 9), {"every_weeks": 1, "until": until.isoformat()})

    assert response.status_code == 201, response.json()
    assert [row[:10] for row in starts(response.json())] == [
        (monday + timedelta(weeks=n)).isoformat() for n in range(4)
    ]


def test_an_occurrence_colliding_with_a_booking_is_skipped_with_its_conflict(auth_client, service, monday):
    taken = AppointmentFactory(service=service, start_time=at(monday + timedelta(weeks=1), 14))

    response = book_series(auth_client, service, at(monday, 14), {"every_weeks": 1, "count": 3})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [row[:10] for row in starts(body)] == [monday.isoformat(), (monday + timedelta(weeks=2)).isoformat()]
    [skipped] = body["skipped"]
    assert skipped["start_time"] == f"{(monday + timedelta(weeks=1)).isoformat()}T14:00:00-03:00"
    assert skipped["code"] == "taken"
    assert skipped["reason"]
    assert [conflict["id"] for conflict in skipped["conflicts"]] == [str(taken.pk)]


def test_an_occurrence_on_a_closed_day_is_skipped_with_the_reason(auth_client, business, service, monday):
    closed = monday + timedelta(weeks=1)
    business.time_off.create(start_time=at(closed, 0), end_time=at(closed + timedelta(days=1), 0), reason="Feriado")

    body = book_series(auth_client, service, at(monday, 10), {"every_weeks": 1, "count": 2}).json()

    assert len(body["appointments"]) == 1
    assert body["skipped"][0]["code"] == "unavailable"
    assert body["skipped"][0]["conflicts"] == []


def test_nothing_bookable_answers_409_with_every_reason_and_keeps_nothing(auth_client, service, monday):
    for week in range(2):
        AppointmentFactory(service=service, start_time=at(monday + timedelta(weeks=week), 14))

    response = book_series(auth_client, service, at(monday, 14), {"every_weeks": 1, "count": 2})

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert [row["code"] for row in body["skipped"]] == ["taken", "taken"]
    assert not Series.objects.exists()
    assert Appointment.objects.count() == 2


def test_the_local_time_is_kept_across_a_clock_change(auth_client, service, monday):
    business = service.business
    business.timezone = "America/New_York"
    business.save(update_fields=["timezone"])
    new_york = ZoneInfo("America/New_York")
    # The Monday before the first Sunday of November: New York falls back from -04:00 to -05:00.
    year = monday.year + 1
    november_first_sunday = next(date(year, 11, d) for d in range(1, 8) if date(year, 11, d).weekday() == 6)
    before = november_first_sunday - timedelta(days=6)

    response = book_series(auth_client, service, at(before, 10, tz=new_york), {"every_weeks": 1, "count": 2})

    assert response.status_code == 201, response.json()
    assert starts(response.json()) == [
        f"{before.isoformat()}T10:00:00-04:00",
        f"{(before + timedelta(weeks=1)).isoformat()}T10:00:00-05:00",
    ]


def test_each_occurrence_counts_on_the_plan_and_the_limit_skips_the_rest(auth_client, business, monday):
    PlanLimits.objects.update_or_create(pk=business.plan_type, defaults={**DEFAULT_LIMITS[business.plan_type]})
    limit = PlanLimits.objects.get(pk=business.plan_type).appointments
    service = ServiceFactory(business=business, duration=30)
    for n in range(limit - 2):
        AppointmentFactory(service=service, start_time=at(monday, 9) + timedelta(days=60 + n))

    response = book_series(auth_client, service, at(monday, 15), {"every_weeks": 1, "count": 4})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["appointments"]) == 2
    assert [row["code"] for row in body["skipped"]] == ["plan_limit", "plan_limit"]
    assert all(row["reason"] for row in body["skipped"])
    assert Appointment.objects.filter(business=business).count() == limit


@pytest.mark.parametrize(
    ("recurrence", "message_part"),
    [
        ({"every_weeks": 0, "count": 3}, "every_weeks"),
        ({"every_weeks": 1}, "exactly one"),
        ({"every_weeks": 1, "count": 3, "until": "2099-01-01"}, "exactly one"),
        ({"every_weeks": 1, "count": 53}, "count"),
        ({"every_weeks": 1, "until": "2000-01-01"}, "until"),
    ],
)
def test_a_bad_recurrence_is_a_400_under_recurrence(auth_client, service, monday, recurrence, message_part):
    response = auth_client.post(
        APPOINTMENTS, series_body(service, at(monday, 14), recurrence), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert message_part in " ".join(response.json()["recurrence"])
    assert not Appointment.objects.exists()


def test_until_more_than_a_year_ahead_is_refused(auth_client, service, monday):
    until = monday + timedelta(days=400)
    response = book_series(auth_client, service, at(monday, 14), {"every_weeks": 4, "until": until.isoformat()})
    assert response.status_code == 400
    assert list(response.json()) == ["recurrence"]


def test_a_bad_client_is_a_400_for_the_whole_series(auth_client, service, monday):
    response = book_series(auth_client, service, at(monday, 14), {"every_weeks": 1, "count": 2}, client_whatsapp="12")
    assert response.status_code == 400
    assert "client_whatsapp" in response.json()
    assert not Series.objects.exists()


# --- Messages -------------------------------------------------------------------------------------
def test_the_client_gets_one_confirmation_naming_the_dates_and_reminders_for_each(auth_client, service, monday):
    body = book_series(auth_client, service, at(monday, 14), {"every_weeks": 1, "count": 3}).json()

    confirmations = Message.objects.filter(kind=Kind.CONFIRMATION)
    assert confirmations.count() == 1
    confirmation = confirmations.get()
    dates = ", ".join((monday + timedelta(weeks=week)).strftime("%d/%m/%Y") for week in range(3))
    assert dates in confirmation.body
    # The approved WhatsApp template gets them in its date parameter.
    assert dates in confirmation.template_params
    reminded = set(Message.objects.filter(kind=Kind.REMINDER).values_list("appointment_id", flat=True))
    assert {str(pk) for pk in reminded} == {row["id"] for row in body["appointments"]}


# --- Cancelling -----------------------------------------------------------------------------------
def booked_series(auth_client, service, monday, count=4):
    body = book_series(auth_client, service, at(monday, 14), {"every_weeks": 1, "count": count}).json()
    return [row["id"] for row in body["appointments"]], body["series_id"]


def statuses(ids) -> list[str]:
    by_id = dict(Appointment.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [by_id[Appointment._meta.pk.to_python(pk)] for pk in ids]


def test_scope_one_cancels_only_that_occurrence_with_the_usual_shape(auth_client, service, monday):
    ids, _series = booked_series(auth_client, service, monday)

    response = auth_client.delete(f"{APPOINTMENTS}/{ids[1]}")

    assert response.status_code == 200
    assert response.json()["id"] == ids[1]
    assert response.json()["status"] == "cancelled"
    assert statuses(ids) == ["confirmed", "cancelled", "confirmed", "confirmed"]


def test_scope_future_cancels_that_one_and_the_later_ones_and_tells_the_client_once(auth_client, service, monday):
    ids, series_id = booked_series(auth_client, service, monday)
    Message.objects.all().delete()

    response = auth_client.delete(f"{APPOINTMENTS}/{ids[1]}?scope=future", {"reason": "Mudou de cidade"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["series_id"] == series_id
    assert [row["id"] for row in body["appointments"]] == ids[1:]
    assert {row["status"] for row in body["appointments"]} == {"cancelled"}
    assert statuses(ids) == ["confirmed", "cancelled", "cancelled", "cancelled"]
    [cancellation] = Message.objects.filter(kind=Kind.CANCELLATION)
    for week in (1, 2, 3):
        assert (monday + timedelta(weeks=week)).strftime("%d/%m/%Y") in cancellation.body
    assert monday.strftime("%d/%m/%Y") not in cancellation.body
    # The cancelled occurrences' reminders are called off; the first one's stay.
    assert not Message.objects.filter(kind=Kind.REMINDER, status__in=("pending", "queued")).exclude(
        appointment_id=ids[0]
    )


def test_scope_future_leaves_visits_already_recorded(auth_client, service, monday):
    ids, _series = booked_series(auth_client, service, monday, count=2)
    first = time_passes(Appointment.objects.get(pk=ids[0]), started_minutes_ago=90)
    first.status = AppointmentStatus.COMPLETED
    first.save(update_fields=["status"])
    later = Appointment.objects.get(pk=ids[1])

    response = auth_client.delete(f"{APPOINTMENTS}/{ids[0]}?scope=future")
    assert response.status_code == 400  # a completed visit cannot be cancelled, as with scope=one

    response = auth_client.delete(f"{APPOINTMENTS}/{later.pk}?scope=future")
    assert response.status_code == 200
    assert statuses(ids) == ["completed", "cancelled"]


def test_a_bad_scope_or_a_one_off_with_future_is_a_400(auth_client, service, monday):
    ids, _series = booked_series(auth_client, service, monday, count=2)
    one_off = AppointmentFactory(service=service, start_time=at(next_weekday(1), 10))

    bad = auth_client.delete(f"{APPOINTMENTS}/{ids[0]}?scope=all")
    assert bad.status_code == 400
    assert "scope" in bad.json()
    not_series = auth_client.delete(f"{APPOINTMENTS}/{one_off.pk}?scope=future")
    assert not_series.status_code == 400
    assert "scope" in not_series.json()
    assert statuses(ids) == ["confirmed", "confirmed"]


def test_another_business_cannot_see_the_series(auth_client, service, monday):
    other = BusinessFactory()
    foreign = AppointmentFactory(business=other, start_time=at(monday, 10))
    assert auth_client.delete(f"{APPOINTMENTS}/{foreign.pk}?scope=future").status_code == 404


def test_an_occurrence_says_its_series_in_the_list_and_alone(auth_client, service, monday):
    ids, series_id = booked_series(auth_client, service, monday, count=2)
    single = {k: v for k, v in series_body(service, at(monday, 9), None).items() if k != "recurrence"}
    one_off_id = auth_client.post(APPOINTMENTS, single, format="json").json()["id"]

    listed = {row["id"]: row["series_id"] for row in auth_client.get(APPOINTMENTS).json()["appointments"]}
    assert listed == {ids[0]: series_id, ids[1]: series_id, one_off_id: None}
    assert auth_client.get(f"{APPOINTMENTS}/{ids[1]}").json()["series_id"] == series_id
