"""Every field error at once, beside its field: a page and its API endpoint sent several bad fields.

The shape's errors (a price that is not a number, an email without @) and the rules' errors (a
duration out of range, a WhatsApp number that cannot be one) come back in the same answer.
"""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from catalog.models import Service
from crm.models import Client
from notifications.models import MessageTemplate
from notifications.services import template_validate
from scheduling.models import Appointment
from scheduling.services import booking_rules_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def errors_on_page(response, form: str = "form") -> set[str]:
    return set(response.context[form].errors)


# --- Services --------------------------------------------------------------------------------
def test_the_service_page_shows_a_bad_price_beside_a_rule_breaking_duration_and_an_empty_name(logged_in):
    data = {"name": " ", "duration": "0", "price": "doze", "description": "Lavar e escovar", "category_id": ""}

    response = logged_in.post("/dashboard/services/new/", data)

    assert response.status_code == 400
    assert errors_on_page(response) == {"name", "duration", "price"}
    page = response.content.decode()
    for field in ("name", "duration", "price"):
        assert f'id="id_{field}_error"' in page
    assert 'value="doze"' in page and "Lavar e escovar" in page and 'value="0"' in page
    assert not Service.objects.exists()


def test_the_service_edit_page_shows_every_error_too(logged_in, service):
    response = logged_in.post(f"/dashboard/services/{service.pk}/", {"name": "", "duration": "5000", "price": "1.200"})

    assert response.status_code == 400
    assert errors_on_page(response) == {"name", "duration", "price"}


def test_the_services_api_answers_every_error_in_one_400(auth_client):
    body = {"name": "", "duration": 0, "price": "doze", "category_id": "not-a-uuid", "images": ["ftp://x"]}

    response = auth_client.post("/api/services/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "duration", "price", "category_id", "images"}
    assert not Service.objects.exists()


def test_the_services_api_update_answers_every_error_in_one_400(auth_client, service):
    response = auth_client.patch(f"/api/services/{service.pk}", {"name": "", "price": [1]}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "price"}


# --- Clients ---------------------------------------------------------------------------------
def test_the_client_page_shows_name_number_and_email_errors_together(logged_in, business):
    response = logged_in.post(
        "/dashboard/clients/new/", {"name": "", "whatsapp": "123", "email": "ana@", "notes": "Prefere manhã"}
    )

    assert response.status_code == 400
    assert errors_on_page(response) == {"name", "whatsapp", "email"}
    page = response.content.decode()
    assert 'value="123"' in page and 'value="ana@"' in page and "Prefere manhã" in page
    assert not Client.objects.filter(business=business).exists()


def test_the_client_edit_page_shows_every_error_too(logged_in, business):
    client = Client.objects.create(business=business, name="Bia", whatsapp="+5511988881234")

    response = logged_in.post(
        f"/dashboard/clients/{client.pk}/edit/", {"name": "", "whatsapp": "1", "email": "x", "birth_date": "31/02/2000"}
    )

    assert response.status_code == 400
    assert {"name", "whatsapp", "email", "birth_date"} <= errors_on_page(response)


def test_the_clients_api_answers_every_error_in_one_400(auth_client, business):
    response = auth_client.post("/api/clients", {"name": "", "whatsapp": "123", "email": "ana@"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "whatsapp", "email"}
    assert not Client.objects.filter(business=business).exists()


# --- Sign-up ---------------------------------------------------------------------------------
def test_the_signup_page_shows_email_password_and_number_errors_together(client):
    data = {
        "business_name": "Salão da Ana",
        "email": "ana@",
        "password": "123",
        "template_type": "service_table",
        "whatsapp_number": "12",
    }

    response = client.post("/accounts/signup/", data)

    assert response.status_code == 400
    assert errors_on_page(response) == {"email", "password", "whatsapp_number"}
    page = response.content.decode()
    assert 'value="Salão da Ana"' in page and 'value="ana@"' in page and 'value="12"' in page
    assert not User.objects.filter(email="ana@").exists()


def test_the_register_api_answers_every_error_in_one_400(api_client):
    body = {"email": "ana@", "password": "123", "template_type": "salon", "whatsapp_number": "12"}

    response = api_client.post("/api/auth/register", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"email", "password", "template_type", "whatsapp_number"}


# --- Team invitations ------------------------------------------------------------------------
def test_the_invite_form_shows_the_email_and_the_missing_agenda_together(logged_in):
    response = logged_in.post(
        "/dashboard/team/invite/", {"email": "bia@", "role": "professional", "professional_id": ""}
    )

    assert response.status_code == 400
    assert errors_on_page(response, "invite_form") == {"email", "professional_id"}
    assert 'value="bia@"' in response.content.decode()


def test_the_invite_form_shows_a_member_email_and_the_missing_agenda_together(logged_in, owner):
    response = logged_in.post(
        "/dashboard/team/invite/", {"email": owner.email, "role": "professional", "professional_id": ""}
    )

    assert response.status_code == 400
    assert errors_on_page(response, "invite_form") == {"email", "professional_id"}


def test_the_team_api_answers_every_invitation_error_in_one_400(auth_client, owner):
    response = auth_client.post("/api/team/members", {"email": owner.email, "role": "professional"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"email", "professional_id"}


# --- Message texts ---------------------------------------------------------------------------
def test_the_text_editor_shows_the_empty_text_and_the_bad_subject_together(logged_in, business):
    response = logged_in.post(
        "/dashboard/messages/texts/reminder/email/", {"subject": "Lembrete {cliente}", "body": "", "action": "save"}
    )

    assert response.status_code == 400
    assert errors_on_page(response) == {"subject", "body"}
    assert 'value="Lembrete {cliente}"' in response.content.decode()
    assert not MessageTemplate.objects.filter(business=business).exists()


def test_the_templates_api_answers_every_error_in_one_400(auth_client, business):
    response = auth_client.put(
        "/api/notifications/templates/reminder/email", {"subject": "Oi {cliente}", "body": ""}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"subject", "body"}


def test_the_text_service_names_every_bad_field_at_once():
    with pytest.raises(ValidationError) as refused:
        template_validate(kind="reply", channel="fax", body=" ")

    assert set(refused.value.message_dict) == {"kind", "channel", "body"}


# --- Booking rules ---------------------------------------------------------------------------
def test_the_rules_form_shows_every_bad_rule_together(logged_in):
    data = {
        "slot_interval_minutes": "3",
        "buffer_minutes": "-1",
        "min_notice_minutes": "x",
        "max_days_ahead": "0",
        "cancellation_notice_hours": "2",
        "online_booking_status": "maybe",
    }

    response = logged_in.post("/dashboard/settings/agenda/rules/", data)

    assert response.status_code == 400
    assert response.context["rules_form"].errors.keys() == {
        "slot_interval_minutes",
        "buffer_minutes",
        "min_notice_minutes",
        "max_days_ahead",
        "online_booking_status",
    }
    assert "Deve ter pelo menos 5 minutos, ou ficar em branco." in response.content.decode()


def test_the_rules_api_answers_every_error_in_one_400(auth_client):
    body = {"slot_interval_minutes": 3, "buffer_minutes": -1, "online_booking_status": "maybe"}

    response = auth_client.patch("/api/booking-rules", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"slot_interval_minutes", "buffer_minutes", "online_booking_status"}


def test_the_rules_service_names_both_bad_rules(business):
    with pytest.raises(ValidationError) as refused:
        booking_rules_update(business=business, data={"slot_interval_minutes": 3, "online_booking_status": "x"})

    assert set(refused.value.message_dict) == {"slot_interval_minutes", "online_booking_status"}


# --- New appointment -------------------------------------------------------------------------
def test_the_new_appointment_page_shows_name_number_email_and_time_errors_together(logged_in, service, monday):
    data = {
        "service_id": str(service.pk),
        "professional_id": "",
        "date": monday.isoformat(),
        "start_time": "",
        "client_name": "",
        "client_whatsapp": "123",
        "client_email": "maria@",
        "notes": "Primeira vez",
    }

    response = logged_in.post("/dashboard/agenda/new/", data)

    assert response.status_code == 400
    assert errors_on_page(response) == {"start_time", "client_name", "client_whatsapp", "client_email"}
    page = response.content.decode()
    assert 'value="123"' in page and 'value="maria@"' in page and "Primeira vez" in page
    assert not Appointment.objects.exists()


def test_the_appointments_api_answers_the_name_and_the_number_together(auth_client, service, monday):
    body = {
        "service_id": str(service.pk),
        "start_time": f"{monday.isoformat()}T10:00:00",
        "client_name": "",
        "client_whatsapp": "123",
    }

    response = auth_client.post("/api/appointments", body, format="json")

    assert response.status_code == 400
    assert {"client_name", "client_whatsapp"} <= set(response.json())


# --- Professionals and the team's roles --------------------------------------------------------
def test_the_professionals_api_answers_the_name_and_the_services_together(auth_client, pro):
    response = auth_client.patch(
        f"/api/professionals/{pro.pk}",
        {"name": " ", "is_active": False, "service_ids": ["00000000-0000-0000-0000-000000000000"]},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"name", "is_active", "service_ids"}
