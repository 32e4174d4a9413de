"""GET/PUT/PATCH /api/users/profile."""

import pytest
from django.core import mail

from tests.factories import BusinessFactory

PROFILE = "/api/users/profile"

pytestmark = pytest.mark.django_db


def test_profile_needs_authentication(api_client):
    assert api_client.get(PROFILE).status_code == 401


def test_profile_shows_the_business_fields(auth_client, business):
    body = auth_client.get(PROFILE).json()
    assert body["id"] == str(business.owner_login.pk)
    for field in (
        "email",
        "business_name",
        "template_type",
        "whatsapp_number",
        "plan_type",
        "is_active",
        "is_verified",
        "business_slug",
        "booking_url",
        "timezone",
        "address",
    ):
        assert field in body
    assert "password" not in body


def test_each_user_sees_only_their_own_profile(auth_client, business):
    other = BusinessFactory(name="Barbearia Vizinha")
    other_client_body = auth_client.get(PROFILE).json()
    assert other_client_body["email"] == business.email
    assert other.email not in str(other_client_body)


def test_patch_changes_only_what_is_sent(auth_client, business):
    response = auth_client.patch(PROFILE, {"business_name": "Studio Bela"}, format="json")
    assert response.status_code == 200
    assert response.json()["business_name"] == "Studio Bela"
    assert response.json()["whatsapp_number"] == business.whatsapp_number


def test_put_accepts_a_partial_body(auth_client):
    response = auth_client.put(
        PROFILE, {"whatsapp_number": "+55 21 97777-6666", "address": "Av. Atlântica, 10"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["whatsapp_number"] == "+5521977776666"
    assert response.json()["address"] == "Av. Atlântica, 10"


def test_read_only_fields_cannot_be_changed(auth_client):
    response = auth_client.patch(PROFILE, {"plan_type": "enterprise", "is_verified": False}, format="json")
    assert response.status_code == 200
    assert response.json()["plan_type"] == "free"
    assert response.json()["is_verified"] is True


def test_slug_taken_by_another_business_is_a_400(auth_client):
    BusinessFactory(slug="studio-bela")
    response = auth_client.patch(PROFILE, {"business_slug": "studio-bela"}, format="json")
    assert response.status_code == 400
    assert "business_slug" in response.json()


@pytest.mark.parametrize("slug", ["Com Espaço", "admin", "ação", ""])
def test_invalid_or_reserved_slug_is_a_400(auth_client, slug):
    response = auth_client.patch(PROFILE, {"business_slug": slug}, format="json")
    assert response.status_code == 400
    assert "business_slug" in response.json()


def test_unknown_timezone_and_template_are_400(auth_client):
    response = auth_client.patch(PROFILE, {"timezone": "Mars/Olympus", "template_type": "x"}, format="json")
    assert response.status_code == 400
    assert {"timezone", "template_type"} <= set(response.json())


def test_a_failed_update_changes_nothing(auth_client, business):
    response = auth_client.patch(PROFILE, {"business_name": "Novo Nome", "timezone": "Nope/Nope"}, format="json")
    assert response.status_code == 400
    business.refresh_from_db()
    assert business.name != "Novo Nome"


def test_changing_email_asks_for_verification_again(auth_client, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(PROFILE, {"email": "Novo@Exemplo.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["email"] == "novo@exemplo.com"
    assert response.json()["is_verified"] is False
    assert mail.outbox[-1].to == ["novo@exemplo.com"]


def test_email_of_another_account_is_refused(auth_client):
    BusinessFactory(email="ocupado@exemplo.com")
    response = auth_client.patch(PROFILE, {"email": "OCUPADO@exemplo.com"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_timezone_can_be_set(auth_client):
    response = auth_client.patch(PROFILE, {"timezone": "America/Manaus"}, format="json")
    assert response.status_code == 200
    assert response.json()["timezone"] == "America/Manaus"
