"""The catalog in the Django admin, as AgendaZap staff use it."""

import pytest

from tests.factories import ServiceCategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_staff_find_services_by_business_and_name(admin_client):
    wanted = ServiceFactory(name="Corte degradê", business__name="Barbearia do Zé")
    ServiceFactory(name="Manicure")
    response = admin_client.get("/admin/catalog/service/", {"q": "Barbearia do Zé"})
    assert response.status_code == 200
    assert "Corte degradê" in response.content.decode()
    assert "Manicure" not in response.content.decode()
    assert admin_client.get(f"/admin/catalog/service/{wanted.pk}/change/").status_code == 200


def test_staff_deactivate_services_in_bulk(admin_client):
    service = ServiceFactory()
    admin_client.post("/admin/catalog/service/", {"action": "deactivate", "_selected_action": [str(service.pk)]})
    service.refresh_from_db()
    assert service.is_active is False


def test_category_list_shows_how_many_services_each_has(admin_client):
    category = ServiceCategoryFactory(name="Cabelo")
    ServiceFactory(business=category.business, category=category)
    ServiceFactory(business=category.business, category=category)
    response = admin_client.get("/admin/catalog/servicecategory/")
    assert response.status_code == 200
    assert response.context["cl"].result_list[0].services_count == 2
