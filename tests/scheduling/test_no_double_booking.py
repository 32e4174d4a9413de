"""No double booking under concurrency: real transactions on PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, ProfessionalFactory
from tests.helpers import at, set_hours

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(business, body: dict, attempts: int) -> list[int]:
    """POST the same booking from `attempts` threads released at the same instant."""
    token = tokens_issue(user=business.owner_login)["access_token"]
    statuses: list[int] = []
    barrier = threading.Barrier(attempts)

    def attempt():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            statuses.append(client.post("/api/appointments", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def body(service, start) -> dict:
    return {
        "service_id": str(service.pk),
        "client_name": "Cliente",
        "client_whatsapp": "+5511988887777",
        "start_time": start.isoformat(),
    }


def test_twenty_concurrent_requests_for_one_slot_make_one_booking(business, service, monday):
    statuses = race(business, body(service, at(monday, 10)), attempts=20)

    assert sorted(statuses) == [201] + [409] * 19
    assert Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).count() == 1


def test_concurrent_any_professional_requests_fill_each_professional_once(business, service, monday):
    for _ in range(2):
        set_hours(ProfessionalFactory(business=business), 0, ("09:00", "18:00"))

    statuses = race(business, body(service, at(monday, 10)), attempts=12)

    assert sorted(statuses) == [201] * 3 + [409] * 9
    booked = Appointment.objects.filter(start_time=at(monday, 10)).values_list("professional_id", flat=True)
    assert len(set(booked)) == 3


def test_the_database_refuses_an_overlap_written_around_the_services(business, service, monday):
    AppointmentFactory(service=service, start_time=at(monday, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(service=service, start_time=at(monday, 10, 30))
    # Cancelled rows and the buffer range are what the constraint looks at.
    AppointmentFactory(service=service, start_time=at(monday, 10, 30), status=AppointmentStatus.CANCELLED)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            service=service, start_time=at(monday, 8), blocks_until=at(monday, 10) + timedelta(minutes=1)
        )
