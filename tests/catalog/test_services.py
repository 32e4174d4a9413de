"""catalog.services and catalog.selectors, called as the dashboard and the API call them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import TemplateType
from catalog import selectors, services
from catalog.models import Service, ServiceCategory
from catalog.services import ServiceDeletion, ServiceInUse
from scheduling.selectors import professionals_for_service, service_bookable_get
from tests.catalog.conftest import book
from tests.factories import ProfessionalFactory, ServiceCategoryFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_service_create_stores_what_it_is_given(business):
    service = services.service_create(
        business=business, data={"name": "  Corte  ", "duration": 45, "price": Decimal("55.9"), "description": None}
    )
    service.refresh_from_db()
    assert (service.name, service.duration, service.price, service.description) == ("Corte", 45, Decimal("55.90"), "")
    assert service.is_active is True
    assert service.images == []


def test_service_create_reports_every_error_by_field(business):
    with pytest.raises(ValidationError) as exc:
        services.service_create(business=business, data={"price": Decimal("-1"), "images": ["javascript:alert(1)"]})
    assert set(exc.value.message_dict) == {"name", "duration", "price", "images"}
    assert not Service.objects.exists()


def test_empty_professional_list_means_everybody_performs_the_service(business):
    ana = ProfessionalFactory(business=business, name="Ana")
    service = services.service_create(business=business, data={"name": "Corte", "duration": 30, "price": 40})
    everybody = {professional.pk for professional in business.professionals.all()}
    assert {p.pk for p in professionals_for_service(business=business, service=service)} == everybody

    services.service_update(service=service, data={"professional_ids": [ana.pk]})
    assert professionals_for_service(business=business, service=service) == [ana]

    services.service_update(service=service, data={"professional_ids": []})
    assert {p.pk for p in professionals_for_service(business=business, service=service)} == everybody


def test_service_update_changes_only_the_keys_given(business):
    category = ServiceCategoryFactory(business=business)
    service = ServiceFactory(
        business=business,
        name="Corte",
        duration=30,
        price=Decimal("40.00"),
        category=category,
        images=["https://a.br/x.jpg"],
    )
    services.service_update(service=service, data={"duration": 40})
    service.refresh_from_db()
    assert (service.name, service.duration, service.price, service.category, service.images) == (
        "Corte",
        40,
        Decimal("40.00"),
        category,
        ["https://a.br/x.jpg"],
    )


def test_a_business_that_became_a_service_table_can_still_edit_an_unpriced_service(consultation_owner):
    business = consultation_owner
    service = services.service_create(
        business=business, data={"name": "Terapia", "duration": 50, "credentials": {"register": "CRP 06/1234"}}
    )
    business.template_type = TemplateType.SERVICE_TABLE
    business.save(update_fields=["template_type"])
    service = selectors.service_get(business=business, service_id=service.pk)
    services.service_update(service=service, data={"name": "Sessão"})
    service.refresh_from_db()
    assert service.name == "Sessão"
    with pytest.raises(ValidationError) as exc:
        services.service_update(service=service, data={"credentials": {"register": "CRP 06/9999"}})
    assert "credentials" in exc.value.message_dict


def test_an_empty_credentials_object_is_not_recorded(consultation_owner):
    service = services.service_create(
        business=consultation_owner, data={"name": "Consulta", "duration": 50, "credentials": {}}
    )
    assert service.credentials is None


def test_deactivated_service_cannot_be_booked(business):
    service = ServiceFactory(business=business)
    assert service_bookable_get(business=business, service_id=service.pk) == service
    services.service_update(service=service, data={"is_active": False})
    with pytest.raises(ValidationError):
        service_bookable_get(business=business, service_id=service.pk)


# --- Delete ---------------------------------------------------------------------------------------
def test_delete_without_appointments_removes_the_row(business):
    service = ServiceFactory(business=business)
    service.professionals.set([ProfessionalFactory(business=business)])
    assert services.service_delete(service=service) == ServiceDeletion.DELETED
    assert not Service.objects.filter(pk=service.pk).exists()


@pytest.mark.parametrize("status", ["pending", "confirmed"])
def test_delete_with_an_upcoming_appointment_is_refused(business, status):
    service = ServiceFactory(business=business)
    book(service, status=status, days=1)
    with pytest.raises(ServiceInUse) as exc:
        services.service_delete(service=service)
    assert exc.value.extra == {"upcoming_appointments": 1}
    service.refresh_from_db()
    assert (service.is_active, service.archived_at) == (True, None)


@pytest.mark.parametrize("status", ["completed", "cancelled", "no_show", "confirmed"])
def test_delete_with_past_appointments_archives(business, status):
    service = ServiceFactory(business=business)
    book(service, status=status, days=-1)
    now = timezone.now()
    assert services.service_delete(service=service, now=now) == ServiceDeletion.ARCHIVED
    service.refresh_from_db()
    assert (service.is_active, service.archived_at) == (False, now)
    with pytest.raises(Http404):
        selectors.service_get(business=business, service_id=service.pk)
    assert list(selectors.service_list(business=business)) == []


def test_archived_service_history_stays_in_the_stats(business):
    service = ServiceFactory(business=business, name="Antigo")
    book(service, status="completed", days=-1, price="70.00")
    services.service_delete(service=service)
    stats = selectors.service_stats(business=business)
    assert [(row["name"], row["archived"], row["revenue"]) for row in stats["services"]] == [
        ("Antigo", True, Decimal("70.00"))
    ]
    assert stats["totals"]["services"] == 0
    assert stats["totals"]["revenue"] == Decimal("70.00")


# --- Selectors ------------------------------------------------------------------------------------
def test_service_list_rejects_bad_filters(business):
    with pytest.raises(ValidationError) as exc:
        selectors.service_list(business=business, filters={"min_price": "x", "is_active": "talvez"})
    assert {"min_price", "is_active"} <= set(exc.value.message_dict)


def test_service_get_is_scoped_to_the_business(business, other_owner):
    theirs = ServiceFactory(business=other_owner)
    with pytest.raises(Http404):
        selectors.service_get(business=business, service_id=theirs.pk)
    with pytest.raises(Http404):
        selectors.service_get(business=business, service_id="not-a-uuid")


# --- Categories -----------------------------------------------------------------------------------
def test_category_delete_keeps_the_services(business):
    category = services.category_create(business=business, data={"name": "Cabelo"})
    service = ServiceFactory(business=business, category=category)
    services.category_delete(category=category)
    service.refresh_from_db()
    assert service.category is None
    assert not ServiceCategory.objects.filter(pk=category.pk).exists()


def test_two_businesses_may_name_a_category_alike(business, other_owner):
    services.category_create(business=business, data={"name": "Cabelo"})
    services.category_create(business=other_owner, data={"name": "Cabelo"})
    with pytest.raises(ValidationError) as exc:
        services.category_create(business=business, data={"name": "cabelo "})
    assert "name" in exc.value.message_dict
    assert ServiceCategory.objects.filter(name="Cabelo").count() == 2


def test_category_update_keeps_its_own_name(business):
    category = services.category_create(business=business, data={"name": "Cabelo"})
    services.category_update(category=category, data={"name": "Cabelo", "description": "Cortes"})
    category.refresh_from_db()
    assert (category.name, category.description) == ("Cabelo", "Cortes")
