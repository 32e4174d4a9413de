"""/api/services/, /api/services/{id}, /api/services/stats and /api/services/categories/."""

from decimal import Decimal

import pytest

from catalog.models import Service, ServiceCategory
from tests.catalog.conftest import book, client_for
from tests.factories import ProfessionalFactory, ServiceCategoryFactory, ServiceFactory

SERVICES = "/api/services/"
STATS = "/api/services/stats"
CATEGORIES = "/api/services/categories/"

pytestmark = pytest.mark.django_db


def detail(service_or_id) -> str:
    return f"/api/services/{getattr(service_or_id, 'pk', service_or_id)}"


def category_detail(category_or_id) -> str:
    return f"/api/services/categories/{getattr(category_or_id, 'pk', category_or_id)}"


def names(response) -> list[str]:
    return [service["name"] for service in response.json()["services"]]


# --- Authentication and routing ------------------------------------------------------------------
@pytest.mark.parametrize("path", [SERVICES, STATS, CATEGORIES])
def test_every_path_needs_authentication(api_client, path):
    assert api_client.get(path).status_code == 401


@pytest.mark.parametrize("path", ["/api/services", "/api/services/stats/", "/api/services/categories"])
def test_paths_answer_with_and_without_trailing_slash_without_redirect(auth_client, path):
    assert auth_client.get(path).status_code == 200


def test_detail_answers_with_and_without_trailing_slash(auth_client, business):
    service = ServiceFactory(business=business)
    category = ServiceCategoryFactory(business=business)
    for path in (detail(service), detail(service) + "/", category_detail(category), category_detail(category) + "/"):
        assert auth_client.get(path).status_code == 200, path


def test_post_without_trailing_slash_creates(auth_client):
    response = auth_client.post("/api/services", {"name": "Corte", "duration": 30, "price": 40}, format="json")
    assert response.status_code == 201


def test_stats_and_categories_are_not_read_as_a_service_id(auth_client, business):
    ServiceFactory(business=business)
    assert set(auth_client.get("/api/services/stats").json()) == {"services", "totals"}
    assert isinstance(auth_client.get("/api/services/categories").json(), list)


# --- Create ---------------------------------------------------------------------------------------
def test_service_table_business_creates_a_priced_service(auth_client, business):
    category = ServiceCategoryFactory(business=business, name="Cabelo")
    response = auth_client.post(
        SERVICES,
        {
            "name": "Corte de Cabelo",
            "description": "Corte moderno e estiloso",
            "duration": 60,
            "price": 50.0,
            "category_id": str(category.pk),
            "images": ["https://cdn.exemplo.com.br/corte.jpg"],
            "promotions": {"terça": "10% off"},
            "custom_fields": {"toalha": True},
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Corte de Cabelo"
    assert body["price"] == 50.0
    assert body["duration"] == 60
    assert body["category_id"] == str(category.pk)
    assert body["category"] == "Cabelo"
    assert body["is_active"] is True
    assert body["images"] == ["https://cdn.exemplo.com.br/corte.jpg"]
    assert body["promotions"] == {"terça": "10% off"}
    assert body["custom_fields"] == {"toalha": True}
    assert body["credentials"] is None
    assert body["professional_ids"] == []
    assert body["created_at"].endswith("-03:00")  # the business's time zone, São Paulo
    assert Service.objects.get(pk=body["id"]).business == business


@pytest.mark.parametrize("price", [None, "absent"])
def test_service_table_business_must_price_its_services(auth_client, price):
    payload = {"name": "Corte", "duration": 30}
    if price != "absent":
        payload["price"] = price
    response = auth_client.post(SERVICES, payload, format="json")
    assert response.status_code == 400
    assert "price" in response.json()
    assert not Service.objects.exists()


def test_service_table_business_may_give_a_service_away_for_free(auth_client):
    response = auth_client.post(SERVICES, {"name": "Avaliação", "duration": 15, "price": 0}, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == 0


def test_service_table_business_cannot_record_credentials(auth_client):
    response = auth_client.post(
        SERVICES,
        {"name": "Corte", "duration": 30, "price": 40, "credentials": {"register": "CRM 12345-SP"}},
        format="json",
    )
    assert response.status_code == 400
    assert "credentials" in response.json()


def test_consultation_business_may_leave_the_price_empty_and_record_credentials(consultation_client):
    response = consultation_client.post(
        SERVICES,
        {"name": "Consulta", "duration": 50, "credentials": {"register": "CRM 12345-SP"}},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["price"] is None
    assert response.json()["credentials"] == {"register": "CRM 12345-SP"}


@pytest.mark.parametrize("credentials", [["CRM 12345-SP"], "CRM 12345-SP", 12345])
def test_credentials_must_be_an_object(consultation_client, credentials):
    response = consultation_client.post(
        SERVICES, {"name": "Consulta", "duration": 50, "credentials": credentials}, format="json"
    )
    assert response.status_code == 400
    assert "credentials" in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", 0),
        ("duration", -30),
        ("duration", 1441),
        ("duration", 10**9),
        ("duration", "sessenta"),
        ("duration", 30.5),
        ("duration", None),
        ("price", -1),
        ("price", "cinquenta"),
        ("price", 10**12),
        ("price", 10.555),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 256),
        ("images", "https://cdn.exemplo.com.br/a.jpg"),
        ("images", ["não é url"]),
        ("images", ["ftp://cdn.exemplo.com.br/a.jpg"]),
        ("category_id", "not-a-uuid"),
        ("professional_ids", ["not-a-uuid"]),
        ("professional_ids", "all"),
        ("custom_fields", [1, 2]),
        ("is_active", "talvez"),
    ],
)
def test_bad_input_is_a_400_on_that_field(auth_client, field, value):
    payload = {"name": "Corte", "duration": 30, "price": 40, field: value}
    response = auth_client.post(SERVICES, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Service.objects.exists()


@pytest.mark.parametrize("missing", ["name", "duration"])
def test_name_and_duration_are_required(auth_client, missing):
    payload = {"name": "Corte", "duration": 30, "price": 40}
    del payload[missing]
    response = auth_client.post(SERVICES, payload, format="json")
    assert response.status_code == 400
    assert missing in response.json()


def test_every_bad_field_is_reported_at_once(auth_client):
    response = auth_client.post(SERVICES, {"name": "", "duration": 0, "price": -5}, format="json")
    assert response.status_code == 400
    assert {"name", "duration", "price"} <= set(response.json())


def test_unknown_category_is_a_400(auth_client):
    response = auth_client.post(
        SERVICES,
        {"name": "Corte", "duration": 30, "price": 40, "category_id": "6f1c1ad2-58b8-4b7e-9d0a-1f35c2b5d0aa"},
        format="json",
    )
    assert response.status_code == 400
    assert "category_id" in response.json()


def test_another_business_category_is_a_400(auth_client, other_owner):
    theirs = ServiceCategoryFactory(business=other_owner, name="Deles")
    response = auth_client.post(
        SERVICES, {"name": "Corte", "duration": 30, "price": 40, "category_id": str(theirs.pk)}, format="json"
    )
    assert response.status_code == 400
    assert "category_id" in response.json()
    assert "Deles" not in response.content.decode()


def test_unknown_or_foreign_professional_is_a_400(auth_client, business, other_owner):
    theirs = ProfessionalFactory(business=other_owner)
    for professional_id in ("6f1c1ad2-58b8-4b7e-9d0a-1f35c2b5d0aa", str(theirs.pk)):
        response = auth_client.post(
            SERVICES,
            {"name": "Corte", "duration": 30, "price": 40, "professional_ids": [professional_id]},
            format="json",
        )
        assert response.status_code == 400
        assert "professional_ids" in response.json()
    assert not Service.objects.exists()


def test_malformed_json_is_a_400(auth_client):
    response = auth_client.generic(
        "POST", SERVICES, '{"name": "Corte", "duration": 30,', content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_json_list_instead_of_an_object_is_a_400(auth_client):
    response = auth_client.post(SERVICES, [{"name": "Corte"}], format="json")
    assert response.status_code == 400


def test_assigned_professionals_are_returned(auth_client, business):
    ana = ProfessionalFactory(business=business, name="Ana")
    bia = ProfessionalFactory(business=business, name="Bia")
    response = auth_client.post(
        SERVICES,
        {"name": "Coloração", "duration": 60, "price": 120, "professional_ids": [str(ana.pk), str(bia.pk)]},
        format="json",
    )
    assert response.status_code == 201
    assert sorted(response.json()["professional_ids"]) == sorted([str(ana.pk), str(bia.pk)])


def test_owner_fields_sent_in_the_body_are_ignored(auth_client, business, other_owner):
    response = auth_client.post(
        SERVICES, {"name": "Corte", "duration": 30, "price": 40, "business": str(other_owner.pk)}, format="json"
    )
    assert response.status_code == 201
    assert Service.objects.get(pk=response.json()["id"]).business == business


# --- List -----------------------------------------------------------------------------------------
def test_list_has_the_paginated_shape(auth_client, business):
    for name in ("Corte", "Barba", "Escova"):
        ServiceFactory(business=business, name=name)
    body = auth_client.get(SERVICES).json()
    assert set(body) == {"services", "total", "page", "per_page", "total_pages"}
    assert body["total"] == 3
    assert body["page"] == 1
    assert body["per_page"] == 20
    assert body["total_pages"] == 1
    assert [s["name"] for s in body["services"]] == ["Barba", "Corte", "Escova"]


def test_list_pages(auth_client, business):
    for n in range(5):
        ServiceFactory(business=business, name=f"Serviço {n}")
    body = auth_client.get(SERVICES, {"page": 2, "per_page": 2}).json()
    assert [s["name"] for s in body["services"]] == ["Serviço 2", "Serviço 3"]
    assert body["total"] == 5
    assert body["total_pages"] == 3


def test_page_beyond_the_end_is_empty_not_an_error(auth_client, business):
    ServiceFactory(business=business)
    response = auth_client.get(SERVICES, {"page": 9})
    assert response.status_code == 200
    assert response.json()["services"] == []
    assert response.json()["total"] == 1


@pytest.mark.parametrize(("param", "value"), [("per_page", 101), ("per_page", 0), ("page", 0), ("page", "dois")])
def test_bad_paging_is_a_400(auth_client, param, value):
    response = auth_client.get(SERVICES, {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_list_shows_only_my_services(auth_client, business, other_owner):
    ServiceFactory(business=business, name="Meu")
    ServiceFactory(business=other_owner, name="Deles")
    assert names(auth_client.get(SERVICES)) == ["Meu"]


def test_search_matches_name_or_description_ignoring_case(auth_client, business):
    ServiceFactory(business=business, name="Corte masculino")
    ServiceFactory(business=business, name="Barba", description="Inclui toalha quente e CORTE do bigode")
    ServiceFactory(business=business, name="Manicure")
    assert names(auth_client.get(SERVICES, {"query": "corte"})) == ["Barba", "Corte masculino"]


def test_filter_by_category(auth_client, business):
    cabelo = ServiceCategoryFactory(business=business, name="Cabelo")
    ServiceFactory(business=business, name="Corte", category=cabelo)
    ServiceFactory(business=business, name="Manicure")
    assert names(auth_client.get(SERVICES, {"category_id": str(cabelo.pk)})) == ["Corte"]


def test_filter_by_active(auth_client, business):
    ServiceFactory(business=business, name="Ativo")
    ServiceFactory(business=business, name="Pausado", is_active=False)
    assert names(auth_client.get(SERVICES)) == ["Ativo", "Pausado"]
    assert names(auth_client.get(SERVICES, {"is_active": "true"})) == ["Ativo"]
    assert names(auth_client.get(SERVICES, {"is_active": "false"})) == ["Pausado"]


def test_filter_by_price_range(auth_client, business):
    ServiceFactory(business=business, name="Barato", price=Decimal("20.00"))
    ServiceFactory(business=business, name="Médio", price=Decimal("50.00"))
    ServiceFactory(business=business, name="Caro", price=Decimal("150.00"))
    assert names(auth_client.get(SERVICES, {"min_price": "50"})) == ["Caro", "Médio"]
    assert names(auth_client.get(SERVICES, {"max_price": "50"})) == ["Barato", "Médio"]
    assert names(auth_client.get(SERVICES, {"min_price": "21", "max_price": "149.99"})) == ["Médio"]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("is_active", "talvez"),
        ("min_price", "barato"),
        ("max_price", "NaN"),
        ("max_price", "1e999999"),
        ("category_id", "cabelo"),
    ],
)
def test_bad_filter_values_are_a_400(auth_client, business, param, value):
    ServiceFactory(business=business)
    response = auth_client.get(SERVICES, {param: value})
    assert response.status_code == 400
    assert param in response.json()


# --- Get, update ----------------------------------------------------------------------------------
def test_get_a_service(auth_client, business):
    service = ServiceFactory(business=business, name="Corte", price=Decimal("45.50"))
    body = auth_client.get(detail(service)).json()
    assert body["id"] == str(service.pk)
    assert body["price"] == 45.5


def test_unknown_service_is_a_404(auth_client):
    assert auth_client.get(detail("6f1c1ad2-58b8-4b7e-9d0a-1f35c2b5d0aa")).status_code == 404


def test_another_business_service_is_a_404_for_every_method(auth_client, other_owner):
    theirs = ServiceFactory(business=other_owner, name="Deles", price=Decimal("80.00"))
    assert auth_client.get(detail(theirs)).status_code == 404
    assert auth_client.put(detail(theirs), {"name": "Roubado"}, format="json").status_code == 404
    assert auth_client.patch(detail(theirs), {"price": 1}, format="json").status_code == 404
    assert auth_client.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.price) == ("Deles", Decimal("80.00"))


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_takes_a_partial_body(auth_client, business, method):
    category = ServiceCategoryFactory(business=business, name="Cabelo")
    service = ServiceFactory(business=business, name="Corte", duration=30, price=Decimal("40.00"), category=category)
    response = getattr(auth_client, method)(detail(service), {"name": "Corte degradê"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Corte degradê"
    assert (body["duration"], body["price"], body["category"]) == (30, 40.0, "Cabelo")


def test_update_can_clear_the_category(auth_client, business):
    service = ServiceFactory(business=business, category=ServiceCategoryFactory(business=business))
    response = auth_client.patch(detail(service), {"category_id": None}, format="json")
    assert response.status_code == 200
    assert response.json()["category_id"] is None
    assert response.json()["category"] is None


def test_a_failed_update_changes_nothing(auth_client, business):
    service = ServiceFactory(business=business, name="Corte", duration=30)
    response = auth_client.patch(detail(service), {"name": "Novo", "duration": 5000}, format="json")
    assert response.status_code == 400
    assert "duration" in response.json()
    service.refresh_from_db()
    assert (service.name, service.duration) == ("Corte", 30)


def test_service_table_business_cannot_remove_the_price(auth_client, business):
    service = ServiceFactory(business=business)
    response = auth_client.patch(detail(service), {"price": None}, format="json")
    assert response.status_code == 400
    assert "price" in response.json()


def test_consultation_business_can_remove_the_price(consultation_client, consultation_owner):
    service = ServiceFactory(business=consultation_owner)
    response = consultation_client.patch(detail(service), {"price": None}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] is None


def test_update_moves_another_business_category_is_a_400(auth_client, business, other_owner):
    service = ServiceFactory(business=business)
    response = auth_client.patch(
        detail(service), {"category_id": str(ServiceCategoryFactory(business=other_owner).pk)}, format="json"
    )
    assert response.status_code == 400
    assert "category_id" in response.json()


def test_professionals_can_be_assigned_and_reset_to_everybody(auth_client, business):
    service = ServiceFactory(business=business)
    ana = ProfessionalFactory(business=business)
    response = auth_client.patch(detail(service), {"professional_ids": [str(ana.pk)]}, format="json")
    assert response.json()["professional_ids"] == [str(ana.pk)]
    response = auth_client.patch(detail(service), {"name": "Outro nome"}, format="json")
    assert response.json()["professional_ids"] == [str(ana.pk)]
    response = auth_client.patch(detail(service), {"professional_ids": []}, format="json")
    assert response.json()["professional_ids"] == []


def test_deactivated_service_stays_listed(auth_client, business):
    service = ServiceFactory(business=business, name="Corte")
    response = auth_client.patch(detail(service), {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert names(auth_client.get(SERVICES)) == ["Corte"]
    assert auth_client.get(detail(service)).status_code == 200


# --- Delete ---------------------------------------------------------------------------------------
def test_delete_a_service_never_booked_removes_it(auth_client, business):
    service = ServiceFactory(business=business)
    assert auth_client.delete(detail(service)).status_code == 204
    assert not Service.objects.filter(pk=service.pk).exists()


def test_delete_a_service_with_an_upcoming_booking_is_refused(auth_client, business):
    service = ServiceFactory(business=business, name="Corte")
    book(service, status="pending", days=2)
    book(service, status="completed", days=-2)
    response = auth_client.delete(detail(service))
    assert response.status_code == 400
    assert "desative o serviço" in response.json()["detail"]
    assert response.json()["upcoming_appointments"] == 1
    service.refresh_from_db()
    assert service.is_active is True
    assert service.archived_at is None
    assert names(auth_client.get(SERVICES)) == ["Corte"]


def test_delete_a_service_with_past_bookings_archives_it(auth_client, business):
    service = ServiceFactory(business=business, name="Corte")
    past = book(service, status="completed", days=-3)
    book(service, status="cancelled", days=3)  # a cancelled future booking does not hold the delete back
    assert auth_client.delete(detail(service)).status_code == 204
    assert auth_client.get(detail(service)).status_code == 404
    assert names(auth_client.get(SERVICES)) == []
    assert auth_client.delete(detail(service)).status_code == 404
    service.refresh_from_db()
    assert service.is_active is False
    assert service.archived_at is not None
    past.refresh_from_db()
    assert past.service_id == service.pk


# --- Stats ----------------------------------------------------------------------------------------
def test_stats_figures(auth_client, business, other_owner):
    corte = ServiceFactory(business=business, name="Corte", price=Decimal("50.00"))
    barba = ServiceFactory(business=business, name="Barba", price=Decimal("30.00"))
    ServiceFactory(business=business, name="Nunca agendado")
    book(corte, status="completed", days=-5, price="50.00")
    book(corte, status="completed", days=-4, price="45.00")  # a discounted one
    book(corte, status="no_show", days=-3, price="50.00")
    book(corte, status="cancelled", days=-2, price="50.00")
    book(corte, status="confirmed", days=2, price="50.00")
    book(barba, status="completed", days=-1, price="30.00")
    book(barba, status="pending", days=1, price="30.00")
    book(barba, status="cancelled", days=3, price="30.00")
    book(ServiceFactory(business=other_owner), status="completed", days=-1, price="999.00")

    body = auth_client.get(STATS).json()
    rows = {row["name"]: row for row in body["services"]}
    assert set(rows) == {"Corte", "Barba", "Nunca agendado"}
    # Non-cancelled bookings: Corte 4, Barba 2 → 6 in all.
    assert rows["Corte"] | {"service_id": None} == {
        "service_id": None,
        "name": "Corte",
        "is_active": True,
        "archived": False,
        "appointments": 5,
        "completed": 2,
        "cancelled": 1,
        "no_show": 1,
        "revenue": 95.0,
        "share": round(4 / 6, 4),
    }
    assert rows["Corte"]["service_id"] == str(corte.pk)
    assert (rows["Barba"]["appointments"], rows["Barba"]["revenue"], rows["Barba"]["share"]) == (
        3,
        30.0,
        round(2 / 6, 4),
    )
    assert (rows["Nunca agendado"]["appointments"], rows["Nunca agendado"]["share"]) == (0, 0.0)
    assert body["totals"] == {
        "services": 3,
        "appointments": 8,
        "completed": 3,
        "cancelled": 2,
        "no_show": 1,
        "revenue": 125.0,
    }


def test_stats_of_a_business_without_bookings(auth_client, business):
    ServiceFactory(business=business)
    body = auth_client.get(STATS).json()
    assert body["services"][0]["share"] == 0.0
    assert body["totals"]["appointments"] == 0
    assert body["totals"]["revenue"] == 0


# --- Categories -----------------------------------------------------------------------------------
def test_category_crud(auth_client, business):
    response = auth_client.post(CATEGORIES, {"name": "Cabelo", "description": "Cortes e escovas"}, format="json")
    assert response.status_code == 201
    category = response.json()
    assert (category["name"], category["description"], category["services_count"]) == (
        "Cabelo",
        "Cortes e escovas",
        0,
    )
    ServiceFactory(business=business, category_id=category["id"])

    assert auth_client.get(category_detail(category["id"])).json()["services_count"] == 1
    response = auth_client.put(category_detail(category["id"]), {"name": "Cabelos"}, format="json")
    assert (response.status_code, response.json()["name"]) == (200, "Cabelos")
    assert response.json()["description"] == "Cortes e escovas"
    response = auth_client.patch(category_detail(category["id"]), {"description": ""}, format="json")
    assert (response.status_code, response.json()["description"]) == (200, "")
    assert [c["name"] for c in auth_client.get(CATEGORIES).json()] == ["Cabelos"]

    assert auth_client.delete(category_detail(category["id"])).status_code == 204
    assert auth_client.get(CATEGORIES).json() == []


def test_deleting_a_category_keeps_its_services_uncategorized(auth_client, business):
    category = ServiceCategoryFactory(business=business)
    service = ServiceFactory(business=business, name="Corte", category=category)
    assert auth_client.delete(category_detail(category)).status_code == 204
    body = auth_client.get(detail(service)).json()
    assert (body["name"], body["category_id"], body["category"]) == ("Corte", None, None)


def test_category_names_are_unique_per_business_ignoring_case(auth_client, business, other_owner):
    ServiceCategoryFactory(business=other_owner, name="Cabelo")
    assert auth_client.post(CATEGORIES, {"name": "Cabelo"}, format="json").status_code == 201
    response = auth_client.post(CATEGORIES, {"name": "CABELO"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    unhas = auth_client.post(CATEGORIES, {"name": "Unhas"}, format="json").json()
    response = auth_client.patch(category_detail(unhas["id"]), {"name": "cabelo"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "  "}, {"name": "x" * 101}])
def test_category_needs_a_name(auth_client, payload):
    response = auth_client.post(CATEGORIES, payload, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert not ServiceCategory.objects.exists()


def test_another_business_category_is_a_404_for_every_method(auth_client, business, other_owner):
    theirs = ServiceCategoryFactory(business=other_owner, name="Deles")
    ServiceCategoryFactory(business=business, name="Meu")
    assert [c["name"] for c in auth_client.get(CATEGORIES).json()] == ["Meu"]
    assert auth_client.get(category_detail(theirs)).status_code == 404
    assert auth_client.put(category_detail(theirs), {"name": "X"}, format="json").status_code == 404
    assert auth_client.patch(category_detail(theirs), {"name": "X"}, format="json").status_code == 404
    assert auth_client.delete(category_detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Deles"


# --- Query budgets --------------------------------------------------------------------------------
# Authentication costs 1 (the membership the token works through, with its login, business and
# role, and whether logout revoked the token); the list adds count, page and professionals.
LIST_QUERIES = 4
STATS_QUERIES = 2


@pytest.mark.parametrize("n_services", [1, 30])
def test_list_runs_the_same_queries_whatever_the_page_size(business, django_assert_num_queries, n_services):
    client = client_for(business)
    category = ServiceCategoryFactory(business=business)
    ana = ProfessionalFactory(business=business)
    for _n in range(n_services):
        service = ServiceFactory(business=business, category=category)
        service.professionals.set([ana])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(SERVICES, {"per_page": 100})
    assert len(response.json()["services"]) == n_services
    assert all(
        s["category"] == category.name and s["professional_ids"] == [str(ana.pk)] for s in response.json()["services"]
    )


@pytest.mark.parametrize("n_services", [1, 30])
def test_stats_run_the_same_queries_whatever_the_number_of_services(business, django_assert_num_queries, n_services):
    client = client_for(business)
    for n in range(n_services):
        service = ServiceFactory(business=business)
        book(service, status="completed", days=-1 - n)
        book(service, status="cancelled", days=1 + n)
    with django_assert_num_queries(STATS_QUERIES):
        response = client.get(STATS)
    assert response.json()["totals"]["completed"] == n_services


def test_schema_documents_the_services_api(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/services"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/services/{service_id}"])
    assert "get" in paths["/api/services/stats"]
    assert {"get", "post"} <= set(paths["/api/services/categories"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/services/categories/{category_id}"])
    assert paths["/api/services"]["get"]["tags"] == ["services"]
