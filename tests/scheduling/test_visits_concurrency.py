"""Visits under concurrency: every part or none, on PostgreSQL (real transactions)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from scheduling.models import Appointment, Visit
from scheduling.services import visits
from tests.factories import AppointmentFactory, ServiceFactory
from tests.helpers import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def visit_body(services, start) -> dict:
    return {
        "service_ids": [str(service.pk) for service in services],
        "client_name": "Cliente",
        "client_whatsapp": "+5511988887777",
        "start_time": start.isoformat(),
    }


def race(business, bodies: list[dict]) -> list[int]:
    """POST each body from its own thread, all released at the same instant."""
    token = tokens_issue(user=business.owner_login)["access_token"]
    statuses: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def attempt(body):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            statuses.append(client.post("/api/appointments", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_overlapping_visits_booked_at_once_one_wins_and_the_loser_writes_nothing(business, service, monday):
    beard = ServiceFactory(business=business, name="Barba", duration=30)
    # Corte 10:00-11:00 then Barba 11:00-11:30, against Barba 10:30-11:00 then Corte 11:00-12:00.
    first = visit_body([service, beard], at(monday, 10))
    second = visit_body([beard, service], at(monday, 10, 30))

    for _ in range(3):
        statuses = race(business, [first, second])
        assert sorted(statuses) == [201, 409]
        assert Visit.objects.count() == 1
        assert Appointment.objects.count() == 2  # both parts of the winner, none of the loser
        assert {a.visit_id for a in Appointment.objects.all()} == {Visit.objects.get().pk}
        Appointment.objects.all().delete()
        Visit.objects.all().delete()


def test_a_part_refused_by_the_database_rolls_back_the_parts_before_it(business, service, monday, monkeypatch):
    """The exclusion constraint is the last word: if the checks were fooled (a booking committed
    after they read), the part in the way fails the insert and the whole visit rolls back."""
    beard = ServiceFactory(business=business, name="Barba", duration=30)
    taken = AppointmentFactory(business=business, service=beard, start_time=at(monday, 11))

    def blind_plan(days, parts, start, rules, **kwargs):
        for day in days.values():
            day.busy = []  # as if read before the booking in the way committed
        return visits_plan(days, parts, start, rules, **kwargs)

    visits_plan = visits.visit_plan
    monkeypatch.setattr(visits, "visit_plan", blind_plan)
    token = tokens_issue(user=business.owner_login)["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api.post("/api/appointments", visit_body([service, beard], at(monday, 10)), format="json")

    assert response.status_code == 409, response.content
    assert [conflict["id"] for conflict in response.json()["conflicts"]] == [str(taken.pk)]
    assert Visit.objects.count() == 0
    assert list(Appointment.objects.all()) == [taken]
