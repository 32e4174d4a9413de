"""Prices typed the Brazilian way, and who performs a service, through the service pages and the API."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agendazap.forms import BrazilianDecimalField
from catalog.models import Service
from tests.factories import ProfessionalFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def service_form(**changes) -> dict:
    return {"name": "Escova", "duration": "45", "price": "45", "category_id": "", "is_active": "on", **changes}


# --- The price field ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.200,00", "1200.00"),
        ("1200,50", "1200.50"),
        ("1200.50", "1200.50"),
        ("R$ 1.200,00", "1200.00"),
        ("R$\xa045", "45"),
        ("45", "45"),
        ("45,9", "45.9"),
        ("1.200.000,55", "1200000.55"),
        ("1,200.00", "1200.00"),
        (" 12,30 ", "12.30"),
    ],
)
def test_the_price_field_reads_what_brazilians_type(typed, amount):
    assert BrazilianDecimalField().clean(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["1.200", "1,200", "12,345"])
def test_a_lone_separator_before_three_digits_is_refused_as_ambiguous(typed):
    with pytest.raises(ValidationError) as refused:
        BrazilianDecimalField().clean(typed)
    assert refused.value.code == "ambiguous" and typed in refused.value.messages[0]


@pytest.mark.parametrize("typed", ["abc", "1.2.3", "1..200", ",50", "12.3456", "1e5", "1,200,00", "R$ -", "45 reais"])
def test_garbage_is_refused_with_an_example(typed):
    with pytest.raises(ValidationError) as refused:
        BrazilianDecimalField().clean(typed)
    assert refused.value.code == "invalid"


@pytest.mark.parametrize(
    ("typed", "stored"), [("1.200,00", "1200.00"), ("R$ 1.200,00", "1200.00"), ("1200.50", "1200.50"), ("45", "45.00")]
)
def test_the_service_page_stores_the_price_typed(logged_in, business, typed, stored):
    response = logged_in.post("/dashboard/services/new/", service_form(price=typed))

    assert response.status_code == 302
    assert Service.objects.get(business=business).price == Decimal(stored)


def test_an_ambiguous_price_comes_back_beside_the_field_with_what_was_typed(logged_in, business):
    response = logged_in.post("/dashboard/services/new/", service_form(name="Escova longa", price="1.200"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "é ambíguo" in page and 'id="id_price_error"' in page
    assert 'value="1.200"' in page and 'value="Escova longa"' in page
    assert not Service.objects.exists()


def test_a_stored_price_shows_with_thousands_in_the_input_and_the_list(logged_in, business):
    service = ServiceFactory(business=business, name="Progressiva", price=Decimal("1200.00"))

    form_page = logged_in.get(f"/dashboard/services/{service.pk}/").content.decode()
    list_page = logged_in.get("/dashboard/services/").content.decode()

    assert 'name="price" value="1.200,00"' in form_page
    assert "R$\xa01.200,00" in list_page


def test_in_english_the_input_shows_the_english_grouping_and_reads_it_back(logged_in, business):
    service = ServiceFactory(business=business, name="Progressiva", price=Decimal("1200.00"))
    logged_in.cookies.load({"django_language": "en"})

    form_page = logged_in.get(f"/dashboard/services/{service.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    saved = logged_in.post(
        f"/dashboard/services/{service.pk}/",
        service_form(name="Progressiva", price="1,200.00"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert 'name="price" value="1,200.00"' in form_page
    assert saved.status_code == 302
    service.refresh_from_db()
    assert service.price == Decimal("1200.00")


@pytest.mark.parametrize(
    "price", ['"abc"', '"1.200,00"', '"NaN"', '"Infinity"', "true", "[]", "{}", "-5", '"12.345"', "1e999", "9" * 40]
)
def test_the_api_answers_a_bad_price_with_a_400_beside_price(auth_client, price):
    body = '{"name": "Corte", "duration": 30, "price": %s}' % price

    response = auth_client.post("/api/services/", body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["price"]


@pytest.mark.parametrize(("price", "stored"), [(1200.5, "1200.50"), ("1200.50", "1200.50"), (45, "45.00")])
def test_the_api_keeps_json_numbers_and_decimal_strings(auth_client, price, stored):
    response = auth_client.post("/api/services/", {"name": "Corte", "duration": 30, "price": price}, format="json")

    assert response.status_code == 201
    assert Decimal(str(response.json()["price"])) == Decimal(stored)
    assert Service.objects.get().price == Decimal(stored)


# --- Who performs it ---------------------------------------------------------------------------
def test_the_form_lists_the_owner_like_anyone_and_says_whole_team_by_default(logged_in, business):
    ProfessionalFactory(business=business, name="Bruno")
    owner = business.professionals.get(is_owner=True)

    page = logged_in.get("/dashboard/services/new/").content.decode()

    assert "Toda a equipe, inclusive quem entrar depois" in page
    assert f"{owner.name} (titular)" in page and "Bruno" in page
    assert re.search(r'<input[^>]*name="performed_by" value="everyone"[^>]*checked', page)


def test_what_is_saved_is_what_was_ticked_owner_included(logged_in, business):
    bruno = ProfessionalFactory(business=business, name="Bruno")
    owner = business.professionals.get(is_owner=True)

    response = logged_in.post(
        "/dashboard/services/new/",
        service_form(performed_by="chosen", professional_ids=[str(owner.pk), str(bruno.pk)]),
    )

    assert response.status_code == 302
    assert set(Service.objects.get().professionals.all()) == {owner, bruno}
    listed = logged_in.get("/dashboard/services/").content.decode()
    assert f"Quem realiza: {owner.name}, Bruno" in " ".join(listed.split())


def test_the_whole_team_saves_nobody_assigned_and_the_list_says_so(logged_in, business):
    service = ServiceFactory(business=business, name="Corte")
    service.professionals.set([business.professionals.get()])

    response = logged_in.post(f"/dashboard/services/{service.pk}/", service_form(name="Corte", performed_by="everyone"))

    assert response.status_code == 302
    assert not service.professionals.exists()
    listed = logged_in.get("/dashboard/services/").content.decode()
    assert "Quem realiza: toda a equipe" in " ".join(listed.split())


def test_an_edit_page_shows_the_people_ticked(logged_in, business):
    bruno = ProfessionalFactory(business=business, name="Bruno")
    service = ServiceFactory(business=business)
    service.professionals.set([bruno])

    page = logged_in.get(f"/dashboard/services/{service.pk}/").content.decode()

    assert re.search(r'<input[^>]*name="performed_by" value="chosen"[^>]*checked', page)
    assert re.search(rf'<input[^>]*name="professional_ids" value="{bruno.pk}"[^>]*checked', page)


@pytest.mark.parametrize(
    ("choice", "ticked", "field", "message"),
    [
        ("chosen", False, "professional_ids", "Marque quem realiza, ou escolha toda a equipe."),
        ("everyone", True, "performed_by", "Você escolheu toda a equipe e também marcou pessoas"),
    ],
)
def test_a_choice_that_contradicts_the_ticks_is_refused(logged_in, business, choice, ticked, field, message):
    owner = business.professionals.get()
    data = service_form(performed_by=choice, professional_ids=[str(owner.pk)] if ticked else [])

    response = logged_in.post("/dashboard/services/new/", data)

    assert response.status_code == 400
    assert message in response.content.decode() and f'id="id_{field}_error"' in response.content.decode()
    assert not Service.objects.exists()


def test_the_api_saves_the_professionals_sent_owner_included_and_empty_is_the_whole_team(auth_client, business):
    bruno = ProfessionalFactory(business=business, name="Bruno")
    owner = business.professionals.get(is_owner=True)

    created = auth_client.post(
        "/api/services/",
        {"name": "Corte", "duration": 30, "price": 40, "professional_ids": [str(owner.pk), str(bruno.pk)]},
        format="json",
    ).json()
    emptied = auth_client.patch(f"/api/services/{created['id']}", {"professional_ids": []}, format="json").json()

    assert set(created["professional_ids"]) == {str(owner.pk), str(bruno.pk)}
    assert emptied["professional_ids"] == []
    assert not Service.objects.get().professionals.exists()


def test_the_service_list_reads_who_performs_in_a_fixed_number_of_queries(
    logged_in, business, django_assert_max_num_queries
):
    bruno = ProfessionalFactory(business=business, name="Bruno")
    ServiceFactory(business=business).professionals.set([bruno])
    with django_assert_max_num_queries(12) as one:
        logged_in.get("/dashboard/services/")
    for number in range(8):
        ServiceFactory(business=business, name=f"Serviço {number}").professionals.set([bruno])
    with django_assert_max_num_queries(len(one.captured_queries)):
        logged_in.get("/dashboard/services/")
