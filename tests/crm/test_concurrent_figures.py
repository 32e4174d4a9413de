"""A client's figures count every change made at once: real transactions on PostgreSQL.

Bookings of one business are also serialized by the plan check's lock on the business row, so
the cancellations (which take no such lock) are what shows the client row lock at work.
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from crm.models import Client
from scheduling import services as scheduling
from scheduling.models import Appointment
from tests.factories import ProfessionalFactory, ServiceFactory
from tests.helpers import as_owner, at, set_hours

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NUMBER = "+5511988887777"


def at_once(jobs) -> list:
    """Run each job in its own thread (own connection), all released at the same instant."""
    results: list = []
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        try:
            results.append(job())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_bookings_of_one_client_count_every_one(business, monday):
    professionals = [business.professionals.get(is_owner=True)]
    for _ in range(3):
        professional = ProfessionalFactory(business=business)
        set_hours(professional, 0, ("09:00", "18:00"))
        professionals.append(professional)
    token = tokens_issue(user=business.owner_login)["access_token"]

    def booking(index: int):
        body = {
            "service_id": str(ServiceFactory(business=business).pk),  # one each: no shared service lock
            "professional_id": str(professionals[index % 4].pk),
            "client_name": "Ana Souza",
            "client_whatsapp": NUMBER,
            "start_time": at(monday, 9 + index // 4).isoformat(),
        }

        def post():
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            return api.post("/api/appointments", body, format="json").status_code

        return post

    Client.objects.create(business=business, name="Ana Souza", whatsapp=NUMBER)
    jobs = [booking(index) for index in range(12)]

    assert at_once(jobs) == [201] * 12
    client = Client.objects.get(business=business)
    assert client.total_appointments == Appointment.objects.filter(client=client).count() == 12


def test_concurrent_cancellations_of_one_client_count_every_one(business, monday):
    service = ServiceFactory(business=business)
    appointments = [
        scheduling.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, 9 + index),
            client_name="Ana Souza",
            client_whatsapp=NUMBER,
        )
        for index in range(8)
    ]

    def cancel(appointment):
        return lambda: scheduling.appointment_cancel(appointment=appointment, actor=as_owner(business)).status

    assert at_once([cancel(appointment) for appointment in appointments]) == ["cancelled"] * 8
    client = Client.objects.get(business=business)
    assert (client.total_appointments, client.cancelled_appointments) == (8, 8)
    assert client.last_appointment_at is None  # cancelled visits are not visits
