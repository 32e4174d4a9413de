"""Two waiting clients claim the same freed time at the same instant: real transactions on PostgreSQL."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from notifications.models import Kind, Message
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus, WaitlistOffer
from tests.helpers import as_owner, at, set_hours

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def claim_at_once(tokens: list[str]) -> list[tuple[int, dict]]:
    answers: list[tuple[int, dict]] = []
    barrier = threading.Barrier(len(tokens))

    def attempt(token):
        client = APIClient()
        barrier.wait()
        try:
            response = client.post("/api/waitlist/claim", {"token": token}, format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers, key=lambda answer: answer[0])


def test_two_claims_at_once_book_once_and_the_other_hears_it_is_taken(business, service, pro, monday):
    set_hours(pro, 0, ("09:00", "10:00"))
    booked = services.appointment_book(
        business=business,
        actor=as_owner(business),
        service_id=service.pk,
        start_time=at(monday, 9),
        client_name="Cliente",
        client_whatsapp="+5511988880000",
    )
    for n in (1, 2):
        services.waitlist_join(
            business=business,
            ip_address="10.0.0.1",
            service_id=service.pk,
            day=monday,
            client_name=f"Espera {n}",
            client_whatsapp=f"+551197777000{n}",
            consent_whatsapp=True,
        )
    services.appointment_cancel(appointment=booked, actor=as_owner(business))

    answers = claim_at_once(list(WaitlistOffer.objects.values_list("token", flat=True)))

    assert [status for status, _body in answers] == [201, 409]
    assert "alguém já ficou com este horário" in answers[1][1]["detail"]
    live = Appointment.objects.filter(start_time=at(monday, 9)).exclude(status=AppointmentStatus.CANCELLED)
    assert live.count() == 1
    assert str(live.get().pk) == answers[0][1]["id"]
    loser = WaitlistOffer.objects.exclude(entry__client_whatsapp=live.get().client_whatsapp).get()
    assert loser.status == "taken_by_other"
    assert Message.objects.filter(kind=Kind.WAITLIST_TAKEN, recipient=loser.entry.client_whatsapp).count() == 1
