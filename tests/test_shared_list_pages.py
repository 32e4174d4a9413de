"""The API's list pages shared from the cache for a minute: served again in the query of
authentication alone, and computed afresh on the very next request after any change they show.

These tests commit (transaction=True): the cache keeps only what a transaction committed.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User
from accounts.services import tokens_issue
from crm.models import Client
from tests.factories import AppointmentFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import at, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)

APPOINTMENTS, CLIENTS = "/api/appointments", "/api/clients"


def bearer(user, membership=None) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user, membership=membership)['access_token']}")
    return api


@pytest.fixture
def salon(business):
    service = ServiceFactory(business=business, name="Corte", duration=30)
    ana = Client.objects.create(business=business, name="Ana", whatsapp="+5511999990001")
    AppointmentFactory(
        business=business, service=service, client=ana, client_name="Ana", start_time=at(next_weekday(1), 10)
    )
    return business, service, ana, bearer(business.owner_login)


def get(api, path, params=None) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params or {})
    assert response.status_code == 200, response.content
    return response.json(), len(captured)


@pytest.mark.parametrize("path", [APPOINTMENTS, CLIENTS, "history"])
def test_the_same_page_again_costs_only_authentication(salon, path):
    business, service, ana, api = salon
    path = f"{CLIENTS}/{ana.pk}/history" if path == "history" else path
    first, computed = get(api, path)
    again, cached = get(api, path)
    assert again == first
    assert cached == 1 < computed


def test_a_search_is_computed_each_time(salon):
    business, service, ana, api = salon
    get(api, CLIENTS, {"query": "Ana"})
    _body, queries = get(api, CLIENTS, {"query": "Ana"})
    assert queries > 1


def test_a_booking_shows_in_every_list_on_the_next_request(salon):
    business, service, ana, api = salon
    history = f"{CLIENTS}/{ana.pk}/history"
    before = {path: get(api, path)[0] for path in (APPOINTMENTS, CLIENTS, history)}
    body = {
        "service_id": str(service.pk),
        "start_time": at(next_weekday(2), 15).isoformat(),
        "client_id": str(ana.pk),
    }
    assert api.post(f"{APPOINTMENTS}/", body, format="json").status_code == 201
    assert get(api, APPOINTMENTS)[0]["total"] == before[APPOINTMENTS]["total"] + 1
    assert get(api, history)[0]["total"] == before[history]["total"] + 1
    (listed,) = get(api, CLIENTS)[0]["clients"]
    # The booking refreshed the client's figures, which now count both appointments.
    assert before[CLIENTS]["clients"][0]["total_appointments"] != listed["total_appointments"] == 2


def test_a_client_edited_shows_on_the_next_request(salon):
    business, service, ana, api = salon
    assert get(api, CLIENTS)[0]["clients"][0]["name"] == "Ana"
    assert api.patch(f"{CLIENTS}/{ana.pk}", {"name": "Ana Lima"}, format="json").status_code == 200
    assert get(api, CLIENTS)[0]["clients"][0]["name"] == "Ana Lima"
    assert get(api, f"{CLIENTS}/{ana.pk}/history")[0]["client"]["name"] == "Ana Lima"


def test_a_bulk_update_shows_on_the_next_request(salon):
    business, service, ana, api = salon
    assert get(api, CLIENTS)[0]["clients"][0]["is_vip"] is False
    body = {"client_ids": [str(ana.pk)], "updates": {"is_vip": True}}
    assert api.post(f"{CLIENTS}/bulk-update", body, format="json").status_code == 200
    assert get(api, CLIENTS)[0]["clients"][0]["is_vip"] is True


def test_an_erased_client_leaves_the_appointment_list_on_the_next_request(salon):
    business, service, ana, api = salon
    assert get(api, APPOINTMENTS)[0]["appointments"][0]["client_name"] == "Ana"
    assert api.delete(f"{CLIENTS}/{ana.pk}?erase=true").status_code == 200
    assert get(api, APPOINTMENTS)[0]["appointments"][0]["client_name"] != "Ana"


def test_a_member_limited_to_its_agenda_never_gets_the_owners_page(salon):
    business, service, ana, owner = salon
    other = ProfessionalFactory(business=business, name="Bia")
    login = User.objects.create_user("bia@exemplo.com.br", "senha-forte-2026")
    membership = Membership.objects.create(user=login, business=business, role=Role.PROFESSIONAL, professional=other)
    assert get(owner, APPOINTMENTS)[0]["total"] == 1
    assert get(bearer(login, membership), APPOINTMENTS)[0]["total"] == 0
