"""Professionals, weekly hours, time off and booking rules through the API."""

from datetime import timedelta

import pytest

from scheduling.models import Professional
from tests.factories import BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import at, set_rules

pytestmark = pytest.mark.django_db

AVAILABILITY = "/api/appointments/availability"


def offered(client, service, day, **params) -> list[str]:
    response = client.get(AVAILABILITY, {"service_id": str(service.pk), "date": day.isoformat(), **params})
    assert response.status_code == 200, response.json()
    return [slot[11:16] for slot in response.json()["available_slots"]]


def test_a_new_business_has_its_owner_as_professional_with_default_hours(auth_client, business):
    body = auth_client.get("/api/professionals").json()
    assert body["total"] == 1
    (me,) = body["professionals"]
    assert me["is_owner"] is True
    assert {"weekday": 5, "start_time": "09:00", "end_time": "13:00"} in me["working_hours"]
    assert len(me["working_hours"]) == 6


def test_add_a_professional_who_does_some_services(auth_client, business, service, monday):
    business.plan_type = "starter"  # the free plan has room for the owner only
    business.save(update_fields=["plan_type"])
    response = auth_client.post("/api/professionals", {"name": "Bia", "service_ids": [str(service.pk)]}, format="json")
    assert response.status_code == 201
    assert response.json()["service_ids"] == [str(service.pk)]
    assert auth_client.post("/api/professionals", {"name": ""}, format="json").status_code == 400
    foreign = ServiceFactory(business=BusinessFactory())
    bad = auth_client.post("/api/professionals", {"name": "Caio", "service_ids": [str(foreign.pk)]}, format="json")
    assert bad.status_code == 400
    assert "service_ids" in bad.json()


def test_replacing_hours_with_a_break_changes_availability(auth_client, pro, service, monday):
    set_rules(service.business, slot_interval_minutes=None)  # a start every service length
    url = f"/api/professionals/{pro.pk}/hours"
    week = {
        "intervals": [
            {"weekday": 0, "start_time": "08:00", "end_time": "12:00"},
            {"weekday": 0, "start_time": "14:00", "end_time": "16:00"},
        ]
    }
    response = auth_client.put(url, week, format="json")
    assert response.status_code == 200
    assert auth_client.get(url).json() == week
    assert offered(auth_client, service, monday) == ["08:00", "09:00", "10:00", "11:00", "14:00", "15:00"]
    assert offered(auth_client, service, monday + timedelta(days=1)) == []


@pytest.mark.parametrize(
    "intervals",
    [
        [{"weekday": 0, "start_time": "12:00", "end_time": "09:00"}],
        [
            {"weekday": 0, "start_time": "09:00", "end_time": "12:00"},
            {"weekday": 0, "start_time": "11:00", "end_time": "13:00"},
        ],
        [{"weekday": 7, "start_time": "09:00", "end_time": "12:00"}],
        [{"weekday": 0, "start_time": "9h", "end_time": "12:00"}],
    ],
    ids=["end-before-start", "overlap", "bad-weekday", "bad-time"],
)
def test_invalid_hours_are_refused_and_keep_the_old_week(auth_client, pro, intervals):
    url = f"/api/professionals/{pro.pk}/hours"
    before = auth_client.get(url).json()
    assert auth_client.put(url, {"intervals": intervals}, format="json").status_code == 400
    assert auth_client.get(url).json() == before


def test_time_off_for_the_business_and_for_one_professional(auth_client, business, pro, service, monday):
    set_rules(business, slot_interval_minutes=None)  # a start every service length
    response = auth_client.post(
        "/api/time-off",
        {"start_time": at(monday, 12).isoformat(), "end_time": at(monday, 18).isoformat(), "reason": "Feriado"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["professional_id"] is None
    assert offered(auth_client, service, monday) == ["09:00", "10:00", "11:00"]

    tuesday = monday + timedelta(days=1)
    vacation = auth_client.post(
        "/api/time-off",
        {
            "professional_id": str(pro.pk),
            "start_time": f"{tuesday.isoformat()}T00:00:00",
            "end_time": f"{(tuesday + timedelta(days=1)).isoformat()}T00:00:00",
        },
        format="json",
    ).json()
    assert vacation["start_time"] == f"{tuesday.isoformat()}T00:00:00-03:00"
    assert offered(auth_client, service, tuesday) == []

    assert auth_client.delete(f"/api/time-off/{vacation['id']}").status_code == 204
    assert len(offered(auth_client, service, tuesday)) == 9


def test_time_off_bad_input_and_scoping(auth_client, monday):
    backwards = {"start_time": at(monday, 18).isoformat(), "end_time": at(monday, 9).isoformat()}
    assert auth_client.post("/api/time-off", backwards, format="json").status_code == 400
    assert auth_client.post("/api/time-off", {"start_time": "amanhã"}, format="json").status_code == 400
    foreign_pro = ProfessionalFactory(business=BusinessFactory())
    response = auth_client.post(
        "/api/time-off",
        {**backwards, "start_time": at(monday, 8).isoformat(), "professional_id": str(foreign_pro.pk)},
        format="json",
    )
    assert response.status_code == 400
    assert "professional_id" in response.json()


def test_booking_rules_change_what_is_offered(auth_client, service, monday):
    assert auth_client.get("/api/booking-rules").json()["min_notice_minutes"] == 60
    response = auth_client.patch("/api/booking-rules", {"slot_interval_minutes": 30}, format="json")
    assert response.status_code == 200
    assert offered(auth_client, service, monday)[:3] == ["09:00", "09:30", "10:00"]
    assert auth_client.patch("/api/booking-rules", {"slot_interval_minutes": 2}, format="json").status_code == 400
    assert auth_client.patch("/api/booking-rules", {"online_booking_status": "x"}, format="json").status_code == 400
    assert auth_client.put("/api/booking-rules", {"max_days_ahead": 0}, format="json").status_code == 400


def test_another_business_professional_is_404(auth_client):
    foreign = ProfessionalFactory(business=BusinessFactory())
    for url in (f"/api/professionals/{foreign.pk}", f"/api/professionals/{foreign.pk}/hours"):
        assert auth_client.get(url).status_code == 404
    assert auth_client.patch(f"/api/professionals/{foreign.pk}", {"name": "x"}, format="json").status_code == 404
    assert auth_client.delete(f"/api/professionals/{foreign.pk}").status_code == 404
    assert Professional.objects.get(pk=foreign.pk).is_active


def test_deactivating_a_professional_removes_them_from_availability(auth_client, business, pro, service, monday):
    colleague = ProfessionalFactory(business=business)
    assert auth_client.delete(f"/api/professionals/{colleague.pk}").status_code == 204
    assert auth_client.delete(f"/api/professionals/{pro.pk}").status_code == 400  # the owner stays
    listed = auth_client.get("/api/professionals").json()["professionals"]
    assert [row["id"] for row in listed] == [str(pro.pk)]
