"""Plan limits: each at its edge through the API, exact under concurrency, monthly by business zone."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from agendazap.errors import PlanLimitExceeded
from billing import selectors, services
from billing.models import DEFAULT_LIMITS, PlanChange, PlanLimits, UsageAlert
from catalog.models import Service
from crm.models import Client
from scheduling.models import Appointment, Professional
from tests.factories import AppointmentFactory, ServiceFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

SP = ZoneInfo("America/Sao_Paulo")


def set_limits(plan_type, **limits):
    """Edit a plan's limits as staff would (the row may have been wiped by a transactional test)."""
    PlanLimits.objects.update_or_create(pk=plan_type, defaults={**DEFAULT_LIMITS[plan_type], **limits})


def assert_402(response, *, limit, used, plan_type="free"):
    assert response.status_code == 402, response.json()
    body = response.json()
    assert (body["limit"], body["used"], body["plan_type"]) == (limit, used, plan_type)
    assert body["detail"]


def new_service(client, n):
    return client.post("/api/services", {"name": f"Serviço {n}", "duration": 30, "price": 40}, format="json")


def test_services_fifth_allowed_sixth_refused(auth_client, business):
    for n in range(5):
        assert new_service(auth_client, n).status_code == 201
    assert_402(new_service(auth_client, 5), limit=5, used=5)
    assert Service.objects.filter(business=business).count() == 5


def test_a_deactivated_service_frees_its_unit_and_reactivating_needs_one(auth_client, business):
    ids = [new_service(auth_client, n).json()["id"] for n in range(5)]
    auth_client.patch(f"/api/services/{ids[0]}", {"is_active": False}, format="json")
    assert new_service(auth_client, 5).status_code == 201
    assert_402(auth_client.patch(f"/api/services/{ids[0]}", {"is_active": True}, format="json"), limit=5, used=5)


def test_professionals_owner_is_the_only_one_on_free(auth_client, business):
    assert_402(auth_client.post("/api/professionals", {"name": "Bia"}, format="json"), limit=1, used=1)
    business.plan_type = "starter"
    business.save(update_fields=["plan_type"])
    for name in ("Bia", "Caio"):
        assert auth_client.post("/api/professionals", {"name": name}, format="json").status_code == 201
    assert_402(
        auth_client.post("/api/professionals", {"name": "Duda"}, format="json"), limit=3, used=3, plan_type="starter"
    )
    assert Professional.objects.filter(business=business).count() == 3


def test_appointments_fiftieth_allowed_fifty_first_refused(auth_client, business, monday):
    service = ServiceFactory(business=business, duration=30)
    for n in range(49):
        AppointmentFactory(service=service, start_time=at(monday, 9) + timedelta(days=7 + n))
    body = {
        "service_id": str(service.pk),
        "client_name": "Ana",
        "client_whatsapp": "11988887777",
        "start_time": at(monday, 9).isoformat(),
    }
    assert auth_client.post("/api/appointments", body, format="json").status_code == 201
    refused = auth_client.post("/api/appointments", {**body, "start_time": at(monday, 10).isoformat()}, format="json")
    assert_402(refused, limit=50, used=50)
    assert Appointment.objects.filter(business=business).count() == 50


def test_cancelled_appointments_still_count_this_month(auth_client, business, monday):
    service = ServiceFactory(business=business, duration=30)
    for n in range(50):
        AppointmentFactory(service=service, start_time=at(monday, 9) + timedelta(days=7 + n), status="cancelled")
    body = {"service_id": str(service.pk), "client_name": "A", "client_whatsapp": "11988887777"}
    assert_402(
        auth_client.post("/api/appointments", {**body, "start_time": at(monday, 9).isoformat()}, format="json"),
        limit=50,
        used=50,
    )


def test_clients_hundredth_allowed_then_refused_also_when_booking(auth_client, business, monday):
    Client.objects.bulk_create(Client(business=business, name=f"C{n}", whatsapp=f"+55119000{n:05d}") for n in range(99))
    assert (
        auth_client.post("/api/clients", {"name": "Cem", "whatsapp": "11988880000"}, format="json").status_code == 201
    )
    assert_402(
        auth_client.post("/api/clients", {"name": "Cento e um", "whatsapp": "11988880001"}, format="json"),
        limit=100,
        used=100,
    )
    service = ServiceFactory(business=business)
    booking = {
        "service_id": str(service.pk),
        "client_name": "Nova",
        "client_whatsapp": "11988880002",
        "start_time": at(monday, 9).isoformat(),
    }
    assert_402(auth_client.post("/api/appointments", booking, format="json"), limit=100, used=100)
    # A client the business already has can still book.
    known = {**booking, "client_whatsapp": "11988880000"}
    assert auth_client.post("/api/appointments", known, format="json").status_code == 201


def test_whatsapp_messages_hundredth_allowed_then_refused_and_released(business):
    for _ in range(100):
        month = services.plan_message_reserve(business=business)
    with pytest.raises(PlanLimitExceeded) as refused:
        services.plan_message_reserve(business=business)
    assert (refused.value.extra["limit"], refused.value.extra["used"]) == (100, 100)
    services.plan_message_release(business=business, month=month)
    services.plan_message_reserve(business=business)
    assert selectors.usage_summary(business=business)["used"]["whatsapp_messages"] == 100


def test_limits_are_read_from_the_database(auth_client, business):
    set_limits("free", services=1)
    assert new_service(auth_client, 0).status_code == 201
    assert_402(new_service(auth_client, 1), limit=1, used=1)
    set_limits("free", services=None)
    assert new_service(auth_client, 2).status_code == 201


def test_usage_reports_limits_used_percentage_and_alerts(auth_client, business):
    for n in range(4):
        new_service(auth_client, n)
    body = auth_client.get("/api/users/usage").json()
    assert body["plan_type"] == "free"
    assert body["limits"] == {
        "services": 5,
        "professionals": 1,
        "appointments": 50,
        "whatsapp_messages": 100,
        "clients": 100,
    }
    assert body["used"]["services"] == 4 and body["used"]["professionals"] == 1
    assert body["percentage"]["services"] == 80.0
    assert [(a["resource"], a["threshold"]) for a in body["alerts"]] == [("services", 80)]
    assert body["period"]["start"].endswith("-01")


def test_the_owner_is_alerted_once_at_80_and_once_at_100(auth_client, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            new_service(auth_client, n)
        new_service(auth_client, 6)  # refused: no third email
    alerts = UsageAlert.objects.filter(business=business, resource="services").order_by("threshold")
    assert [(a.threshold, a.used, a.limit) for a in alerts] == [(80, 4, 5), (100, 5, 5)]
    subjects = [message.subject for message in mail.outbox]
    assert len([s for s in subjects if "serviços" in s]) == 2
    # Freeing a unit and taking it again in the same month does not alert again.
    with django_capture_on_commit_callbacks(execute=True):
        Service.objects.filter(business=business).first().delete()
        new_service(auth_client, 7)
    assert UsageAlert.objects.filter(business=business, resource="services").count() == 2
    assert len(mail.outbox) == len(subjects)


def test_dashboard_shows_the_alert_banner(client, business, auth_client):
    for n in range(4):
        new_service(auth_client, n)
    client.force_login(business.owner_login)
    content = client.get("/dashboard/").content.decode()
    assert "80%" in content and "/dashboard/plan/" in content


# --- Months -------------------------------------------------------------------------------------
def test_a_new_month_starts_from_zero_in_the_business_time_zone(business):
    service = ServiceFactory(business=business)
    late_november = datetime(2026, 11, 30, 23, 30, tzinfo=SP)  # 02:30 UTC on 1 December
    for n in range(3):
        row = AppointmentFactory(service=service, start_time=late_november + timedelta(days=30 + n))
        Appointment.objects.filter(pk=row.pk).update(created_at=late_november)

    in_november = selectors.usage_summary(business=business, now=datetime(2026, 11, 30, 23, 45, tzinfo=SP))
    in_december = selectors.usage_summary(business=business, now=datetime(2026, 12, 1, 0, 15, tzinfo=SP))
    assert in_november["used"]["appointments"] == 3
    assert in_november["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert in_december["used"]["appointments"] == 0

    business.timezone = "America/Manaus"  # 22:30 on 30 November there: still November
    business.save(update_fields=["timezone"])
    assert (
        selectors.usage_summary(business=business, now=datetime(2026, 12, 1, 0, 15, tzinfo=SP))["used"]["appointments"]
        == 3
    )


def test_message_allowance_is_per_month(business):
    november = datetime(2026, 11, 20, 12, tzinfo=SP)
    for _ in range(100):
        services.plan_message_reserve(business=business, now=november)
    with pytest.raises(PlanLimitExceeded):
        services.plan_message_reserve(business=business, now=november)
    services.plan_message_reserve(business=business, now=datetime(2026, 12, 1, 0, 1, tzinfo=SP))


# --- Plan changes -------------------------------------------------------------------------------
def test_upgrade_takes_effect_at_once_and_is_recorded(auth_client, business):
    for n in range(5):
        new_service(auth_client, n)
    response = auth_client.post("/api/users/upgrade-plan", {"plan_type": "starter"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["plan_type"], body["previous_plan_type"]) == ("starter", "free")
    assert body["usage"]["limits"]["services"] == 20
    assert new_service(auth_client, 5).status_code == 201
    change = PlanChange.objects.get(business=business)
    assert (change.from_plan, change.to_plan, change.changed_by_id) == ("free", "starter", business.owner_login.pk)
    assert auth_client.get("/api/users/profile").json()["plan_type"] == "starter"


def test_downgrade_below_usage_is_refused_naming_what_is_over(auth_client, business):
    auth_client.post("/api/users/upgrade-plan", {"plan_type": "pro"}, format="json")
    for n in range(7):
        new_service(auth_client, n)
    response = auth_client.post("/api/users/upgrade-plan", {"plan_type": "free"}, format="json")
    assert response.status_code == 400
    message = response.json()["plan_type"][0]
    assert "Serviços" in message and "7" in message and "5" in message
    business.refresh_from_db()
    assert business.plan_type == "pro"
    assert PlanChange.objects.filter(business=business).count() == 1


def test_upgrade_plan_bad_input(auth_client):
    assert auth_client.post("/api/users/upgrade-plan", {"plan_type": "gold"}, format="json").status_code == 400
    assert auth_client.post("/api/users/upgrade-plan", {}, format="json").status_code == 400


def test_plan_page_shows_usage_and_switches_plan(client, business):
    client.force_login(business.owner_login)
    page = client.get("/dashboard/plan/")
    assert page.status_code == 200
    assert "Ilimitado" in page.content.decode() or "ilimitado" in page.content.decode()
    response = client.post("/dashboard/plan/", {"plan_type": "pro"})
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.plan_type == "pro"


# --- Concurrency and Redis ------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_both_take_the_last_unit(business):
    for n in range(4):
        ServiceFactory(business=business, name=f"S{n}")
    token = tokens_issue(user=business.owner_login)["access_token"]
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def attempt(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            statuses.append(new_service(client, 100 + n).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [402] * 9
    assert Service.objects.filter(business=business).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_message_reservations_stop_exactly_at_the_limit(business):
    set_limits("free", whatsapp_messages=5)
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def attempt():
        barrier.wait()
        try:
            services.plan_message_reserve(business=business)
            outcomes.append("sent")
        except PlanLimitExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["sent"] * 5
    assert selectors.usage_summary(business=business)["used"]["whatsapp_messages"] == 5


@pytest.mark.redis
def test_usage_is_unchanged_when_redis_is_flushed_mid_period(auth_client, business, settings):
    import redis

    # The production cache, not the test settings' local memory: usage kept in the cache would vanish here.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    for n in range(3):
        new_service(auth_client, n)
    services.plan_message_reserve(business=business)
    before = auth_client.get("/api/users/usage").json()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    after = auth_client.get("/api/users/usage").json()
    assert after["used"] == before["used"] == {**before["used"], "services": 3, "whatsapp_messages": 1}
    assert new_service(auth_client, 3).status_code == 201


def test_services_limit_at_its_edge_on_the_dashboard_page(client, business):
    client.force_login(business.owner_login)
    form = {"name": "Serviço", "duration": "30", "price": "40", "is_active": "on"}
    for n in range(5):
        response = client.post("/dashboard/services/new/", {**form, "name": f"Serviço {n}"})
        assert response.status_code == 302, response.content.decode()[:500]
    response = client.post("/dashboard/services/new/", {**form, "name": "Serviço 6"})
    assert response.status_code == 402
    content = response.content.decode()
    assert "limite" in content and "/dashboard/plan/" in content
    assert Service.objects.filter(business=business).count() == 5
