"""The over-limit banner of every dashboard page follows usage now: it clears as soon as an upgrade
or a deletion brings a resource under its limit, and stays while it is over. And the plan page's bars."""

import re

import pytest
from django.test import Client

from billing import selectors
from billing.models import DEFAULT_LIMITS, PlanLimits, UsageAlert
from tests.billing.test_plan_limits import new_service

pytestmark = pytest.mark.django_db

REACHED = "Limite do plano atingido"
NEAR = "Você usou 80%"


def set_limits(plan_type, **limits):
    PlanLimits.objects.update_or_create(pk=plan_type, defaults={**DEFAULT_LIMITS[plan_type], **limits})


@pytest.fixture
def owner_client(business) -> Client:
    client = Client()
    client.force_login(business.owner_login)
    return client


def banner(client) -> str:
    """The banner's text on a dashboard page ("" without one)."""
    content = client.get("/dashboard/services/").content.decode()
    return " ".join(re.findall(r'<div class="alert [^"]*plan-alert"[^>]*>(.*?)</div>', content, re.S))


def services_at_the_limit(auth_client) -> list[str]:
    ids = [new_service(auth_client, n).json()["id"] for n in range(5)]
    assert new_service(auth_client, 5).status_code == 402
    return ids


def test_at_the_limit_the_banner_says_so(owner_client, auth_client):
    services_at_the_limit(auth_client)
    text = banner(owner_client)
    assert REACHED in text and "5 de 5" in text


def test_an_upgrade_clears_the_banner_at_once(owner_client, auth_client):
    services_at_the_limit(auth_client)
    assert owner_client.post("/dashboard/plan/", {"plan_type": "starter"}).status_code == 302
    assert banner(owner_client) == ""


def test_deleting_a_service_clears_the_limit_banner(owner_client, auth_client):
    ids = services_at_the_limit(auth_client)
    assert auth_client.delete(f"/api/services/{ids[0]}").status_code == 204
    text = banner(owner_client)
    assert REACHED not in text
    assert NEAR in text and "4 de 5" in text  # still at 80%: the warning says where it stands now
    auth_client.delete(f"/api/services/{ids[1]}")
    assert banner(owner_client) == ""


def test_deactivating_a_professional_clears_the_banner(owner_client, auth_client, business):
    business.plan_type = "starter"  # three professionals
    business.save(update_fields=["plan_type"])
    extra = [auth_client.post("/api/professionals", {"name": name}, format="json").json()["id"] for name in "AB"]
    assert REACHED in banner(owner_client)
    assert auth_client.delete(f"/api/professionals/{extra[0]}").status_code in (200, 204)
    assert banner(owner_client) == ""


def test_deleting_a_client_clears_the_banner(owner_client, auth_client):
    set_limits("free", clients=2)
    ids = [
        auth_client.post("/api/clients", {"name": f"Cliente {n}", "whatsapp": f"+55119777700{n:02d}"}, format="json")
        for n in range(2)
    ]
    assert all(response.status_code == 201 for response in ids), [r.json() for r in ids]
    assert REACHED in banner(owner_client)
    assert auth_client.delete(f"/api/clients/{ids[0].json()['id']}").status_code in (200, 204)
    assert banner(owner_client) == ""


def test_still_over_the_limit_the_banner_stays(owner_client, auth_client):
    ids = services_at_the_limit(auth_client)
    set_limits("free", services=3)  # staff lowered the limit below what is used
    auth_client.delete(f"/api/services/{ids[0]}")
    text = banner(owner_client)
    assert REACHED in text and "4 de 3" in text


def test_totals_alerted_in_an_earlier_month_still_show(owner_client, auth_client, business):
    services_at_the_limit(auth_client)
    UsageAlert.objects.filter(business=business).update(period="2020-01-01")
    assert REACHED in banner(owner_client)


def test_a_monthly_alert_of_an_earlier_month_does_not_show(owner_client, business):
    UsageAlert.objects.create(
        business=business, resource="appointments", period="2020-01-01", threshold=100, used=50, limit=50
    )
    assert banner(owner_client) == ""


def test_the_banner_costs_one_query_without_alerts(business, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.usage_alerts_current(business=business) == []


def test_the_banner_costs_one_query_per_alerted_resource_with_alerts(auth_client, business, django_assert_num_queries):
    services_at_the_limit(auth_client)
    selectors.plan_limits_get(plan_type="free")
    with django_assert_num_queries(3):  # alerted resources, the plan's limits, the services' count
        alerts = selectors.usage_alerts_current(business=business)
    assert [(a.resource, a.used, a.limit, a.threshold) for a in alerts] == [("services", 5, 5, 100)]


# --- The plan page --------------------------------------------------------------------------------
def usage_item(content: str, resource: str) -> str:
    return re.search(rf'<li class="usage-item[^"]*" data-resource="{resource}">.*?</li>', content, re.S).group(0)


def test_plan_page_shows_usage_as_bars_coloured_from_80_and_100(owner_client, auth_client):
    for n in range(4):
        new_service(auth_client, n)
    content = owner_client.get("/dashboard/plan/").content.decode()
    services = usage_item(content, "services")
    assert "usage-high" in services and "4 de 5" in services
    assert 'role="progressbar"' in services
    assert 'aria-valuenow="4"' in services and 'aria-valuemax="5"' in services and 'aria-valuetext="4 de 5"' in services
    assert "width: 80%" in services
    assert "usage-full" in usage_item(content, "professionals")  # the owner is the one professional of Free
    clients = usage_item(content, "clients")
    assert "usage-ok" in clients and "0 de 100" in clients

    new_service(auth_client, 4)
    services = usage_item(owner_client.get("/dashboard/plan/").content.decode(), "services")
    assert "usage-full" in services and "width: 100%" in services


def test_an_unlimited_resource_has_no_bar(owner_client, business):
    business.plan_type = "enterprise"
    business.save(update_fields=["plan_type"])
    services = usage_item(owner_client.get("/dashboard/plan/").content.decode(), "services")
    assert "ilimitado" in services and "progressbar" not in services


def test_plan_page_shows_the_period_as_dates(owner_client):
    content = owner_client.get("/dashboard/plan/").content.decode()
    assert re.search(r"de \d\d/\d\d/\d{4} a \d\d/\d\d/\d{4}", content)
    assert "Gratuito" in content


def test_the_menu_marks_the_plan_page_as_the_current_one(owner_client):
    plan = owner_client.get("/dashboard/plan/").content.decode()
    home = owner_client.get("/dashboard/").content.decode()

    assert re.search(r'href="/dashboard/plan/" aria-current="page"', plan)
    assert 'href="/dashboard/plan/" aria-current' not in home
