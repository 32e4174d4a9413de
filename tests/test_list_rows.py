"""The three list paths write their rows by hand (scheduling/api/rows.py, crm/api/rows.py): the JSON
must stay, byte for byte, what the serializers that document them write for the same rows.

A field added to, removed from or reformatted in a serializer (or in a row function) fails here.
"""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from agendazap.seeding import seed_businesses
from crm.api.serializers import ClientSerializer
from crm.models import Client
from scheduling.api.serializers import AppointmentSerializer, ClientHistoryAppointmentSerializer
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ServiceFactory
from tests.test_list_query_budgets import bearer

pytestmark = pytest.mark.django_db


def former(serializer_class, rows, business, *, many=True) -> bytes:
    """What the serializer writes for `rows`, in the business's zone as the API does."""
    with timezone.override(ZoneInfo(business.timezone)):
        return JSONRenderer().render(serializer_class(rows, many=many).data)


def written(value) -> bytes:
    """A response's rows rendered again: key order and number formats survive `json.loads`."""
    return JSONRenderer().render(value)


def in_order(model, ids):
    found = model.objects.in_bulk(ids)
    return [found[model._meta.pk.to_python(pk)] for pk in ids]


def odd_rows(business):
    """Rows at the edges of each field's format: no price, fractions of a second, a cancelled
    visit, a client confirmation, custom fields with accents, a client's figures and personal data."""
    free = ServiceFactory(business=business, name="Avaliação", price=None, duration=45)
    start = timezone.now().replace(microsecond=123456) - timedelta(days=3)
    AppointmentFactory(
        service=free,
        start_time=start,
        price=None,
        status=AppointmentStatus.CANCELLED,
        cancelled_at=start - timedelta(hours=5, microseconds=7),
        cancellation_reason="Chuva — remarcar",
        custom_fields={"alergia": "látex", "retorno": True, "nível": 2},
        notes="Cliente prefere\u2028manhã",
        client_confirmed_at=start - timedelta(days=1),
    )
    AppointmentFactory(
        service=ServiceFactory(business=business, price=Decimal("1234.50")),
        start_time=start + timedelta(hours=2),
        price=Decimal("0.10"),
        status=AppointmentStatus.COMPLETED,
        buffer_minutes=15,
        client_email="ana@exemplo.com.br",
    )
    client = Client.objects.filter(business=business).order_by("name").first()
    Client.objects.filter(pk=client.pk).update(
        birth_date=date(1990, 2, 28),
        tags=["vip", "manhã"],
        custom_fields={"indicação": "Maria"},
        total_spent=Decimal("1999.99"),
        average_ticket=Decimal("66.67"),
        frequency_score=87.5,
        completed_appointments=12,
        last_payment_at=datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        preferred_days=[1, 3],
        preferred_times=["morning"],
    )


@pytest.fixture(params=["America/Sao_Paulo", "UTC"], ids=["Sao Paulo", "UTC (written with Z)"])
def varied(request):
    """A business with a seeded history and the odd rows, in a zone behind UTC or in UTC itself."""
    seed_businesses(businesses=1, appointments=300)
    business = Client.objects.order_by("-total_appointments").first().business
    business.timezone = request.param
    business.save(update_fields=["timezone"])
    odd_rows(business)
    return business


def test_the_appointment_list_writes_what_the_appointment_serializer_writes(varied):
    api = bearer(varied.owner_login)
    lately = (timezone.now() - timedelta(days=4)).date().isoformat()
    for params in (
        {"per_page": 100},
        {"per_page": 100, "page": 2},
        {"status": "cancelled", "per_page": 100},
        {"date_from": lately, "per_page": 100},  # the odd rows
    ):
        rows = api.get("/api/appointments", params).json()["appointments"]

        assert rows
        appointments = in_order(Appointment, [row["id"] for row in rows])
        assert written(rows) == former(AppointmentSerializer, appointments, varied)


def test_the_client_list_writes_what_the_client_serializer_writes(varied):
    api = bearer(varied.owner_login)
    for params in ({"per_page": 100}, {"per_page": 100, "ordering": "-total_spent"}):
        rows = api.get("/api/clients", params).json()["clients"]

        assert rows
        assert written(rows) == former(ClientSerializer, in_order(Client, [row["id"] for row in rows]), varied)


def test_the_client_history_writes_what_its_serializers_write(varied):
    api = bearer(varied.owner_login)
    busiest = list(Client.objects.filter(business=varied).order_by("-total_appointments", "name")[:4])
    for client in [*busiest, Client.objects.filter(business=varied).order_by("name").first()]:
        body = api.get(f"/api/clients/{client.pk}/history", {"per_page": 100}).json()

        assert body["appointments"]
        appointments = in_order(Appointment, [row["id"] for row in body["appointments"]])
        assert written(body["appointments"]) == former(ClientHistoryAppointmentSerializer, appointments, varied)
        assert written(body["client"]) == former(ClientSerializer, Client.objects.get(pk=client.pk), varied, many=False)
        assert list(body) == ["client", "appointments", "total", "page", "per_page", "total_pages"]


def test_the_odd_rows_are_among_those_compared(varied):
    """The comparisons above see the formats that could drift: nulls, fractions of a second, accents."""
    body = json.loads(bearer(varied.owner_login).get("/api/appointments", {"query": "Avaliação"}).content)
    free = next(row for row in body["appointments"] if row["service"]["price"] is None)

    assert free["price"] is None
    assert free["custom_fields"] == {"alergia": "látex", "retorno": True, "nível": 2}
    assert ".123456" in free["start_time"]
    assert free["is_cancelled"] is True and free["is_confirmed"] is False


def test_a_page_past_the_end_and_a_business_without_rows_keep_the_envelope():
    business = BusinessFactory()
    api = bearer(business.owner_login)

    assert api.get("/api/appointments").json() == {
        "appointments": [],
        "total": 0,
        "page": 1,
        "per_page": 20,
        "total_pages": 0,
    }
    AppointmentFactory(service=ServiceFactory(business=business))
    assert api.get("/api/clients", {"page": 3, "per_page": 1}).json() == {
        "clients": [],
        "total": 1,
        "page": 3,
        "per_page": 1,
        "total_pages": 1,
    }
