"""A login in several businesses: tokens per business, switching, and access that ends at once."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from scheduling.models import AppointmentActivity
from tests.factories import DEFAULT_PASSWORD, BusinessFactory, ServiceFactory, UserFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
SWITCH = "/api/auth/switch-business"


@pytest.fixture
def two_salons():
    """A receptionist who works in two salons (the second one is where she worked last)."""
    first, second = BusinessFactory(name="Salão Um"), BusinessFactory(name="Salão Dois")
    login = UserFactory(email="recepcao@exemplo.com.br")
    Membership.objects.create(user=login, business=first, role=Role.RECEPTIONIST)
    Membership.objects.create(user=login, business=second, role=Role.MANAGER)
    login.last_business = second
    login.save(update_fields=["last_business"])
    return login, first, second


def logged_in(api_client, email="recepcao@exemplo.com.br"):
    body = api_client.post(LOGIN, {"email": email, "password": DEFAULT_PASSWORD}, format="json").json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    return client, body


def test_the_login_lists_its_businesses_and_its_tokens_are_for_the_last_one_used(api_client, two_salons):
    _login, first, second = two_salons
    client, body = logged_in(api_client)
    assert sorted((b["name"], b["role"]) for b in body["businesses"]) == [
        ("Salão Dois", "manager"),
        ("Salão Um", "receptionist"),
    ]
    assert (body["user"]["business_slug"], body["user"]["role"]) == (second.slug, "manager")
    profile = client.get("/api/users/profile").json()
    assert (profile["business_name"], profile["role"]) == ("Salão Dois", "manager")


def test_switching_gives_tokens_for_the_other_business_and_remembers_it(api_client, two_salons):
    login, first, second = two_salons
    client, _body = logged_in(api_client)
    ServiceFactory(business=first, name="Corte do Um")

    switched = client.post(SWITCH, {"business_id": str(first.pk)}, format="json")

    assert switched.status_code == 200
    assert (switched.json()["user"]["business_slug"], switched.json()["user"]["role"]) == (first.slug, "receptionist")
    in_first = APIClient()
    in_first.credentials(HTTP_AUTHORIZATION=f"Bearer {switched.json()['access_token']}")
    assert [s["name"] for s in in_first.get("/api/services").json()["services"]] == ["Corte do Um"]
    assert client.get("/api/services").json()["services"] == []  # the old tokens stay in the second salon
    login.refresh_from_db()
    assert login.last_business == first


def test_switching_to_a_business_of_which_the_login_is_no_member_is_404(api_client, two_salons):
    client, _body = logged_in(api_client)
    stranger = BusinessFactory()
    assert client.post(SWITCH, {"business_id": str(stranger.pk)}, format="json").status_code == 404
    assert client.post(SWITCH, {"business_id": "not-an-id"}, format="json").status_code == 400


def test_removing_a_member_ends_its_tokens_on_the_next_request(api_client, two_salons):
    login, _first, second = two_salons
    client, body = logged_in(api_client)
    assert client.get("/api/services").status_code == 200

    Membership.objects.filter(user=login, business=second).delete()

    assert client.get("/api/services").status_code == 401
    refreshed = api_client.post("/api/auth/refresh", {"refresh_token": body["refresh_token"]}, format="json")
    assert refreshed.status_code == 401


def test_lowering_a_members_role_ends_its_tokens_as_logout_does(api_client, two_salons):
    login, _first, second = two_salons
    client, _body = logged_in(api_client)
    Membership.objects.filter(user=login, business=second).update(role=Role.RECEPTIONIST)
    assert client.get("/api/services").status_code == 401


def test_a_removed_members_dashboard_session_ends_at_once(client, two_salons):
    login, _first, second = two_salons
    response = client.post(
        "/accounts/login/", {"email": "recepcao@exemplo.com.br", "password": DEFAULT_PASSWORD}, follow=True
    )
    assert response.status_code == 200 and "Salão Dois" in response.content.decode()

    Membership.objects.filter(user=login, business=second).update(role=Role.PROFESSIONAL)

    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_dashboard_switcher_moves_the_session_to_another_business(client, two_salons):
    _login, first, _second = two_salons
    client.post("/accounts/login/", {"email": "recepcao@exemplo.com.br", "password": DEFAULT_PASSWORD})
    page = client.get("/dashboard/").content.decode()
    assert 'id="business-switcher"' in page

    response = client.post("/accounts/switch-business/", {"business_id": str(first.pk)}, follow=True)

    assert response.status_code == 200
    assert '<option value="{}" selected>Salão Um</option>'.format(first.pk) in response.content.decode()
    stranger = BusinessFactory()
    assert client.post("/accounts/switch-business/", {"business_id": str(stranger.pk)}).status_code == 404


def test_the_activity_log_names_the_member_who_acted(api_client, two_salons, monday):
    _login, _first, second = two_salons
    client, _body = logged_in(api_client)
    service = ServiceFactory(business=second)
    booked = client.post(
        "/api/appointments",
        {
            "service_id": str(service.pk),
            "start_time": at(monday, 10).isoformat(),
            "client_name": "Ana",
            "client_whatsapp": "11988887777",
        },
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    row = AppointmentActivity.objects.get(appointment_id=booked.json()["id"])
    assert (row.actor_kind, row.actor_name, row.actor_via) == ("member", "recepcao@exemplo.com.br", "api")
