"""A booking with a known number never rewrites the client's record; the owner renames on purpose."""

import pytest

from accounts.services import tokens_issue
from crm import services
from crm.models import Client
from scheduling.models import Appointment
from tests.helpers import at

pytestmark = pytest.mark.django_db

NUMBER = "(11) 98888-7777"


@pytest.fixture
def ana(business):
    client = services.client_find_or_create(
        business=business, name="Ana Souza", whatsapp=NUMBER, email="ana@exemplo.com"
    )
    Client.objects.filter(pk=client.pk).update(notes="prefere tesoura")
    return client


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def public_page(client, business, service, start, name, email):
    client.post(
        f"/b/{business.slug}/book/{service.pk}/",
        {
            "start_time": start.isoformat(),
            "client_name": name,
            "client_whatsapp": NUMBER,
            "client_email": email,
            "consent_whatsapp": "on",
            "website": "",
        },
    )


def public_api(client, business, service, start, name, email):
    body = {
        "business_slug": business.slug,
        "service_id": str(service.pk),
        "start_time": start.isoformat(),
        "client_name": name,
        "client_whatsapp": NUMBER,
        "client_email": email,
    }
    assert client.post("/api/appointments/public", body, content_type="application/json").status_code == 201


def owner_api(client, business, service, start, name, email):
    token = tokens_issue(user=business.owner_login)["access_token"]
    body = {
        "service_id": str(service.pk),
        "start_time": start.isoformat(),
        "client_name": name,
        "client_whatsapp": NUMBER,
        "client_email": email,
    }
    response = client.post(
        "/api/appointments", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201, response.json()


def dashboard(client, business, service, start, name, email, **choice):
    client.force_login(business.owner_login)
    return client.post("/dashboard/agenda/new/", dashboard_form(service, start, name, email, **choice))


def dashboard_form(service, start, name, email="", **extra):
    return {
        "service_id": str(service.pk),
        "professional_id": "",
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "client_name": name,
        "client_whatsapp": NUMBER,
        "client_email": email,
        "notes": "",
        **extra,
    }


def dashboard_keeping_the_name(client, business, service, start, name, email):
    known = Client.objects.get(business=business)
    response = dashboard(
        client, business, service, start, name, email, client_name_choice="keep", known_client=str(known.pk)
    )
    assert response.status_code == 302, response.content.decode()


@pytest.mark.parametrize("book", [public_page, public_api, owner_api, dashboard_keeping_the_name])
def test_a_booking_with_a_known_number_keeps_the_clients_name_and_email(client, business, service, monday, ana, book):
    book(client, business, service, at(monday, 10), "Outra Pessoa", "outra@exemplo.com")

    ana.refresh_from_db()
    assert (ana.name, ana.email, ana.notes) == ("Ana Souza", "ana@exemplo.com", "prefere tesoura")
    appointment = Appointment.objects.get()
    assert appointment.client_id == ana.pk
    assert (appointment.client_name, appointment.client_email) == ("Outra Pessoa", "outra@exemplo.com")


@pytest.mark.parametrize("book", [public_page, public_api, owner_api, dashboard_keeping_the_name])
def test_a_booking_fills_the_email_a_known_client_lacks(client, business, service, monday, ana, book):
    Client.objects.filter(pk=ana.pk).update(email="")

    book(client, business, service, at(monday, 10), "Ana", "Ana.Nova@Exemplo.com")

    ana.refresh_from_db()
    assert (ana.name, ana.email) == ("Ana Souza", "ana.nova@exemplo.com")


def test_a_returning_client_is_found_by_number_and_keeps_what_was_recorded(business):
    services.client_find_or_create(business=business, name="Ana", whatsapp="11988888888", email="ana@old.com")
    client = services.client_find_or_create(business=business, name="Ana Paula", whatsapp="11988888888", email="")
    assert (client.name, client.email) == ("Ana", "ana@old.com")
    client = services.client_find_or_create(business=business, name="", whatsapp="11988888888", email="ANA@new.com")
    assert (client.name, client.email) == ("Ana", "ana@old.com")
    assert Client.objects.get(business=business).name == "Ana"


# --- The owner's booking form ---------------------------------------------------------------------------
def test_the_dashboard_says_whose_number_it_is_and_asks_before_booking(logged_in, business, service, monday, ana):
    response = logged_in.post("/dashboard/agenda/new/", dashboard_form(service, at(monday, 10), "Outra Pessoa"))

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    content = response.content.decode()
    assert "Ana Souza" in content
    assert 'name="client_name_choice" value="keep"' in content
    assert 'name="client_name_choice" value="rename"' in content
    assert f'name="known_client" value="{ana.pk}"' in content
    assert 'value="Outra Pessoa"' in content  # what was typed comes back
    ana.refresh_from_db()
    assert ana.name == "Ana Souza"


def test_the_dashboard_renames_the_client_when_the_owner_chooses_to(logged_in, business, service, monday, ana):
    form = dashboard_form(
        service, at(monday, 10), "Ana Souza Lima", client_name_choice="rename", known_client=str(ana.pk)
    )

    response = logged_in.post("/dashboard/agenda/new/", form)

    assert response.status_code == 302
    ana.refresh_from_db()
    assert (ana.name, ana.email) == ("Ana Souza Lima", "ana@exemplo.com")
    assert Appointment.objects.get().client_name == "Ana Souza Lima"


def test_the_dashboard_books_at_once_when_the_name_is_the_clients(logged_in, business, service, monday, ana):
    response = logged_in.post("/dashboard/agenda/new/", dashboard_form(service, at(monday, 10), "  ana  souza "))

    assert response.status_code == 302
    assert Appointment.objects.get().client_id == ana.pk
    ana.refresh_from_db()
    assert ana.name == "Ana Souza"


def test_the_dashboard_asks_again_when_the_number_now_belongs_to_another_client(
    logged_in, business, service, monday, ana
):
    other = services.client_find_or_create(business=business, name="Bia Lima", whatsapp="11977776666")
    form = {
        **dashboard_form(service, at(monday, 10), "Outra Pessoa"),
        "client_whatsapp": "11977776666",
        "client_name_choice": "rename",
        "known_client": str(ana.pk),  # the choice was made about Ana, not about Bia
    }

    response = logged_in.post("/dashboard/agenda/new/", form)

    assert response.status_code == 200
    assert not Appointment.objects.exists()
    assert "Bia Lima" in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Bia Lima"


def test_a_new_number_books_from_the_dashboard_without_asking(logged_in, business, service, monday):
    form = {**dashboard_form(service, at(monday, 10), "Carla Dias"), "client_whatsapp": "11955554444"}

    response = logged_in.post("/dashboard/agenda/new/", form)

    assert response.status_code == 302
    assert Client.objects.get(business=business).name == "Carla Dias"
