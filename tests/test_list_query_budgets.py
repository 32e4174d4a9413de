"""The API's list paths run the same few queries whatever the page size and however long the history.

Counted through the API with a bearer token, authentication included; the large business is
written by the seeder (`agendazap.seeding`), the small one by the factories.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from agendazap.seeding import seed_businesses
from crm.models import Client
from scheduling.models import AppointmentStatus
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

# Authentication (the token not revoked, its login and its membership, in one query), and the page
# with its total (agendazap.api.pagination.paginate_values).
LIST_BUDGET = 2
HISTORY_BUDGET = 3  # and the client


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user)['access_token']}")
    return client


def list_paths(client_id) -> dict[str, tuple[str, dict, int]]:
    return {
        "appointments": ("/api/appointments", {}, LIST_BUDGET),
        "appointments, filtered": (
            "/api/appointments",
            {"status": [AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED], "query": "a"},
            LIST_BUDGET,
        ),
        "clients": ("/api/clients", {}, LIST_BUDGET),
        "clients, filtered": ("/api/clients", {"is_active": "true", "ordering": "-last_appointment_at"}, LIST_BUDGET),
        "client history": (f"/api/clients/{client_id}/history", {}, HISTORY_BUDGET),
    }


def queries(api: APIClient, path: str, params: dict, per_page: int) -> tuple[int, int]:
    """The number of queries one request runs, and the number of rows it listed."""
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, {**params, "per_page": per_page})
    assert response.status_code == 200, response.content
    body = response.json()
    rows = next(value for value in body.values() if isinstance(value, list))
    return len(captured), len(rows)


@pytest.fixture
def large():
    """A business with a long history: 600 appointments, its busiest client with dozens."""
    seed_businesses(businesses=1, appointments=600)
    client = Client.objects.order_by("-total_appointments").first()
    assert client.total_appointments >= 50
    return bearer(client.business.owner_login), client


@pytest.fixture
def small(business, service):
    """A business with one appointment."""
    appointment = AppointmentFactory(service=service, status=AppointmentStatus.COMPLETED, client_name="Ana")
    return bearer(business.owner_login), appointment.client


@pytest.mark.parametrize("path_name", list(list_paths(None)))
def test_a_page_of_fifty_costs_the_queries_of_a_page_of_one(large, path_name):
    api, client = large
    path, params, budget = list_paths(client.pk)[path_name]

    one, one_row = queries(api, path, params, per_page=1)
    fifty, fifty_rows = queries(api, path, params, per_page=50)

    assert (one_row, fifty_rows) == (1, 50)
    assert fifty == one <= budget


@pytest.mark.parametrize("path_name", list(list_paths(None)))
def test_years_of_history_cost_the_queries_of_one_appointment(small, large, path_name):
    small_api, small_client = small
    large_api, large_client = large
    path, params, budget = list_paths(small_client.pk)[path_name]
    large_path = list_paths(large_client.pk)[path_name][0]

    few, few_rows = queries(small_api, path, params, per_page=50)
    many, many_rows = queries(large_api, large_path, params, per_page=50)

    assert few_rows <= 1 < many_rows
    assert many == few <= budget
