"""The client workspace of the dashboard: adding a client, booking for it, WhatsApp links, CSV
import and export, and the last visit, through real requests."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, Role
from billing.models import PlanLimits
from crm import views as crm_views
from crm.models import Client
from crm.services import ImportRow, RefusalReason, clients_import
from scheduling.models import AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def member(client, business, role: Role, professional=None):
    login = UserFactory()
    Membership.objects.create(user=login, business=business, role=role, professional=professional)
    client.force_login(login)
    return client


def upload(text: str, *, encoding: str = "utf-8", name: str = "clientes.csv") -> dict:
    return {"file": SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")}


def refused(response) -> list[tuple[int, str]]:
    return [(row.line, str(row.reason)) for row in response.context["report"].refused]


# --- New client ----------------------------------------------------------------------------------
def test_new_client_is_added_with_any_brazilian_spelling_of_the_number(logged_in, business):
    response = logged_in.post(
        "/dashboard/clients/new/",
        {"name": "Ana Souza", "whatsapp": "(11) 98888-1234", "email": "Ana@Exemplo.com", "notes": "Alérgica"},
    )
    client = Client.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/clients/{client.pk}/"
    assert (client.name, client.whatsapp, client.email, client.notes) == (
        "Ana Souza",
        "+5511988881234",
        "ana@exemplo.com",
        "Alérgica",
    )
    assert logged_in.get("/dashboard/clients/new/").status_code == 200


def test_new_client_errors_are_shown_beside_the_fields(logged_in, business):
    Client.objects.create(business=business, name="Bia", whatsapp="+5511988881234")

    bad = logged_in.post("/dashboard/clients/new/", {"name": "", "whatsapp": "123", "email": "x"})
    duplicate = logged_in.post("/dashboard/clients/new/", {"name": "Ana", "whatsapp": "11 98888-1234"})

    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"name", "email", "whatsapp"}  # the number too, at once
    assert duplicate.status_code == 400
    assert list(duplicate.context["form"].errors) == ["whatsapp"]
    assert 'id="id_whatsapp_error"' in duplicate.content.decode()
    assert Client.objects.filter(business=business).count() == 1


def test_new_client_over_the_plan_limit_answers_402_with_a_link_to_the_plan(logged_in, business):
    PlanLimits.objects.filter(plan_type="free").update(clients=0)

    response = logged_in.post("/dashboard/clients/new/", {"name": "Ana", "whatsapp": "11988881234"})

    assert response.status_code == 402
    assert response.context["form"].plan_limit_reached
    assert 'href="/dashboard/plan/"' in response.content.decode()
    assert not Client.objects.exists()


# --- Client page: book for this client, WhatsApp -----------------------------------------------------
def test_client_page_links_to_whatsapp_and_to_booking_for_this_client(logged_in, business):
    client = Client.objects.create(business=business, name="Ana", whatsapp="+5511988881234")

    content = logged_in.get(f"/dashboard/clients/{client.pk}/").content.decode()

    assert 'href="https://wa.me/5511988881234" target="_blank" rel="noopener"' in content
    assert f'href="/dashboard/agenda/new/?client={client.pk}"' in content


def test_appointment_page_links_to_whatsapp(logged_in, business):
    appointment = AppointmentFactory(service=ServiceFactory(business=business), client_whatsapp="+5511977776666")

    content = logged_in.get(f"/dashboard/agenda/{appointment.pk}/").content.decode()

    assert 'href="https://wa.me/5511977776666" target="_blank" rel="noopener"' in content


def test_book_for_this_client_fills_in_the_clients_details(logged_in, business):
    client = Client.objects.create(business=business, name="Ana", whatsapp="+5511988881234", email="ana@x.com")
    service = ServiceFactory(business=business)

    first = logged_in.get(f"/dashboard/agenda/new/?client={client.pk}")
    tomorrow = timezone.localdate() + timedelta(days=1)
    step_two = logged_in.get(
        "/dashboard/agenda/new/", {"client": client.pk, "service_id": service.pk, "date": tomorrow}
    )

    assert first.status_code == 200
    assert not first.context["query"].is_bound  # no "fill in the service" error before anything is chosen
    assert f'name="client" value="{client.pk}"' in first.content.decode()
    form = step_two.context["form"]
    assert step_two.status_code == 200
    assert (form["client_name"].value(), form["client_whatsapp"].value(), form["client_email"].value()) == (
        "Ana",
        "+5511988881234",
        "ana@x.com",
    )


def test_book_for_another_business_client_is_not_found(logged_in):
    stranger = Client.objects.create(business=BusinessFactory(), name="Outra", whatsapp="+5511988881234")

    assert logged_in.get(f"/dashboard/agenda/new/?client={stranger.pk}").status_code == 404


# --- Last visit ------------------------------------------------------------------------------------
def test_last_visit_ignores_a_future_booking_and_cancellations(logged_in, business):
    service = ServiceFactory(business=business)
    now = timezone.now().replace(microsecond=0)
    visited = now - timedelta(days=10)
    number = "+5511988881234"
    AppointmentFactory(service=service, client_whatsapp=number, start_time=visited, status=AppointmentStatus.COMPLETED)
    AppointmentFactory(
        service=service, client_whatsapp=number, start_time=now - timedelta(days=2), status=AppointmentStatus.CANCELLED
    )
    AppointmentFactory(
        service=service, client_whatsapp=number, start_time=now - timedelta(days=1), status=AppointmentStatus.NO_SHOW
    )
    AppointmentFactory(
        service=service, client_whatsapp=number, start_time=now + timedelta(days=5), status=AppointmentStatus.CONFIRMED
    )
    client = Client.objects.get(business=business, whatsapp=number)

    detail = logged_in.get(f"/dashboard/clients/{client.pk}/")
    listed = logged_in.get("/dashboard/clients/")

    assert detail.context["client"].last_visit_at == visited
    assert listed.context["page"].object_list[0].last_visit_at == visited


def test_a_booking_becomes_the_last_visit_once_it_has_started(logged_in, business):
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    appointment = AppointmentFactory(service=ServiceFactory(business=business), start_time=start)

    response = logged_in.get(f"/dashboard/clients/{appointment.client_id}/")

    assert response.context["client"].last_visit_at == start


# --- Import --------------------------------------------------------------------------------------------
def test_import_reports_created_known_and_refused_rows_with_their_lines(logged_in, business):
    Client.objects.create(business=business, name="Já Conhecida", whatsapp="+5511988880001", notes="VIP de 2019")
    text = (
        "name,phone,email\n"
        "Ana,(11) 98888-0002,ana@x.com\n"  # 2 created
        "Outro Nome,11988880001,nova@x.com\n"  # 3 known: name kept, empty email filled
        ",11988880003,\n"  # 4 missing name
        "Bia,123,\n"  # 5 bad phone
        "Caio,11988880004,not-an-email\n"  # 6 bad email
        "Ana de novo,+55 11 98888-0002,\n"  # 7 same number as line 2: counts once
    )

    response = logged_in.post("/dashboard/clients/import/", upload(text))

    report = response.context["report"]
    assert response.status_code == 200
    assert (report.created, report.known) == (1, 2)
    assert refused(response) == [(4, "missing_name"), (5, "bad_phone"), (6, "bad_email")]
    known = Client.objects.get(business=business, whatsapp="+5511988880001")
    assert (known.name, known.email, known.notes) == ("Já Conhecida", "nova@x.com", "VIP de 2019")
    assert Client.objects.get(business=business, whatsapp="+5511988880002").name == "Ana"
    assert Client.objects.filter(business=business).count() == 2


def test_import_never_overwrites_a_known_email(business):
    Client.objects.create(business=business, name="Ana", whatsapp="+5511988880001", email="ana@x.com")

    report = clients_import(business=business, rows=[ImportRow(line=2, name="A", phone="11988880001", email="b@x.com")])

    assert (report.created, report.known) == (0, 1)
    assert Client.objects.get(business=business).email == "ana@x.com"


def test_import_reads_semicolons_and_a_bom(logged_in, business):
    text = "\ufeffName;Phone;Email\nJoão Açaí;11 98888-0002;joao@x.com\n"

    response = logged_in.post("/dashboard/clients/import/", upload(text))

    assert response.context["report"].created == 1
    client = Client.objects.get(business=business)
    assert (client.name, client.whatsapp, client.email) == ("João Açaí", "+5511988880002", "joao@x.com")


def test_import_reads_a_spreadsheet_headed_in_portuguese(logged_in, business):
    text = "Nome;Telefone;E-mail\nMaria Souza;(21) 99876-5432;maria@x.com\n"

    response = logged_in.post("/dashboard/clients/import/", upload(text))

    assert response.context["report"].created == 1
    client = Client.objects.get(business=business)
    assert (client.name, client.whatsapp, client.email) == ("Maria Souza", "+5521998765432", "maria@x.com")


def test_a_client_export_imports_into_another_business_as_the_same_clients(logged_in, business):
    Client.objects.create(business=business, name='Ana; "Aninha"', whatsapp="+5511988880001", email="ana@x.com")
    Client.objects.create(business=business, name="João Açaí", whatsapp="+5521998765432")
    exported = b"".join(logged_in.get("/dashboard/clients/export.csv").streaming_content).decode("utf-8")
    other = BusinessFactory()
    logged_in.force_login(other.owner_login)

    response = logged_in.post("/dashboard/clients/import/", upload(exported))

    assert (response.status_code, response.context["report"].created, response.context["report"].refused) == (
        200,
        2,
        [],
    )
    imported = Client.objects.filter(business=other).order_by("name").values_list("name", "whatsapp", "email")
    assert list(imported) == [('Ana; "Aninha"', "+5511988880001", "ana@x.com"), ("João Açaí", "+5521998765432", "")]


def test_import_past_the_plan_limit_keeps_the_rows_before_and_refuses_the_rest(logged_in, business):
    PlanLimits.objects.filter(plan_type="free").update(clients=1)
    text = "name,phone,email\nAna,11988880001,\nBia,11988880002,\n"

    response = logged_in.post("/dashboard/clients/import/", upload(text))

    assert response.context["report"].created == 1
    assert refused(response) == [(3, RefusalReason.PLAN_LIMIT)]
    assert 'href="/dashboard/plan/"' in response.content.decode()
    assert list(Client.objects.values_list("name", flat=True)) == ["Ana"]


@pytest.mark.parametrize(
    "text,encoding",
    [
        ("cliente,contato\nAna,11988880001\n", "utf-8"),  # no phone column under any name it knows
        ("name,phone\nJoão,11988880001\n", "latin-1"),  # not UTF-8
        ("name,phone\n" + "x" * 200_000 + ",11988880001\n", "utf-8"),  # a field the csv module refuses
    ],
)
def test_import_of_an_unreadable_file_says_why_and_imports_nothing(logged_in, text, encoding):
    assert logged_in.post("/dashboard/clients/import/", {}).status_code == 400  # no file at all
    response = logged_in.post("/dashboard/clients/import/", upload(text, encoding=encoding))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file"]
    assert not Client.objects.exists()


def test_import_refuses_a_file_too_large(logged_in, monkeypatch):
    monkeypatch.setattr(crm_views, "IMPORT_MAX_ROWS", 2)
    text = "name,phone\n" + "".join(f"C{n},1198888000{n}\n" for n in range(3))

    too_many = logged_in.post("/dashboard/clients/import/", upload(text))
    monkeypatch.setattr(crm_views, "IMPORT_MAX_BYTES", 10)
    too_big = logged_in.post("/dashboard/clients/import/", upload(text))

    assert (too_many.status_code, too_big.status_code) == (400, 400)
    assert not Client.objects.exists()


# --- Export --------------------------------------------------------------------------------------------
def test_export_round_trips_through_the_csv_module(logged_in, business):
    service = ServiceFactory(business=business)
    visited = timezone.now().replace(microsecond=0) - timedelta(days=3)
    AppointmentFactory(
        service=service,
        client_name='Ana; "Aninha"',
        client_whatsapp="+5511988880001",
        start_time=visited,
        status=AppointmentStatus.COMPLETED,
    )
    Client.objects.filter(whatsapp="+5511988880001").update(
        is_vip=True, tags=["coloração", "manhã"], total_appointments=1
    )
    Client.objects.create(business=business, name="Bia", whatsapp="+5511988880002", email="bia@x.com")

    response = logged_in.get("/dashboard/clients/export.csv")

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ['Ana; "Aninha"', "Bia"]
    assert rows[0]["whatsapp_e164"] == "+5511988880001"
    assert rows[0]["whatsapp"] == "(11) 98888-0001"
    assert (rows[0]["vip"], rows[0]["tags"], rows[0]["total_appointments"]) == ("yes", "coloração, manhã", "1")
    assert rows[0]["last_visit"] == visited.astimezone(ZoneInfo(business.timezone)).date().isoformat()
    assert (rows[1]["email"], rows[1]["last_visit"], rows[1]["total_spent"]) == ("bia@x.com", "", "0.00")


def test_export_takes_the_same_queries_whatever_the_number_of_clients(logged_in, business):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(logged_in.get("/dashboard/clients/export.csv").streaming_content)
        return len(captured)

    Client.objects.create(business=business, name="Ana", whatsapp="+5511988880001")
    few = queries()
    for n in range(2, 12):
        Client.objects.create(business=business, name=f"C{n}", whatsapp=f"+55119888800{n:02d}")

    assert queries() == few


def test_export_shows_only_this_business_clients(logged_in, business):
    Client.objects.create(business=BusinessFactory(), name="Outra", whatsapp="+5511988880009")

    body = b"".join(logged_in.get("/dashboard/clients/export.csv").streaming_content).decode("utf-8-sig")

    assert "Outra" not in body


# --- Permissions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["/dashboard/clients/new/", "/dashboard/clients/import/", "/dashboard/clients/export.csv"]
)
def test_a_professional_may_not_add_import_or_export_clients(client, business, url):
    professional = business.professionals.get(is_owner=True)

    assert member(client, business, Role.PROFESSIONAL, professional).get(url).status_code == 403


def test_a_receptionist_may_add_import_and_export_clients(client, business):
    receptionist = member(client, business, Role.RECEPTIONIST)

    assert receptionist.post("/dashboard/clients/new/", {"name": "Ana", "whatsapp": "11988880001"}).status_code == 302
    imported = receptionist.post("/dashboard/clients/import/", upload("name,phone\nBia,11988880002\n"))
    assert imported.context["report"].created == 1
    assert receptionist.get("/dashboard/clients/export.csv").status_code == 200


def test_a_professional_sees_no_booking_button_for_a_client_it_did_not_serve(client, business):
    stranger = Client.objects.create(business=business, name="Ana", whatsapp="+5511988880001")
    professional = business.professionals.get(is_owner=True)

    response = member(client, business, Role.PROFESSIONAL, professional).get(
        f"/dashboard/agenda/new/?client={stranger.pk}"
    )

    assert response.status_code == 404


def test_another_business_client_page_is_not_found(logged_in):
    stranger = Client.objects.create(business=BusinessFactory(), name="Outra", whatsapp="+5511988880001")

    assert logged_in.get(f"/dashboard/clients/{stranger.pk}/").status_code == 404
