"""The dashboard's client pages, through real requests as the business owner sees them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Client
from crm.services import client_metrics_refresh
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def other_owner(db):
    return BusinessFactory(name="Barbearia Vizinha")


def make_client(business, name: str, whatsapp: str, **fields) -> Client:
    return Client.objects.create(business=business, name=name, whatsapp=whatsapp, **fields)


@pytest.fixture
def regular(business):
    """A client with four completed visits, a week apart, and one no-show."""
    service = ServiceFactory(business=business, name="Corte", price=Decimal("50"))
    start = timezone.now().replace(microsecond=0) - timedelta(days=40)
    for week in range(5):
        AppointmentFactory(
            service=service,
            client_name="Joana Prado",
            client_whatsapp="+5511988881234",
            start_time=start + timedelta(days=7 * week),
            status=AppointmentStatus.NO_SHOW if week == 4 else AppointmentStatus.COMPLETED,
        )
    client = Client.objects.get(business=business, whatsapp="+5511988881234")
    client.email = "joana@exemplo.com.br"
    client.save(update_fields=["email"])
    return client_metrics_refresh(client=client)


def test_every_client_page_renders_in_portuguese(logged_in, regular):
    pages = {
        "/dashboard/clients/": "Buscar clientes",
        f"/dashboard/clients/{regular.pk}/": "Histórico",
        f"/dashboard/clients/{regular.pk}/edit/": "Salvar cliente",
        f"/dashboard/clients/{regular.pk}/erase/": "Apagar dados pessoais (LGPD)",
    }
    for url, heading in pages.items():
        response = logged_in.get(url)
        assert response.status_code == 200, url
        assert 'lang="pt-br"' in response.content.decode() and heading in response.content.decode(), url


def test_client_list_renders_in_portuguese(logged_in, business, regular):
    make_client(business, "Bruno Reis", "+5521977770000", is_vip=True)

    response = logged_in.get("/dashboard/clients/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'lang="pt-br"' in content and "2 clientes" in content
    assert "Joana Prado" in content and "(11) 98888-1234" in content and "5 agendamentos" in content
    assert "Frequente" in content and "VIP" in content
    assert 'href="/dashboard/clients/" aria-current="page"' in content


@pytest.mark.parametrize("query", ["98888-1234", "988881234", "(11) 98888-1234", "1234", "joana"])
def test_search_finds_a_client_by_phone_digits_or_name(logged_in, business, query):
    make_client(business, "Joana Prado", "+5511988881234")
    make_client(business, "Bruno Reis", "+5521977770000")

    content = logged_in.get("/dashboard/clients/", {"query": query}).content.decode()

    assert "Joana Prado" in content and "Bruno Reis" not in content


def test_list_filters_vip_and_inactive_clients(logged_in, business):
    make_client(business, "Ativa Comum", "+5511900000001")
    make_client(business, "Ativa Vip", "+5511900000002", is_vip=True)
    make_client(business, "Inativa", "+5511900000003", is_active=False)

    default = logged_in.get("/dashboard/clients/").content.decode()
    assert "Ativa Comum" in default and "Inativa" not in default
    vip = logged_in.get("/dashboard/clients/?is_vip=true").content.decode()
    assert "Ativa Vip" in vip and "Ativa Comum" not in vip
    inactive = logged_in.get("/dashboard/clients/?is_active=false").content.decode()
    assert "Inativa" in inactive and "Ativa Comum" not in inactive
    everybody = logged_in.get("/dashboard/clients/?is_active=all").content.decode()
    assert "Inativa" in everybody and "Ativa Comum" in everybody

    assert logged_in.get("/dashboard/clients/?is_active=talvez").status_code == 400


def test_list_orders_by_the_chosen_figure(logged_in, business):
    make_client(business, "Ana Poucas", "+5511900000001", total_appointments=1)
    make_client(business, "Zé Muitas", "+5511900000002", total_appointments=9)

    by_name = logged_in.get("/dashboard/clients/").content.decode()
    assert by_name.index("Ana Poucas") < by_name.index("Zé Muitas")
    by_visits = logged_in.get("/dashboard/clients/?ordering=-total_appointments").content.decode()
    assert by_visits.index("Zé Muitas") < by_visits.index("Ana Poucas")


def test_list_is_paginated(logged_in, business):
    for number in range(30):
        make_client(business, f"Cliente {number:02d}", f"+55119000000{number:02d}")

    first = logged_in.get("/dashboard/clients/").content.decode()
    assert "Cliente 00" in first and "Cliente 24" in first and "Cliente 25" not in first
    assert "Página 1 de 2" in first
    second = logged_in.get("/dashboard/clients/?page=2").content.decode()
    assert "Cliente 25" in second and "Cliente 29" in second and "Cliente 24" not in second


def test_client_list_runs_the_same_queries_for_1_and_20_clients(
    logged_in, business, django_assert_max_num_queries, django_assert_num_queries
):
    make_client(business, "Cliente 00", "+5511900000000")
    # Session, login, its membership, its businesses (the switcher), plan alerts, count, page...
    with django_assert_max_num_queries(9) as one_row:
        assert logged_in.get("/dashboard/clients/").status_code == 200

    for number in range(1, 20):
        make_client(business, f"Cliente {number:02d}", f"+55119000000{number:02d}", is_vip=number % 2 == 0)
    with django_assert_num_queries(len(one_row)):
        response = logged_in.get("/dashboard/clients/")
    assert response.content.decode().count('class="row-item') == 20


def test_client_detail_shows_figures_badge_and_history(logged_in, regular):
    response = logged_in.get(f"/dashboard/clients/{regular.pk}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Joana Prado" in content and "Cliente frequente" in content
    assert "R$\xa0200,00" in content  # four completed visits of R$ 50
    assert "Tíquete médio" in content and "R$\xa050,00" in content
    assert "Faltas" in content and "Não compareceu" in content
    assert content.count("Concluído") >= 4  # the history, newest first
    assert "64<small>/100</small>" in content  # 100 × (0.5 × 0.4 + 0.3 × (1 − 7/120) + 0.2 × 0.8)


def test_edit_a_client(logged_in, business, regular):
    assert logged_in.get(f"/dashboard/clients/{regular.pk}/edit/").status_code == 200
    data = {
        "name": "Joana P. Prado",
        "whatsapp": "(11) 97777-0000",
        "email": "",
        "is_vip": "on",
        "communication_preference": "email",
        "birth_date": "1990-05-17",
        "tags": "coloração, manhã",
        "notes": "Prefere café sem açúcar",
    }

    response = logged_in.post(f"/dashboard/clients/{regular.pk}/edit/", data)

    assert response.status_code == 302
    regular.refresh_from_db()
    assert (regular.name, regular.whatsapp, regular.is_vip) == ("Joana P. Prado", "+5511977770000", True)
    assert regular.tags == ["coloração", "manhã"] and str(regular.birth_date) == "1990-05-17"


def test_edit_refuses_a_number_another_client_has(logged_in, business, regular):
    make_client(business, "Bruno Reis", "+5521977770000")
    data = {"name": "Joana", "whatsapp": "+55 21 97777-0000", "communication_preference": "whatsapp"}

    response = logged_in.post(f"/dashboard/clients/{regular.pk}/edit/", data)

    assert response.status_code == 400
    assert "Já existe um cliente com este número de WhatsApp." in response.content.decode()
    regular.refresh_from_db()
    assert regular.whatsapp == "+5511988881234"


def test_deactivate_and_reactivate_a_client(logged_in, regular):
    assert logged_in.post(f"/dashboard/clients/{regular.pk}/active/", {"is_active": "false"}).status_code == 302
    regular.refresh_from_db()
    assert not regular.is_active
    assert "Reativar cliente" in logged_in.get(f"/dashboard/clients/{regular.pk}/").content.decode()

    assert logged_in.post(f"/dashboard/clients/{regular.pk}/active/", {"is_active": "true"}).status_code == 302
    regular.refresh_from_db()
    assert regular.is_active


def test_lgpd_erase_asks_for_confirmation_then_anonymizes(logged_in, regular):
    url = f"/dashboard/clients/{regular.pk}/erase/"
    page = logged_in.get(url)
    assert page.status_code == 200 and "LGPD" in page.content.decode()

    unconfirmed = logged_in.post(url, {})
    assert unconfirmed.status_code == 400
    assert "Marque a caixa" in unconfirmed.content.decode()
    regular.refresh_from_db()
    assert regular.erased_at is None

    response = logged_in.post(url, {"confirm": "on"}, follow=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Dados pessoais apagados" in content and "Joana" not in content
    regular.refresh_from_db()
    assert regular.erased_at is not None and regular.email == "" and "98888" not in regular.whatsapp
    assert not Appointment.objects.filter(client=regular, client_name__icontains="Joana").exists()
    assert regular.completed_appointments == 4  # the figures stay


def test_another_business_client_is_not_found_on_every_page_and_action(logged_in, other_owner):
    stranger = make_client(other_owner, "Cliente Alheia", "+5511955550000")
    base = f"/dashboard/clients/{stranger.pk}/"

    assert logged_in.get(base).status_code == 404
    assert logged_in.get(base + "edit/").status_code == 404
    assert logged_in.post(base + "edit/", {"name": "Roubada", "whatsapp": "+5511955550000"}).status_code == 404
    assert logged_in.post(base + "active/", {"is_active": "false"}).status_code == 404
    assert logged_in.get(base + "erase/").status_code == 404
    assert logged_in.post(base + "erase/", {"confirm": "on"}).status_code == 404
    stranger.refresh_from_db()
    assert (stranger.name, stranger.is_active, stranger.erased_at) == ("Cliente Alheia", True, None)
    assert "Cliente Alheia" not in logged_in.get("/dashboard/clients/?is_active=all").content.decode()


def test_client_pages_need_login(client):
    response = client.get("/dashboard/clients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
