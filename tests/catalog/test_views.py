"""The dashboard's service pages, through real requests as the business owner sees them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import PlanLimits
from catalog.models import Service, ServiceCategory
from tests.factories import AppointmentFactory, ProfessionalFactory, ServiceCategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def service_form(**changes) -> dict:
    return {"name": "Escova", "duration": "45", "price": "45,50", "category_id": "", "is_active": "on", **changes}


def test_service_list_renders_in_portuguese_and_filters(logged_in, business):
    hair = ServiceCategoryFactory(business=business, name="Cabelo")
    ServiceFactory(business=business, name="Corte", category=hair, price=Decimal("50"))
    ServiceFactory(business=business, name="Manicure", is_active=False, price=Decimal("30"))

    response = logged_in.get("/dashboard/services/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'lang="pt-br"' in content and "Novo serviço" in content
    assert "Corte" in content and "R$\xa050,00" in content and "Cabelo" in content
    assert "Manicure" in content and "Inativo" in content
    assert 'href="/dashboard/services/" aria-current="page"' in content

    by_category = logged_in.get(f"/dashboard/services/?category_id={hair.pk}").content.decode()
    assert "Corte" in by_category and "Manicure" not in by_category
    inactive = logged_in.get("/dashboard/services/?is_active=false").content.decode()
    assert "Manicure" in inactive and "R$\xa050,00" not in inactive
    searched = logged_in.get("/dashboard/services/?query=mani").content.decode()
    assert "Manicure" in searched and "R$\xa050,00" not in searched


def test_every_service_page_renders_in_portuguese(logged_in, business):
    service = ServiceFactory(business=business)
    pages = {
        "/dashboard/services/": "Novo serviço",
        "/dashboard/services/new/": "Criar serviço",
        f"/dashboard/services/{service.pk}/": "Excluir serviço",
        "/dashboard/services/categories/": "Categorias de serviços",
    }
    for url, heading in pages.items():
        response = logged_in.get(url)
        assert response.status_code == 200, url
        assert 'lang="pt-br"' in response.content.decode() and heading in response.content.decode(), url


def test_create_a_service_with_a_brazilian_price_and_its_professionals(logged_in, business):
    hair = ServiceCategoryFactory(business=business, name="Cabelo")
    pro = business.professionals.get()
    assert logged_in.get("/dashboard/services/new/").status_code == 200

    response = logged_in.post(
        "/dashboard/services/new/", service_form(category_id=str(hair.pk), professional_ids=[str(pro.pk)])
    )

    assert response.status_code == 302
    service = Service.objects.get(business=business)
    assert (service.name, service.duration, service.price, service.category) == ("Escova", 45, Decimal("45.50"), hair)
    assert list(service.professionals.all()) == [pro]
    assert "Serviço “Escova” criado." in logged_in.get(response["Location"]).content.decode()


def test_a_service_table_business_must_price_its_services(logged_in, business):
    response = logged_in.post("/dashboard/services/new/", service_form(price=""))
    assert response.status_code == 400
    assert "Um negócio com tabela de serviços precisa definir um preço" in response.content.decode()
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": "0"}, "Deve ser um número inteiro de minutos"),
        ({"duration": "meia hora"}, "Informe um número inteiro."),
        ({"price": "-3"}, "Deve ser zero ou mais."),
        ({"name": ""}, "Este campo é obrigatório."),
    ],
)
def test_bad_service_input_shows_errors_and_creates_nothing(logged_in, changes, message):
    response = logged_in.post("/dashboard/services/new/", service_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Service.objects.exists()


def test_a_service_over_the_plan_limit_answers_402_with_a_link_to_the_plan(logged_in, business):
    PlanLimits.objects.filter(plan_type="free").update(services=1)
    ServiceFactory(business=business)

    response = logged_in.post("/dashboard/services/new/", service_form())

    assert response.status_code == 402
    content = response.content.decode()
    assert "Você atingiu o limite do seu plano." in content and 'href="/dashboard/plan/"' in content
    assert Service.objects.count() == 1


def test_edit_a_service(logged_in, business):
    service = ServiceFactory(business=business, name="Corte", duration=60, price=Decimal("50"))
    page = logged_in.get(f"/dashboard/services/{service.pk}/")
    assert page.status_code == 200
    assert 'value="50,00"' in page.content.decode()

    response = logged_in.post(f"/dashboard/services/{service.pk}/", service_form(name="Corte feminino", duration="90"))

    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.duration, service.price, service.is_active) == (
        "Corte feminino",
        90,
        Decimal("45.50"),
        True,
    )

    logged_in.post(f"/dashboard/services/{service.pk}/", {**service_form(), "is_active": ""})
    service.refresh_from_db()
    assert not service.is_active


def test_delete_a_service_without_appointments(logged_in, business):
    service = ServiceFactory(business=business)
    response = logged_in.post(f"/dashboard/services/{service.pk}/delete/")
    assert response.status_code == 302
    assert not Service.objects.filter(pk=service.pk).exists()


def test_a_service_with_only_past_appointments_is_archived(logged_in, business):
    service = ServiceFactory(business=business, name="Luzes")
    AppointmentFactory(service=service, start_time=timezone.now() - timedelta(days=10))

    response = logged_in.post(f"/dashboard/services/{service.pk}/delete/", follow=True)

    service.refresh_from_db()
    assert service.archived_at is not None and not service.is_active
    assert "foi desativado e ocultado" in response.content.decode()
    assert logged_in.get(f"/dashboard/services/{service.pk}/").status_code == 404


def test_delete_is_refused_while_the_service_has_upcoming_appointments(logged_in, business):
    service = ServiceFactory(business=business)
    AppointmentFactory(service=service, start_time=timezone.now() + timedelta(days=3))

    response = logged_in.post(f"/dashboard/services/{service.pk}/delete/")

    assert response.status_code == 400
    content = response.content.decode()
    assert "Este serviço tem 1 agendamento futuro." in content
    assert 'role="alert"' in content
    service.refresh_from_db()
    assert service.archived_at is None and service.is_active


def test_categories_are_created_renamed_and_deleted(logged_in, business):
    assert logged_in.get("/dashboard/services/categories/").status_code == 200

    assert logged_in.post("/dashboard/services/categories/", {"name": "Unhas"}).status_code == 302
    category = ServiceCategory.objects.get(business=business)
    service = ServiceFactory(business=business, category=category)

    duplicate = logged_in.post("/dashboard/services/categories/", {"name": "unhas"})
    assert duplicate.status_code == 400
    assert "Você já tem uma categoria com este nome." in duplicate.content.decode()

    prefix = f"c{category.pk.hex}"
    assert (
        logged_in.post(f"/dashboard/services/categories/{category.pk}/", {f"{prefix}-name": "Mãos"}).status_code == 302
    )
    category.refresh_from_db()
    assert category.name == "Mãos"

    assert logged_in.post(f"/dashboard/services/categories/{category.pk}/delete/").status_code == 302
    assert not ServiceCategory.objects.exists()
    service.refresh_from_db()
    assert service.category is None


def test_another_business_services_and_categories_are_not_found(logged_in, business, other_owner):
    service = ServiceFactory(business=other_owner)
    category = ServiceCategoryFactory(business=other_owner)

    assert logged_in.get(f"/dashboard/services/{service.pk}/").status_code == 404
    assert logged_in.post(f"/dashboard/services/{service.pk}/", service_form()).status_code == 404
    assert logged_in.post(f"/dashboard/services/{service.pk}/delete/").status_code == 404
    assert logged_in.post(f"/dashboard/services/categories/{category.pk}/", {"name": "X"}).status_code == 404
    assert logged_in.post(f"/dashboard/services/categories/{category.pk}/delete/").status_code == 404
    service.refresh_from_db()
    assert service.name != "Escova"
    assert ServiceCategory.objects.filter(pk=category.pk).exists()

    # Another business's category or professional cannot be attached to one's own service either.
    stranger = ProfessionalFactory(business=other_owner)
    response = logged_in.post(
        "/dashboard/services/new/", service_form(category_id=str(category.pk), professional_ids=[str(stranger.pk)])
    )
    assert response.status_code == 400
    assert not Service.objects.filter(business=business).exists()


def test_service_pages_need_login(client):
    response = client.get("/dashboard/services/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
