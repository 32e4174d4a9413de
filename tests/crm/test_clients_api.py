"""The clients API: list and search, CRUD, bulk update, history, analytics, LGPD erasure, scoping."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm import services
from crm.models import Client
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ServiceFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

CLIENTS = "/api/clients"
SP = ZoneInfo("America/Sao_Paulo")


def make_client(business, name, whatsapp, **fields):
    client = services.client_find_or_create(business=business, name=name, whatsapp=whatsapp)
    if fields:
        Client.objects.filter(pk=client.pk).update(**fields)
        client.refresh_from_db()
    return client


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["clients"]]


def test_create_and_read_a_client(auth_client):
    response = auth_client.post(
        CLIENTS,
        {"name": "João Silva", "whatsapp": "(11) 98888-8888", "email": "Joao@Email.com", "tags": ["VIP ", "novo"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["whatsapp"], body["email"], body["tags"]) == ("+5511988888888", "joao@email.com", ["vip", "novo"])
    assert body["total_appointments"] == 0 and body["is_regular_customer"] is False
    assert auth_client.get(f"{CLIENTS}/{body['id']}").json()["name"] == "João Silva"


def test_a_second_client_with_the_same_number_is_refused(auth_client, business):
    make_client(business, "Ana", "11988888888")
    response = auth_client.post(CLIENTS, {"name": "Outra", "whatsapp": "+55 11 98888-8888"}, format="json")
    assert response.status_code == 400
    assert "whatsapp" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"whatsapp": "11988888888"}, "name"),
        ({"name": "Ana"}, "whatsapp"),
        ({"name": "Ana", "whatsapp": "12"}, "whatsapp"),
        ({"name": "Ana", "whatsapp": "11988888888", "email": "x"}, "email"),
        ({"name": "Ana", "whatsapp": "11988888888", "birth_date": "31/12/1990"}, "birth_date"),
        ({"name": "Ana", "whatsapp": "11988888888", "tags": "vip"}, "tags"),
        ({"name": "Ana", "whatsapp": "11988888888", "custom_fields": [1]}, "custom_fields"),
        ({"name": "Ana", "whatsapp": "11988888888", "communication_preference": "fax"}, "communication_preference"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(auth_client, body, field):
    response = auth_client.post(CLIENTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Client.objects.exists()


def test_search_by_name_email_or_any_spelling_of_the_number(auth_client, business):
    make_client(business, "João Silva", "11988888888", email="joao@email.com")
    make_client(business, "Maria Souza", "21977776666")
    assert names(auth_client.get(CLIENTS, {"query": "joão"})) == ["João Silva"]
    assert names(auth_client.get(CLIENTS, {"query": "EMAIL.COM"})) == ["João Silva"]
    for spelling in ("98888-8888", "988888888", "(11) 98888", "+55 21 97777"):
        expected = ["Maria Souza"] if "97777" in spelling else ["João Silva"]
        assert names(auth_client.get(CLIENTS, {"query": spelling})) == expected, spelling


def test_filters_and_ordering(auth_client, business):
    make_client(business, "Ana", "11911111111", is_vip=True, total_appointments=5, tags=["vip", "cabelo"])
    make_client(business, "Bia", "11922222222", total_appointments=1, tags=["unha"])
    make_client(business, "Caio", "11933333333", is_active=False, tags=["cabelo-curto"])
    assert names(auth_client.get(CLIENTS, {"is_vip": "true"})) == ["Ana"]
    assert names(auth_client.get(CLIENTS, {"is_active": "false"})) == ["Caio"]
    assert names(auth_client.get(CLIENTS, {"min_appointments": 1})) == ["Ana", "Bia"]
    assert names(auth_client.get(CLIENTS, {"tag": "cabelo"})) == ["Ana"]
    assert names(auth_client.get(CLIENTS, {"tag": "CABELO-CURTO"})) == ["Caio"]
    assert names(auth_client.get(CLIENTS, {"ordering": "-total_appointments"})) == ["Ana", "Bia", "Caio"]
    for bad in ({"ordering": "password"}, {"min_appointments": "muitos"}, {"is_vip": "talvez"}, {"per_page": 500}):
        assert auth_client.get(CLIENTS, bad).status_code == 400, bad


def test_list_shape_and_constant_queries(auth_client, business, django_assert_num_queries):
    make_client(business, "Ana", "11911111111")
    # authentication (membership, login, revoked token), the page with its total
    with django_assert_num_queries(2) as one:
        first = auth_client.get(CLIENTS, {"per_page": 100})
    for n in range(30):
        make_client(business, f"Cliente {n:02d}", f"119{n:08d}")
    with django_assert_num_queries(len(one.captured_queries)):
        body = auth_client.get(CLIENTS, {"per_page": 10, "page": 2}).json()
    assert first.json()["total"] == 1
    assert (body["total"], body["page"], body["per_page"], body["total_pages"], len(body["clients"])) == (
        31,
        2,
        10,
        4,
        10,
    )


def test_update_is_partial_and_figures_are_read_only(auth_client, business):
    client = make_client(business, "Ana", "11911111111")
    url = f"{CLIENTS}/{client.pk}"
    response = auth_client.put(url, {"is_vip": True, "city": "Campinas", "total_appointments": 99}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["is_vip"], body["city"], body["name"], body["total_appointments"]) == (True, "Campinas", "Ana", 0)
    make_client(business, "Bia", "11922222222")
    assert auth_client.patch(url, {"whatsapp": "11922222222"}, format="json").status_code == 400


def test_another_business_client_is_404_everywhere(auth_client, business):
    foreign = make_client(BusinessFactory(), "Alheio", "11955555555")
    mine = make_client(business, "Meu", "11966666666")
    url = f"{CLIENTS}/{foreign.pk}"
    assert auth_client.get(url).status_code == 404
    assert auth_client.put(url, {"name": "x"}, format="json").status_code == 404
    assert auth_client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert auth_client.delete(url).status_code == 404
    assert auth_client.delete(url + "?erase=true").status_code == 404
    assert auth_client.get(url + "/history").status_code == 404
    response = auth_client.post(
        f"{CLIENTS}/bulk-update",
        {"client_ids": [str(mine.pk), str(foreign.pk)], "updates": {"is_vip": True}},
        format="json",
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    mine.refresh_from_db()
    assert foreign.name == "Alheio" and foreign.is_active and not foreign.is_vip
    assert not mine.is_vip  # nothing changed at all


def test_bulk_update(auth_client, business):
    clients = [make_client(business, name, f"1190000000{n}") for n, name in enumerate(("Ana", "Bia", "Caio"))]
    response = auth_client.post(
        f"{CLIENTS}/bulk-update",
        {"client_ids": [str(c.pk) for c in clients[:2]], "updates": {"is_vip": True, "tags": ["promo"]}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"updated": 2}
    assert names(auth_client.get(CLIENTS, {"tag": "promo", "is_vip": "true"})) == ["Ana", "Bia"]
    for bad in (
        {"client_ids": [str(clients[0].pk)], "updates": {"whatsapp": "11999999999"}},
        {"client_ids": [str(clients[0].pk)], "updates": {"is_vip": "sim"}},
        {"client_ids": [str(clients[0].pk)], "updates": {}},
        {"client_ids": [], "updates": {"is_vip": True}},
        {"client_ids": ["x"], "updates": {"is_vip": True}},
    ):
        assert auth_client.post(f"{CLIENTS}/bulk-update", bad, format="json").status_code == 400, bad


def test_delete_erases_a_client_without_history_and_deactivates_one_with(auth_client, business):
    fresh = make_client(business, "Novo", "11911111111")
    regular = make_client(business, "Antigo", "11922222222")
    AppointmentFactory(service=ServiceFactory(business=business), client=regular, status=AppointmentStatus.COMPLETED)

    assert auth_client.delete(f"{CLIENTS}/{fresh.pk}").status_code == 204
    assert not Client.objects.filter(pk=fresh.pk).exists()
    response = auth_client.delete(f"{CLIENTS}/{regular.pk}")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert Appointment.objects.filter(client=regular).count() == 1


def test_lgpd_erase_anonymizes_but_keeps_the_business_figures(auth_client, business):
    client = make_client(business, "Ana Souza", "11988888888")
    Client.objects.filter(pk=client.pk).update(email="ana@x.com", city="Santos", notes="alergia")
    AppointmentFactory(
        service=ServiceFactory(business=business, price=Decimal("70.00")),
        client=client,
        client_name="Ana Souza",
        client_whatsapp="+5511988888888",
        status=AppointmentStatus.COMPLETED,
    )
    services.client_metrics_refresh(client=client)

    response = auth_client.delete(f"{CLIENTS}/{client.pk}?erase=true")
    assert response.status_code == 200
    body = response.json()
    assert "Ana" not in str(body) and "8888" not in str(body) and "Santos" not in str(body)
    assert body["erased_at"] is not None
    assert (body["total_appointments"], body["total_spent"]) == (1, 70.0)
    appointment = Appointment.objects.get(client=client)
    assert "Ana" not in appointment.client_name and "8888" not in appointment.client_whatsapp
    stats = auth_client.get("/api/services/stats").json()
    assert stats["totals"]["revenue"] == 70.0
    # The same person booking again is a new client record.
    again = services.client_find_or_create(business=business, name="Ana", whatsapp="11988888888")
    assert again.pk != client.pk


def test_history_is_newest_first_with_service_status_and_figures(auth_client, business):
    client = make_client(business, "Ana", "11911111111")
    corte = ServiceFactory(business=business, name="Corte")
    barba = ServiceFactory(business=business, name="Barba")
    base = datetime(2027, 1, 4, 10, tzinfo=SP)
    for days, service, status in ((0, corte, "completed"), (7, barba, "cancelled"), (14, corte, "confirmed")):
        AppointmentFactory(service=service, client=client, start_time=base + timedelta(days=days), status=status)
    services.client_metrics_refresh(client=client)

    body = auth_client.get(f"{CLIENTS}/{client.pk}/history").json()
    assert [(row["service"]["name"], row["status"]) for row in body["appointments"]] == [
        ("Corte", "confirmed"),
        ("Barba", "cancelled"),
        ("Corte", "completed"),
    ]
    assert body["client"]["total_appointments"] == 3
    assert body["total"] == 3


def test_analytics_overview_equals_hand_computed_values(auth_client, business):
    corte = ServiceFactory(business=business, name="Corte")
    barba = ServiceFactory(business=business, name="Barba")
    ana = make_client(business, "Ana", "11911111111", is_vip=True)
    bia = make_client(business, "Bia", "11922222222")
    make_client(business, "Caio", "11933333333", is_active=False)
    base = datetime(2027, 1, 4, 10, tzinfo=SP)
    for days, client, service in ((0, ana, corte), (7, ana, corte), (14, ana, barba), (21, bia, barba)):
        AppointmentFactory(service=service, client=client, start_time=base + timedelta(days=days))
    for client in (ana, bia):
        services.client_metrics_refresh(client=client)
    Client.objects.filter(business=business).update(created_at=datetime(2026, 10, 15, 12, tzinfo=SP))
    Client.objects.filter(pk=bia.pk).update(created_at=datetime(2026, 12, 1, 1, tzinfo=SP))  # 04:00 UTC

    body = auth_client.get(f"{CLIENTS}/analytics/overview").json()
    assert (body["total_clients"], body["active_clients"], body["inactive_clients"]) == (3, 2, 1)
    assert (body["vip_clients"], body["clients_with_appointments"]) == (1, 2)
    assert body["average_appointments_per_client"] == 1.33  # 4 appointments / 3 clients
    assert [row["name"] for row in body["most_frequent_clients"]] == ["Ana", "Bia"]
    assert body["top_preferred_services"] == {"Corte": 1, "Barba": 1}
    assert body["clients_by_creation_month"] == {"2026-10": 2, "2026-12": 1}


def test_analytics_of_a_business_without_clients(auth_client):
    body = auth_client.get(f"{CLIENTS}/analytics/overview").json()
    assert body["total_clients"] == 0 and body["average_appointments_per_client"] == 0.0


def test_booking_for_a_known_client_by_id(auth_client, business, monday):
    client = make_client(business, "Ana", "11911111111")
    service = ServiceFactory(business=business)
    response = auth_client.post(
        "/api/appointments",
        {"service_id": str(service.pk), "client_id": str(client.pk), "start_time": at(monday, 10).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["client_id"] == str(client.pk)
    assert response.json()["client_whatsapp"] == "+5511911111111"
    listed = auth_client.get("/api/appointments", {"client_id": str(client.pk)}).json()
    assert listed["total"] == 1
    foreign = make_client(BusinessFactory(), "X", "11900000000")
    response = auth_client.post(
        "/api/appointments",
        {"service_id": str(service.pk), "client_id": str(foreign.pk), "start_time": at(monday, 11).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "client_id" in response.json()
