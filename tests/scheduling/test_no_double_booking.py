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


def test_a_new_number_created_meanwhile_by_another_transaction_is_found(business, service, monday, monkeypatch):
    """The new client's insert takes no savepoint: when another transaction creates the same number
    between the booking's look-up and its insert, the booking is tried again and finds that client."""
    from billing.services import PlanGate
    from crm.models import Client

    check = PlanGate.check
    created_meanwhile = []

    def check_then_someone_else_creates_the_client(gate, resource, amount=1):
        check(gate, resource, amount)
        if resource == "clients" and not created_meanwhile:
            thread = threading.Thread(target=create_elsewhere)
            thread.start()
            thread.join()

    def create_elsewhere():
        try:
            created_meanwhile.append(Client.objects.create(business=business, name="Ana", whatsapp="+5511988887777"))
        finally:
            connection.close()

    monkeypatch.setattr(PlanGate, "check", check_then_someone_else_creates_the_client)
    token = tokens_issue(user=business.owner_login)["access_token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api.post("/api/appointments", body(service, at(monday, 10)), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["client_id"] == str(created_meanwhile[0].pk)
    assert Client.objects.filter(business=business).count() == 1
