"""What each role of a business may do, where the rule is about data or a page (the matrix checks the rest)."""

import pytest

from accounts.models import Role
from catalog.models import Service
from crm.models import Client
from scheduling.models import Appointment
from tests.helpers import SAO_PAULO, at

pytestmark = pytest.mark.django_db


def booking(team, start, **extra) -> dict:
    return {
        "service_id": str(team.own_appointment.service_id),
        "client_name": "Maria Souza",
        "client_whatsapp": "+5511988881234",
        "start_time": start.isoformat(),
        **extra,
    }


# --- A professional: its own agenda and the clients it served ----------------------------------
def test_a_professional_lists_only_its_own_appointments(team):
    response = team.api(Role.PROFESSIONAL).get("/api/appointments")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["appointments"]] == [str(team.own_appointment.pk)]
    assert response.json()["total"] == 1


def test_a_professional_cannot_open_another_professionals_appointment(team):
    api = team.api(Role.PROFESSIONAL)

    assert api.get(f"/api/appointments/{team.other_appointment.pk}").status_code == 404
    assert api.delete(f"/api/appointments/{team.other_appointment.pk}").status_code == 404
    assert team.dashboard(Role.PROFESSIONAL).get(f"/dashboard/agenda/{team.other_appointment.pk}/").status_code == 404


def test_a_professionals_agenda_page_shows_only_its_own_appointments(team):
    day = team.own_appointment.start_time.astimezone(SAO_PAULO).date()
    Appointment.objects.filter(pk=team.other_appointment.pk).update(start_time=team.own_appointment.start_time)
    response = team.dashboard(Role.PROFESSIONAL).get("/dashboard/agenda/", {"date": day.isoformat()})

    assert response.status_code == 200
    assert list(response.context["appointments"]) == [team.own_appointment]


def test_a_professional_books_on_its_own_agenda_when_it_names_nobody(team, monday):
    response = team.api(Role.PROFESSIONAL).post("/api/appointments", booking(team, at(monday, 10)), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["professional_id"] == str(team.professional.pk)


def test_a_professional_cannot_book_for_another_professional(team, monday):
    data = booking(team, at(monday, 10), professional_id=str(team.other_professional.pk))

    response = team.api(Role.PROFESSIONAL).post("/api/appointments", data, format="json")

    assert response.status_code == 403
    assert not Appointment.objects.filter(client_name="Maria Souza").exists()


def test_a_professional_cannot_move_its_appointment_to_another_professional(team, monday):
    url = f"/api/appointments/{team.own_appointment.pk}"
    data = {"professional_id": str(team.other_professional.pk), "start_time": at(monday, 15).isoformat()}

    response = team.api(Role.PROFESSIONAL).patch(url, data, format="json")

    assert response.status_code == 403
    team.own_appointment.refresh_from_db()
    assert team.own_appointment.professional == team.professional


def test_a_professional_asks_availability_only_for_itself(team, monday):
    api = team.api(Role.PROFESSIONAL)
    query = {"service_id": str(team.own_appointment.service_id), "date": monday.isoformat()}

    own = api.get("/api/appointments/availability", query)
    other = api.get("/api/appointments/availability", {**query, "professional_id": str(team.other_professional.pk)})

    assert own.status_code == 200
    assert own.json()["professional_id"] == str(team.professional.pk)
    assert other.status_code == 403


def test_a_professional_sees_only_the_clients_it_served(team):
    api = team.api(Role.PROFESSIONAL)

    listed = api.get("/api/clients").json()["clients"]

    assert [row["id"] for row in listed] == [str(team.served_client.pk)]
    assert api.get(f"/api/clients/{team.other_client.pk}").status_code == 404
    assert team.dashboard(Role.PROFESSIONAL).get(f"/dashboard/clients/{team.other_client.pk}/").status_code == 404


def test_a_professional_sees_only_its_own_appointments_in_a_clients_history(team):
    shared = team.served_client
    Appointment.objects.filter(pk=team.other_appointment.pk).update(client=shared)

    history = team.api(Role.PROFESSIONAL).get(f"/api/clients/{shared.pk}/history").json()

    assert [row["id"] for row in history["appointments"]] == [str(team.own_appointment.pk)]


def test_a_professional_lands_on_its_own_agenda(team):
    response = team.dashboard(Role.PROFESSIONAL).get("/dashboard/")

    assert response.status_code == 302
    assert response.url == "/dashboard/agenda/"


def test_a_professional_login_linked_to_no_professional_sees_no_agenda(team):
    team.logins[Role.PROFESSIONAL].memberships.update(professional=None)

    assert team.api(Role.PROFESSIONAL).get("/api/appointments").status_code == 403


# --- A receptionist: everyone's agenda and clients, no services or settings ------------------------
def test_a_receptionist_books_for_any_professional(team, monday):
    data = booking(team, at(monday, 10), professional_id=str(team.other_professional.pk))

    response = team.api(Role.RECEPTIONIST).post("/api/appointments", data, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["professional_id"] == str(team.other_professional.pk)


def test_a_receptionist_sees_every_professionals_appointments(team):
    response = team.api(Role.RECEPTIONIST).get("/api/appointments")

    assert response.json()["total"] == 2


def test_a_receptionist_reads_the_services_but_cannot_create_one(team):
    api = team.api(Role.RECEPTIONIST)

    assert api.get("/api/services").status_code == 200
    response = api.post("/api/services", {"name": "Escova", "duration": 30, "price": 40}, format="json")
    assert response.status_code == 403
    assert not Service.objects.filter(name="Escova").exists()
    assert team.dashboard(Role.RECEPTIONIST).get("/dashboard/services/new/").status_code == 403


def test_a_receptionist_cannot_open_the_settings(team):
    response = team.dashboard(Role.RECEPTIONIST).get("/dashboard/settings/agenda/")

    assert response.status_code == 403
    assert "403.html" in [template.name for template in response.templates]


def test_a_receptionist_cannot_erase_a_client(team):
    client = team.other_client

    response = team.api(Role.RECEPTIONIST).delete(f"/api/clients/{client.pk}?erase=true")

    assert response.status_code == 403
    assert Client.objects.get(pk=client.pk).name == client.name


def test_a_receptionist_cannot_change_the_business_details_but_can_change_its_own_email(team):
    api = team.api(Role.RECEPTIONIST)

    refused = api.patch("/api/users/profile", {"business_name": "Outro nome"}, format="json")
    own = api.patch("/api/users/profile", {"email": "recepcao@exemplo.com.br"}, format="json")

    assert refused.status_code == 403
    team.business.refresh_from_db()
    assert team.business.name != "Outro nome"
    assert own.status_code == 200


def test_the_menu_shows_a_receptionist_only_what_it_may_open(team):
    page = team.dashboard(Role.RECEPTIONIST).get("/dashboard/").content.decode()

    assert 'href="/dashboard/agenda/"' in page
    assert 'href="/dashboard/clients/"' in page
    assert 'href="/dashboard/settings/agenda/"' not in page
    assert 'href="/dashboard/messages/"' not in page
    assert 'href="/dashboard/services/new/"' not in page


def test_the_menu_shows_the_owner_everything(team):
    page = team.dashboard(Role.OWNER).get("/dashboard/").content.decode()

    for link in ("/dashboard/agenda/", "/dashboard/services/", "/dashboard/clients/", "/dashboard/messages/"):
        assert f'href="{link}"' in page
    assert 'href="/dashboard/settings/agenda/"' in page
    assert 'href="/dashboard/plan/"' in page


# --- A manager: everything but the plan ------------------------------------------------------------
def test_a_manager_reads_the_plan_but_cannot_change_it(team):
    api = team.api(Role.MANAGER)

    assert api.get("/api/users/usage").status_code == 200
    assert api.post("/api/users/upgrade-plan", {"plan_type": "starter"}, format="json").status_code == 403
    dashboard = team.dashboard(Role.MANAGER)
    assert dashboard.get("/dashboard/plan/").status_code == 200
    assert dashboard.post("/dashboard/plan/", {"plan_type": "starter"}).status_code == 403
    team.business.refresh_from_db()
    assert team.business.plan_type == "pro"


def test_a_manager_creates_services_and_opens_the_settings(team):
    response = team.api(Role.MANAGER).post(
        "/api/services", {"name": "Escova", "duration": 30, "price": 40}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert team.dashboard(Role.MANAGER).get("/dashboard/settings/agenda/").status_code == 200
