"""Recurring series under concurrency, on PostgreSQL: an occurrence the database refuses (another
booking won its time) is skipped with what is in the way, and the rest of the series is kept."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from scheduling.models import Appointment, AppointmentStatus
from scheduling.services import booking
from tests.factories import AppointmentFactory
from tests.helpers import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def api(business) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=business.owner_login)['access_token']}")
    return client


def series_body(service, start, count) -> dict:
    return {
        "service_id": str(service.pk),
        "client_name": "Cliente",
        "client_whatsapp": "+5511988887777",
        "start_time": start.isoformat(),
        "recurrence": {"every_weeks": 1, "count": count},
    }


def test_an_occurrence_refused_by_the_constraint_is_skipped_and_the_others_kept(business, service, monday, monkeypatch):
    # The time looked free when read (as when another transaction books it just after), so
    # only the exclusion constraint stands in the way of the second week.
    monkeypatch.setattr(booking, "slot_refusal", lambda *args, **kwargs: None)
    taken = AppointmentFactory(service=service, start_time=at(monday + timedelta(weeks=1), 10))

    response = api(business).post("/api/appointments", series_body(service, at(monday, 10), 3), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["appointments"]) == 2
    [skipped] = body["skipped"]
    assert skipped["code"] == "taken"
    assert [conflict["id"] for conflict in skipped["conflicts"]] == [str(taken.pk)]


def test_two_overlapping_series_at_once_book_each_date_once(business, service, monday):
    token_client = [api(business), api(business)]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def attempt(client, start):
        barrier.wait()
        try:
            statuses.append(client.post("/api/appointments", series_body(service, start, 4), format="json").status_code)
        finally:
            connection.close()

    # One starts a week later: they overlap on three dates.
    threads = [
        threading.Thread(target=attempt, args=(token_client[0], at(monday, 10))),
        threading.Thread(target=attempt, args=(token_client[1], at(monday + timedelta(weeks=1), 10))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(statuses) <= {201, 409} and 201 in statuses
    starts = list(Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).values_list("start_time", flat=True))
    assert len(starts) == len(set(starts)) == 5  # five distinct weeks, each booked once
