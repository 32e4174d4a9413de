"""The appointments API: booking, conflicts, moves, statuses, cancellation, lists and figures."""

from datetime import datetime, timedelta

import pytest

from notifications.models import Kind, Message
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import at, set_hours, time_passes

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/api/appointments"


def booking(service, start, **extra):
    return {
        "service_id": str(service.pk),
        "client_name": "João Silva",
        "client_whatsapp": "+5511888888888",
        "client_email": "joao@email.com",
        "start_time": start.isoformat(),
        "notes": "Primeiro agendamento",
        **extra,
    }


def create(client, service, start, **extra):
    return client.post(APPOINTMENTS, booking(service, start, **extra), format="json")


# --- create --------------------------------------------------------------------------------------
def test_booking_returns_the_appointment_in_the_business_zone(auth_client, service, pro, monday):
    response = create(auth_client, service, at(monday, 14))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["start_time"] == f"{monday.isoformat()}T14:00:00-03:00"
    assert body["end_time"] == f"{monday.isoformat()}T15:00:00-03:00"
    assert body["duration_minutes"] == 60
    assert body["status"] == "confirmed"  # the business booking it has agreed to it
    assert (body["is_confirmed"], body["is_cancelled"], body["is_completed"]) == (True, False, False)
    assert body["service"]["name"] == "Corte"
    assert body["professional_id"] == str(pro.pk)
    assert body["price"] == 50.0
    assert body["client_whatsapp"] == "+5511888888888"


def test_start_time_in_utc_or_naive_means_the_same_instant(auth_client, service, monday):
    utc = create(auth_client, service, at(monday, 10), start_time=f"{monday.isoformat()}T13:00:00Z")
    naive = create(auth_client, service, at(monday, 11), start_time=f"{monday.isoformat()}T11:00:00")
    assert utc.json()["start_time"] == f"{monday.isoformat()}T10:00:00-03:00"
    assert naive.json()["start_time"] == f"{monday.isoformat()}T11:00:00-03:00"


def test_a_given_duration_sets_the_end(auth_client, service, monday):
    response = create(auth_client, service, at(monday, 9), duration=120)
    assert response.status_code == 201
    assert response.json()["end_time"] == f"{monday.isoformat()}T11:00:00-03:00"


def test_overlap_answers_409_with_the_conflicts(auth_client, service, monday):
    first = create(auth_client, service, at(monday, 10)).json()
    response = create(auth_client, service, at(monday, 10), client_name="Outra Pessoa")

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert body["conflicts"] == [{"id": first["id"], "start_time": first["start_time"], "end_time": first["end_time"]}]
    assert Appointment.objects.count() == 1


def test_back_to_back_bookings_do_not_conflict(auth_client, service, monday):
    assert create(auth_client, service, at(monday, 10)).status_code == 201
    assert create(auth_client, service, at(monday, 11)).status_code == 201


def test_any_professional_falls_through_to_a_free_one(auth_client, business, service, pro, monday):
    colleague = ProfessionalFactory(business=business, name="Bia")
    set_hours(colleague, 0, ("09:00", "18:00"))
    first = create(auth_client, service, at(monday, 10)).json()
    second = create(auth_client, service, at(monday, 10)).json()
    third = create(auth_client, service, at(monday, 10))

    assert {first["professional_id"], second["professional_id"]} == {str(pro.pk), str(colleague.pk)}
    assert third.status_code == 409
    assert len(third.json()["conflicts"]) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_id": "00000000-0000-0000-0000-000000000000"}, "service_id"),
        ({"service_id": "not-a-uuid"}, "service_id"),
        ({"start_time": "15/01/2027 14h"}, "start_time"),
        ({"start_time": "2027-02-30T10:00:00"}, "start_time"),
        ({"duration": -30}, "duration"),
        ({"duration": 0}, "duration"),
        ({"duration": "uma hora"}, "duration"),
        ({"client_whatsapp": "123"}, "client_whatsapp"),
        ({"client_email": "joao-at-email"}, "client_email"),
        ({"client_name": "   "}, "client_name"),
        ({"status": "completed"}, "status"),
        ({"professional_id": "00000000-0000-0000-0000-000000000000"}, "professional_id"),
        ({"custom_fields": [1, 2]}, "custom_fields"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(auth_client, service, monday, change, field):
    response = auth_client.post(APPOINTMENTS, {**booking(service, at(monday, 10)), **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Appointment.objects.exists()


def test_another_business_service_is_refused_like_an_unknown_one(auth_client, monday):
    foreign = ServiceFactory(business=BusinessFactory())
    response = create(auth_client, foreign, at(monday, 10))
    assert response.status_code == 400
    assert "service_id" in response.json()


def test_an_inactive_service_is_not_bookable(auth_client, service, monday):
    service.is_active = False
    service.save(update_fields=["is_active"])
    assert create(auth_client, service, at(monday, 10)).status_code == 400


def test_the_business_books_confirmed_unless_it_says_pending(auth_client, service, monday):
    assert create(auth_client, service, at(monday, 9)).json()["status"] == "confirmed"
    assert create(auth_client, service, at(monday, 11), status="pending").json()["status"] == "pending"


def test_a_past_start_must_record_the_visit_as_completed_or_no_show(auth_client, service, monday):
    past = at(monday - timedelta(days=14), 10)
    response = create(auth_client, service, past)
    assert response.status_code == 400
    assert "status" in response.json()
    assert create(auth_client, service, past, status="pending").status_code == 400

    recorded = create(auth_client, service, past, status="completed")
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["status"] == "completed"
    assert not Message.objects.filter(appointment_id=recorded.json()["id"]).exists()  # the client is told nothing


def test_completed_or_no_show_ahead_of_the_start_is_a_400(auth_client, service, monday):
    response = create(auth_client, service, at(monday, 10), status="completed")
    assert response.status_code == 400
    assert "status" in response.json()


def test_outside_hours_is_a_400_not_a_409(auth_client, service, monday):
    response = create(auth_client, service, at(monday, 20))
    assert response.status_code == 400
    assert "start_time" in response.json()


def test_missing_fields_are_listed(auth_client):
    response = auth_client.post(APPOINTMENTS, {}, format="json")
    assert response.status_code == 400
    assert {"service_id", "client_name", "client_whatsapp", "start_time"} <= set(response.json())


# --- read, update, move --------------------------------------------------------------------------
def test_another_business_appointment_is_404_everywhere(auth_client, monday):
    foreign = AppointmentFactory(service=ServiceFactory(business=BusinessFactory()), start_time=at(monday, 10))
    url = f"{APPOINTMENTS}/{foreign.pk}"
    assert auth_client.get(url).status_code == 404
    assert auth_client.patch(url, {"notes": "x"}, format="json").status_code == 404
    assert auth_client.put(url, {"notes": "x"}, format="json").status_code == 404
    assert auth_client.delete(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == AppointmentStatus.CONFIRMED and foreign.notes == ""


def test_get_with_and_without_trailing_slash(auth_client, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10)).json()["id"]
    assert auth_client.get(f"{APPOINTMENTS}/{appointment_id}").status_code == 200
    assert auth_client.get(f"{APPOINTMENTS}/{appointment_id}/").status_code == 200


def test_patch_details_keeps_the_time(auth_client, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10)).json()["id"]
    response = auth_client.patch(
        f"{APPOINTMENTS}/{appointment_id}",
        {"internal_notes": "Prefere tesoura", "client_name": "João S."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["internal_notes"] == "Prefere tesoura"
    assert response.json()["start_time"] == f"{monday.isoformat()}T10:00:00-03:00"


def test_moving_onto_a_busy_time_is_409_and_changes_nothing(auth_client, service, monday):
    create(auth_client, service, at(monday, 10))
    mine = create(auth_client, service, at(monday, 14)).json()

    response = auth_client.put(
        f"{APPOINTMENTS}/{mine['id']}", {"start_time": at(monday, 10).isoformat()}, format="json"
    )
    assert response.status_code == 409
    assert auth_client.get(f"{APPOINTMENTS}/{mine['id']}").json()["start_time"] == mine["start_time"]


def test_moving_over_its_own_old_time_is_allowed(auth_client, service, monday):
    mine = create(auth_client, service, at(monday, 10), duration=120).json()
    response = auth_client.patch(
        f"{APPOINTMENTS}/{mine['id']}", {"start_time": at(monday, 11).isoformat()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["end_time"] == f"{monday.isoformat()}T13:00:00-03:00"


def test_status_walks_the_allowed_path(auth_client, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10)).json()["id"]
    url = f"{APPOINTMENTS}/{appointment_id}"
    assert auth_client.patch(url, {"status": "completed"}, format="json").status_code == 400
    confirmed = auth_client.patch(url, {"status": "confirmed"}, format="json").json()
    assert (confirmed["status"], confirmed["is_confirmed"]) == ("confirmed", True)
    ahead = auth_client.patch(url, {"status": "completed"}, format="json")
    assert ahead.status_code == 400  # two weeks ahead: not a visit yet
    assert "status" in ahead.json()
    time_passes(Appointment.objects.get(pk=appointment_id))
    completed = auth_client.patch(url, {"status": "completed"}, format="json").json()
    assert (completed["status"], completed["is_completed"]) == ("completed", True)
    for status in ("cancelled", "pending", "no_show"):
        response = auth_client.patch(url, {"status": status}, format="json")
        assert response.status_code == 400, status
        assert "status" in response.json()
    assert auth_client.patch(url, {"status": "teleported"}, format="json").status_code == 400


def test_a_finished_appointment_cannot_be_moved(auth_client, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10), status="confirmed").json()["id"]
    url = f"{APPOINTMENTS}/{appointment_id}"
    time_passes(Appointment.objects.get(pk=appointment_id))
    assert auth_client.patch(url, {"status": "no_show"}, format="json").status_code == 200
    response = auth_client.patch(url, {"start_time": at(monday, 15).isoformat()}, format="json")
    assert response.status_code == 400


def test_delete_cancels_keeps_the_row_and_frees_the_time(auth_client, service, monday):
    url = f"{APPOINTMENTS}/{create(auth_client, service, at(monday, 10)).json()['id']}"

    response = auth_client.delete(url, {"reason": "Cliente pediu"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["is_cancelled"] is True
    assert response.json()["cancellation_reason"] == "Cliente pediu"
    assert auth_client.get(url).json()["status"] == "cancelled"
    assert create(auth_client, service, at(monday, 10)).status_code == 201
    assert auth_client.delete(url).status_code == 400  # already cancelled


# --- availability through the API --------------------------------------------------------------------
def test_availability_lists_free_slots_and_the_days_conflicts(auth_client, service, monday):
    taken = create(auth_client, service, at(monday, 10)).json()
    response = auth_client.get(
        "/api/appointments/availability", {"service_id": str(service.pk), "date": monday.isoformat()}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == monday.isoformat()
    assert body["service_id"] == str(service.pk)
    assert body["available_slots"][0] == f"{monday.isoformat()}T09:00:00-03:00"
    assert f"{monday.isoformat()}T10:00:00-03:00" not in body["available_slots"]
    assert body["conflicts"] == [{"id": taken["id"], "start_time": taken["start_time"], "end_time": taken["end_time"]}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service_id": None}, "service_id"),
        ({"service_id": "x"}, "service_id"),
        ({"service_id": "00000000-0000-0000-0000-000000000000"}, "service_id"),
        ({"date": "15/01/2027"}, "date"),
        ({"date": None}, "date"),
        ({"duration": "-5"}, "duration"),
        ({"professional_id": "00000000-0000-0000-0000-000000000000"}, "professional_id"),
    ],
)
def test_availability_bad_query_is_400(auth_client, service, monday, params, field):
    query = {"service_id": str(service.pk), "date": monday.isoformat(), **params}
    response = auth_client.get("/api/appointments/availability", {k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400
    assert field in response.json()


def test_availability_needs_authentication(api_client, service, monday):
    response = api_client.get("/api/appointments/availability", {"service_id": str(service.pk), "date": str(monday)})
    assert response.status_code == 401


# --- lists and figures ---------------------------------------------------------------------------------
def test_list_is_paginated_and_scoped(auth_client, business, service, monday):
    for hour in (9, 10, 11):
        create(auth_client, service, at(monday, hour))
    AppointmentFactory(service=ServiceFactory(business=BusinessFactory()), start_time=at(monday, 9))

    body = auth_client.get(APPOINTMENTS, {"per_page": 2}).json()
    assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (3, 1, 2, 2)
    assert len(body["appointments"]) == 2
    assert auth_client.get(APPOINTMENTS, {"page": 3, "per_page": 2}).json()["appointments"] == []
    assert auth_client.get(APPOINTMENTS, {"per_page": 101}).status_code == 400
    assert auth_client.get(APPOINTMENTS, {"page": "x"}).status_code == 400


def test_list_filters(auth_client, business, service, pro, monday):
    other_service = ServiceFactory(business=business, name="Barba", duration=30)
    colleague = ProfessionalFactory(business=business)
    set_hours(colleague, 1, ("09:00", "18:00"))
    tuesday = monday + timedelta(days=1)
    a = create(auth_client, service, at(monday, 9), client_name="Ana Paula", status="pending").json()
    b = create(
        auth_client, other_service, at(monday, 23 - 13), client_whatsapp="(21) 97777-6543", status="pending"
    ).json()
    c = create(auth_client, service, at(tuesday, 9), professional_id=str(colleague.pk)).json()

    def ids(**params):
        response = auth_client.get(APPOINTMENTS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["appointments"]}

    assert ids(status="confirmed") == {c["id"]}
    assert ids(status=["pending", "confirmed"]) == {a["id"], b["id"], c["id"]}
    assert ids(date_from=monday.isoformat(), date_to=monday.isoformat()) == {a["id"], b["id"]}
    assert ids(date_from=tuesday.isoformat()) == {c["id"]}
    assert ids(service_id=str(other_service.pk)) == {b["id"]}
    assert ids(professional_id=str(colleague.pk)) == {c["id"]}
    assert ids(query="ana") == {a["id"]}
    assert ids(query="97777-6543") == {b["id"]}
    assert ids(query="barba") == {b["id"]}
    for bad in ({"status": "sleeping"}, {"date_from": "ontem"}, {"service_id": "x"}):
        assert auth_client.get(APPOINTMENTS, bad).status_code == 400, bad


def test_date_filters_follow_the_business_day_not_utc(auth_client, service, monday):
    late = AppointmentFactory(service=service, start_time=at(monday, 22))  # 01:00 UTC next day
    ids = {row["id"] for row in auth_client.get(APPOINTMENTS, {"date_to": monday.isoformat()}).json()["appointments"]}
    assert str(late.pk) in ids


def test_list_runs_the_same_queries_for_one_row_or_many(
    auth_client, business, service, monday, django_assert_num_queries
):
    AppointmentFactory(service=service, start_time=at(monday, 9))
    # authentication (membership, login, business, role, revoked token), the page with its total
    with django_assert_num_queries(2) as one_row:
        auth_client.get(APPOINTMENTS, {"per_page": 100})
    for day in range(1, 31):
        AppointmentFactory(service=ServiceFactory(business=business), start_time=at(monday + timedelta(days=day), 9))
    with django_assert_num_queries(len(one_row.captured_queries)):
        response = auth_client.get(APPOINTMENTS, {"per_page": 100})
    assert response.json()["total"] == 31


def test_stats_over_a_range(auth_client, business, service, monday):
    cheap = ServiceFactory(business=business, name="Barba", price="30.00")
    tuesday = monday + timedelta(days=1)
    for start, svc, status in (
        (at(monday, 9), service, AppointmentStatus.COMPLETED),
        (at(monday, 10), service, AppointmentStatus.COMPLETED),
        (at(monday, 11), cheap, AppointmentStatus.COMPLETED),
        (at(monday, 12), cheap, AppointmentStatus.NO_SHOW),
        (at(tuesday, 9), service, AppointmentStatus.CANCELLED),
        (at(tuesday, 10), service, AppointmentStatus.PENDING),
    ):
        AppointmentFactory(service=svc, start_time=start, status=status)
    AppointmentFactory(
        service=service, start_time=at(monday + timedelta(days=7), 9), status=AppointmentStatus.COMPLETED
    )

    response = auth_client.get(
        "/api/appointments/stats", {"date_from": monday.isoformat(), "date_to": tuesday.isoformat()}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 6
    assert body["by_status"] == {"pending": 1, "confirmed": 0, "completed": 3, "cancelled": 1, "no_show": 1}
    assert body["by_day"] == {monday.isoformat(): 4, tuesday.isoformat(): 2}
    assert [(row["name"], row["count"]) for row in body["by_service"]] == [("Corte", 4), ("Barba", 2)]
    assert body["revenue"] == 130.0
    assert body["no_show_rate"] == 0.25
    bad = auth_client.get("/api/appointments/stats", {"date_from": tuesday.isoformat(), "date_to": monday.isoformat()})
    assert bad.status_code == 400


# --- who is told, who did what ------------------------------------------------------------------------
def test_the_owners_own_move_does_not_tell_the_owner(auth_client, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10)).json()["id"]

    response = auth_client.patch(
        f"{APPOINTMENTS}/{appointment_id}", {"start_time": at(monday, 15).isoformat()}, format="json"
    )

    assert response.status_code == 200
    assert not Message.objects.filter(kind=Kind.OWNER_RESCHEDULE).exists()
    assert Message.objects.filter(appointment_id=appointment_id, kind=Kind.CONFIRMATION).count() == 2  # the client


def test_confirming_a_visit_that_has_started_sends_the_client_nothing(auth_client, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10)).json()["id"]
    time_passes(Appointment.objects.get(pk=appointment_id))
    before = Message.objects.filter(appointment_id=appointment_id).count()

    response = auth_client.patch(f"{APPOINTMENTS}/{appointment_id}", {"status": "confirmed"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert Message.objects.filter(appointment_id=appointment_id).count() == before


def test_a_service_whose_assigned_professionals_are_inactive_is_not_offered_with_everyone(
    auth_client, business, service, monday
):
    specialist = ProfessionalFactory(business=business, is_active=False)
    specialist.services.add(service)

    availability = auth_client.get(
        "/api/appointments/availability", {"service_id": str(service.pk), "date": monday.isoformat()}
    )
    assert availability.status_code == 200
    assert availability.json()["available_slots"] == []

    response = create(auth_client, service, at(monday, 10))
    assert response.status_code == 400
    assert "professional_id" in response.json()
    assert not Appointment.objects.exists()


def test_activity_lists_booked_moved_and_cancelled_with_who_did_it(auth_client, client, business, service, monday):
    appointment_id = create(auth_client, service, at(monday, 10)).json()["id"]
    appointment = Appointment.objects.get(pk=appointment_id)
    moved = client.post(
        f"/b/{business.slug}/a/{appointment.manage_token}/",
        {"action": "reschedule", "start_time": at(monday, 15).isoformat()},
    )
    assert moved.status_code == 200
    cancelled = auth_client.delete(f"{APPOINTMENTS}/{appointment_id}", {"reason": "Fechado"}, format="json")
    assert cancelled.status_code == 200

    response = auth_client.get(f"{APPOINTMENTS}/{appointment_id}/activity")

    assert response.status_code == 200
    rows = response.json()["activity"]
    assert [(row["kind"], row["actor"]["kind"], row["actor"]["via"]) for row in rows] == [
        ("booked", "owner", "api"),
        ("moved", "client", "manage_link"),
        ("cancelled", "owner", "api"),
    ]
    assert rows[0]["actor"]["name"] == business.email and rows[1]["actor"]["name"] == "João Silva"
    moved_details = {key: datetime.fromisoformat(value) for key, value in rows[1]["details"].items()}
    assert moved_details == {"from": at(monday, 10), "to": at(monday, 15)}
    assert rows[2]["details"]["reason"] == "Fechado"
    assert {"id", "created_at"} <= set(rows[0])


def test_another_business_appointment_activity_is_404(auth_client, monday):
    foreign = AppointmentFactory(service=ServiceFactory(business=BusinessFactory()), start_time=at(monday, 10))
    assert auth_client.get(f"{APPOINTMENTS}/{foreign.pk}/activity").status_code == 404
