"""Visits through the API: several services back to back, booked, moved and cancelled as one."""

import uuid
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from agendazap.business_cache import agenda_changed
from scheduling.models import Appointment, AppointmentStatus, Visit
from tests.factories import AppointmentFactory, BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import at, next_weekday, set_hours, set_rules

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/api/appointments"
AVAILABILITY = "/api/appointments/availability"


@pytest.fixture
def beard(business):
    return ServiceFactory(business=business, name="Barba", duration=30, price=30)


@pytest.fixture(autouse=True)
def _half_hour_grid(business):
    set_rules(business, slot_interval_minutes=30)


def visit_booking(services, start, **extra):
    return {
        "service_ids": [str(service.pk) for service in services],
        "client_name": "João Silva",
        "client_whatsapp": "+5511888888888",
        "start_time": start.isoformat(),
        **extra,
    }


def times(slots):
    return [slot[11:16] for slot in slots]


# --- availability ----------------------------------------------------------------------------------
def test_availability_for_several_services_offers_the_starts_where_all_fit(auth_client, service, beard, monday, pro):
    set_hours(pro, 0, ("09:00", "12:00"), ("13:00", "18:00"))
    AppointmentFactory(business=service.business, service=service, professional=pro, start_time=at(monday, 10))

    response = auth_client.get(AVAILABILITY, {"service_ids": f"{service.pk},{beard.pk}", "date": monday.isoformat()})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["service_ids"] == [str(service.pk), str(beard.pk)]
    assert body["service_id"] == str(service.pk)
    assert body["duration"] == 90
    # No 90 minutes in the morning: from 9:00 into the 10:00 booking, from 11:00 into the break.
    assert times(body["available_slots"])[:2] == ["13:00", "13:30"]
    assert [conflict["start_time"][11:16] for conflict in body["conflicts"]] == ["10:00"]


def test_the_availability_answer_is_keyed_by_the_services_asked(auth_client, service, beard, monday, pro):
    set_hours(pro, 0, ("09:00", "11:00"))
    day = monday.isoformat()
    both = auth_client.get(AVAILABILITY, {"service_ids": f"{service.pk},{beard.pk}", "date": day}).json()
    one = auth_client.get(AVAILABILITY, {"service_ids": f"{beard.pk}", "date": day}).json()
    assert times(both["available_slots"]) == ["09:00", "09:30"]
    assert times(one["available_slots"]) == ["09:00", "09:30", "10:00", "10:30"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"service_ids": "{a},{a}"}, "service_ids", "once"),
        ({"service_ids": "{unknown}"}, "service_ids", "not found"),
        ({"service_ids": "{inactive}"}, "service_ids", "not found"),
        ({"service_ids": "{a}", "service_id": "{a}"}, "service_id", "not both"),
        ({"service_ids": ",".join(["{a}"] * 6)}, "service_ids", "at most 5"),
        ({"service_ids": "nonsense"}, "service_ids", "valid uuid"),
    ],
)
def test_availability_refuses_a_bad_list_of_services_saying_why(
    auth_client, service, business, monday, query, field, words
):
    inactive = ServiceFactory(business=business, is_active=False)
    names = {"a": service.pk, "unknown": uuid.uuid4(), "inactive": inactive.pk}
    params = {key: value.format(**names) for key, value in query.items()}
    response = auth_client.get(AVAILABILITY, {**params, "date": monday.isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert words in str(response.json()[field]).lower()


# --- booking ---------------------------------------------------------------------------------------
def test_booking_a_visit_answers_the_first_part_with_every_part(auth_client, service, beard, monday, pro):
    response = auth_client.post(APPOINTMENTS, visit_booking([service, beard], at(monday, 9)), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    visit = Visit.objects.get()
    assert body["visit_id"] == str(visit.pk)
    assert body["service_id"] == str(service.pk)
    assert body["start_time"].startswith(f"{monday.isoformat()}T09:00")
    assert [
        (part["service"]["name"], part["start_time"][11:16], part["end_time"][11:16]) for part in body["appointments"]
    ] == [
        ("Corte", "09:00", "10:00"),
        ("Barba", "10:00", "10:30"),
    ]
    assert body["appointments"][0]["id"] == body["id"]
    assert set(body["appointments"][1]) == set(body["appointments"][0])  # the AppointmentSerializer shape
    assert Appointment.objects.filter(visit=visit).count() == 2


def test_a_visit_splits_between_professionals_when_nobody_performs_every_service(
    auth_client, business, service, beard, monday, pro
):
    barber = ProfessionalFactory(business=business, name="Beto")
    set_hours(barber, 0, ("09:00", "18:00"))
    barber.services.set([beard])
    pro.services.set([service])

    response = auth_client.post(APPOINTMENTS, visit_booking([service, beard], at(monday, 9)), format="json")

    assert response.status_code == 201, response.json()
    assert [part["professional"]["name"] for part in response.json()["appointments"]] == [pro.name, "Beto"]


def test_a_conflict_on_any_part_books_nothing(auth_client, business, service, beard, monday, pro):
    taken = AppointmentFactory(business=business, service=beard, professional=pro, start_time=at(monday, 10))

    response = auth_client.post(APPOINTMENTS, visit_booking([service, beard], at(monday, 9)), format="json")

    assert response.status_code == 409
    assert [conflict["id"] for conflict in response.json()["conflicts"]] == [str(taken.pk)]
    assert Visit.objects.count() == 0
    assert Appointment.objects.count() == 1


def test_a_visit_refuses_a_bad_list_of_services(auth_client, service, monday):
    response = auth_client.post(APPOINTMENTS, visit_booking([service, service], at(monday, 9)), format="json")
    assert response.status_code == 400
    assert "service_ids" in response.json()
    assert Appointment.objects.count() == 0


def test_each_part_counts_toward_the_plan(auth_client, business, service, beard, monday):
    # The free plan takes 50 appointments a month: with 49, a visit of two parts is one too many.
    for n in range(49):
        AppointmentFactory(business=business, service=beard, start_time=at(monday, 9) + timedelta(days=7 + n))
    response = auth_client.post(APPOINTMENTS, visit_booking([service, beard], at(monday, 9)), format="json")
    assert response.status_code == 402
    assert (response.json()["limit"], response.json()["used"]) == (50, 49)
    assert Visit.objects.count() == 0
    one = auth_client.post(APPOINTMENTS, visit_booking([beard], at(monday, 9)), format="json")
    assert one.status_code == 201


def test_public_booking_of_a_visit(api_client, business, service, beard, monday):
    body = {
        **visit_booking([service, beard], at(monday, 9)),
        "business_slug": business.slug,
        "consent_whatsapp": True,
    }
    response = api_client.post("/api/appointments/public", body, format="json")

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert [part["service"]["name"] for part in answer["appointments"]] == ["Corte", "Barba"]
    assert answer["visit_id"] == str(Visit.objects.get().pk)
    assert "client_whatsapp" not in answer  # the public shape, not the business's


def test_a_public_visit_must_start_at_an_offered_time(api_client, business, service, beard, monday):
    body = {
        **visit_booking([service, beard], at(monday, 9, 10)),
        "business_slug": business.slug,
        "consent_whatsapp": True,
    }
    response = api_client.post("/api/appointments/public", body, format="json")
    assert response.status_code == 400
    assert Appointment.objects.count() == 0


# --- the visit ------------------------------------------------------------------------------------
@pytest.fixture
def visit_id(auth_client, service, beard, monday, pro):
    response = auth_client.post(APPOINTMENTS, visit_booking([service, beard], at(monday, 9)), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["visit_id"]


def test_a_visit_is_read_with_its_parts_and_totals(auth_client, visit_id, monday):
    body = auth_client.get(f"/api/visits/{visit_id}").json()
    assert body["duration"] == 90
    assert body["price"] == "80.00" or float(body["price"]) == 80.0
    assert body["start_time"].startswith(f"{monday.isoformat()}T09:00")
    assert [part["service"]["name"] for part in body["appointments"]] == ["Corte", "Barba"]


def test_moving_a_visit_moves_every_part(auth_client, visit_id, monday):
    response = auth_client.patch(f"/api/visits/{visit_id}", {"start_time": at(monday, 14).isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    assert [(p["start_time"][11:16], p["end_time"][11:16]) for p in response.json()["appointments"]] == [
        ("14:00", "15:00"),
        ("15:00", "15:30"),
    ]


def test_moving_a_visit_later_by_less_than_its_length_does_not_trip_over_itself(auth_client, visit_id, monday):
    response = auth_client.patch(
        f"/api/visits/{visit_id}", {"start_time": at(monday, 9, 30).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    earlier = auth_client.patch(f"/api/visits/{visit_id}", {"start_time": at(monday, 9).isoformat()}, format="json")
    assert earlier.status_code == 200, earlier.json()


def test_a_move_onto_a_conflict_moves_nothing(auth_client, business, beard, pro, visit_id, monday):
    taken = AppointmentFactory(business=business, service=beard, professional=pro, start_time=at(monday, 15))
    response = auth_client.patch(f"/api/visits/{visit_id}", {"start_time": at(monday, 14).isoformat()}, format="json")
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["conflicts"]] == [str(taken.pk)]
    starts = sorted(a.start_time for a in Appointment.objects.filter(visit_id=visit_id))
    assert starts == [at(monday, 9), at(monday, 10)]


def test_deleting_a_visit_cancels_every_part(auth_client, visit_id):
    response = auth_client.delete(f"/api/visits/{visit_id}")
    assert response.status_code == 200
    assert response.json()["cancelled_at"] is not None
    assert {p["status"] for p in response.json()["appointments"]} == {"cancelled"}


def test_cancelling_one_part_keeps_the_others(auth_client, visit_id):
    parts = Appointment.objects.filter(visit_id=visit_id).order_by("start_time")
    response = auth_client.delete(f"/api/appointments/{parts[1].pk}")
    assert response.status_code == 200
    body = auth_client.get(f"/api/visits/{visit_id}").json()
    assert [p["status"] for p in body["appointments"]] == [AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED]
    assert body["duration"] == 60
    assert body["cancelled_at"] is None


def test_another_business_cannot_see_the_visit(api_client, visit_id):
    other = BusinessFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=other.owner_login)['access_token']}")
    assert api_client.get(f"/api/visits/{visit_id}").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_owners_visit_availability_reads_as_few_queries_as_one_service(django_assert_max_num_queries):
    """Computed: authentication, then time off and appointments in one query; again: authentication."""
    business = BusinessFactory()
    cut = ServiceFactory(business=business, name="Corte", duration=60)
    beard = ServiceFactory(business=business, name="Barba", duration=30)
    for n in range(3):
        set_hours(business.professionals.create(name=f"Pro {n}"), 0, ("09:00", "18:00"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=business.owner_login)['access_token']}")
    params = {"service_ids": f"{cut.pk},{beard.pk}", "date": next_weekday(0).isoformat()}
    api.get("/api/appointments/availability", params)  # the set-up read and cached
    agenda_changed(business.pk)
    with django_assert_max_num_queries(2):
        assert api.get("/api/appointments/availability", params).status_code == 200
    with django_assert_max_num_queries(1):
        assert api.get("/api/appointments/availability", params).status_code == 200
