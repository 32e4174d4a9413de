"""The availability read paths: query budgets at one row and at many, and the cached booking
set-up staying true (every change shows on the very next request, a rollback leaves nothing).

These tests commit (transaction=True): the cache keeps only what a transaction committed, so a
test wrapped in one transaction would never use it.
"""

from datetime import datetime, time, timedelta

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import Membership, Role, User
from accounts.services import tokens_issue
from agendazap.business_cache import agenda_changed, business_cached, business_changed
from crm.models import Client
from scheduling import selectors, services
from scheduling.models import Appointment, AppointmentStatus, TimeOff
from tests.factories import BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import SAO_PAULO, at, next_weekday, set_hours, set_rules

pytestmark = pytest.mark.django_db(transaction=True)

AVAILABILITY = "/api/appointments/availability"
# An answer computed: authentication (one query: membership, login with its password version,
# business, revoked token), then time off and appointments in one query.
OWNER_AVAILABILITY_QUERIES = 2
# The business behind the slug (its id, then its row), then time off and appointments of the
# month and its chosen day.
PUBLIC_PAGE_QUERIES = 3
# An answer given again from the cache: authentication, or the id of the business behind the slug.
CACHED_ANSWER_QUERIES = 1
QUERY_BUDGET = 4


def bearer(user, membership=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user, membership=membership)['access_token']}")
    return client


def busy_business(*, professionals: int, history: int):
    """A business with hours with a break, time off, and `history` past appointments per professional."""
    business = BusinessFactory()
    team = [business.professionals.get(is_owner=True)]
    team += [ProfessionalFactory(business=business, name=f"Pro {n}") for n in range(professionals - 1)]
    for pro in team:
        for weekday in range(6):
            set_hours(pro, weekday, ("09:00", "12:00"), ("13:00", "19:00"))
    service = ServiceFactory(business=business, name="Corte", duration=30)
    set_rules(business, slot_interval_minutes=15, min_notice_minutes=0)
    day = next_weekday(2)
    TimeOff.objects.create(business=business, professional=team[-1], start_time=at(day, 9), end_time=at(day, 10))
    TimeOff.objects.create(business=business, start_time=at(day, 17), end_time=at(day, 19), reason="Reunião")
    client = Client.objects.create(business=business, name="Ana", whatsapp="+5511999990000")
    rows = []
    for pro in team:
        starts = [at(day, 10), at(day, 14)]
        starts += [
            datetime.combine(day - timedelta(days=1 + n // 8), time(9 + n % 8), SAO_PAULO) for n in range(history)
        ]
        rows += [
            Appointment(
                business=business,
                service=service,
                professional=pro,
                client=client,
                client_name=client.name,
                client_whatsapp=client.whatsapp,
                start_time=start,
                end_time=start + timedelta(minutes=30),
                duration_minutes=30,
                blocks_until=start + timedelta(minutes=30),
                status=AppointmentStatus.CONFIRMED if start.date() >= day else AppointmentStatus.COMPLETED,
            )
            for start in starts
        ]
    Appointment.objects.bulk_create(rows)
    return business, service, day


def queries_of(django_assert_max_num_queries, client, url, params=None, *, computed_for=None) -> int:
    """Queries of one request, after a first one that warmed the cache; with `computed_for` (a
    business), of one whose answer is computed again (its agenda changed), the set-up still cached."""
    assert client.get(url, params).status_code == 200
    if computed_for is not None:
        agenda_changed(computed_for.pk)
    with django_assert_max_num_queries(QUERY_BUDGET) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


# --- Query budgets ----------------------------------------------------------------------------------
def test_owner_availability_runs_the_same_queries_for_one_professional_or_five_and_any_history(
    django_assert_max_num_queries,
):
    counts = []
    for professionals, history in ((1, 0), (5, 200)):
        business, service, day = busy_business(professionals=professionals, history=history)
        client = bearer(business.owner_login)
        params = {"service_id": service.pk, "date": day}
        counts.append(queries_of(django_assert_max_num_queries, client, AVAILABILITY, params, computed_for=business))
        counts.append(queries_of(django_assert_max_num_queries, client, AVAILABILITY, params))
        slots = client.get(AVAILABILITY, params).json()["available_slots"]
        assert slots and all("T17:" not in slot and "T18:" not in slot for slot in slots)  # the closing shows
    assert counts == [OWNER_AVAILABILITY_QUERIES, CACHED_ANSWER_QUERIES] * 2


@pytest.mark.parametrize("param", ["date", "month"])
def test_the_public_day_and_month_run_the_same_queries_for_one_professional_or_five_and_any_history(
    client, django_assert_max_num_queries, param
):
    counts = []
    for professionals, history in ((1, 0), (5, 200)):
        business, service, day = busy_business(professionals=professionals, history=history)
        url = f"/b/{business.slug}/book/{service.pk}/"
        value = day.isoformat() if param == "date" else f"{day:%Y-%m}"
        counts.append(queries_of(django_assert_max_num_queries, client, url, {param: value}, computed_for=business))
        counts.append(queries_of(django_assert_max_num_queries, client, url, {param: value}))
    assert counts == [PUBLIC_PAGE_QUERIES, CACHED_ANSWER_QUERIES] * 2


@pytest.mark.parametrize("when", ["next month", "past"])
def test_a_public_day_outside_the_month_shown_costs_no_more_queries(client, django_assert_max_num_queries, when):
    business, service, day = busy_business(professionals=2, history=10)
    url = f"/b/{business.slug}/book/{service.pk}/"
    next_month = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    chosen = next_weekday(2, after=next_month, min_days=0) if when == "next month" else day - timedelta(days=40)
    params = {"date": chosen.isoformat(), "month": f"{day:%Y-%m}"}
    assert queries_of(django_assert_max_num_queries, client, url, params, computed_for=business) == PUBLIC_PAGE_QUERIES
    offered = 'name="start_time"' in client.get(url, params).content.decode()
    assert offered is (when == "next month")


def test_health_runs_one_query_and_keeps_its_log_line(client, django_assert_num_queries, caplog):
    with caplog.at_level("INFO", logger="agendazap.requests"), django_assert_num_queries(1):
        response = client.get("/health", HTTP_COOKIE="sessionid=whatever")
    assert response.status_code == 200 and response.json()["database"] == "ok"
    assert "X-Request-ID" in response and response["Cache-Control"].startswith("max-age=0")
    assert any("GET /health 200" in record.getMessage() for record in caplog.records)
    assert client.post("/health").status_code == 405


def test_an_api_request_does_not_load_a_session_sent_along(client, django_assert_max_num_queries):
    business, service, day = busy_business(professionals=1, history=0)
    client.force_login(business.owner_login)  # a dashboard session cookie, sent along with the token
    token = tokens_issue(user=business.owner_login)["access_token"]
    params = {"service_id": service.pk, "date": day}
    client.get(AVAILABILITY, params, HTTP_AUTHORIZATION=f"Bearer {token}")
    with django_assert_max_num_queries(OWNER_AVAILABILITY_QUERIES) as captured:
        response = client.get(AVAILABILITY, params, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert not any("django_session" in query["sql"] for query in captured.captured_queries)
    # Without the token the session does not log the API in.
    assert client.get(AVAILABILITY, params).status_code == 401


# --- The cached set-up stays true -----------------------------------------------------------------
@pytest.fixture
def warm():
    """The owner's API client and a business whose set-up is in the cache (read once)."""
    business, service, day = busy_business(professionals=2, history=0)
    client = bearer(business.owner_login)
    slots(client, service, day)
    return business, service, day, client


def slots(client, service, day, **params) -> list[str]:
    response = client.get(AVAILABILITY, {"service_id": service.pk, "date": day, **params})
    assert response.status_code == 200, response.content
    return [slot[11:16] for slot in response.json()["available_slots"]]


def test_new_hours_show_on_the_next_request(warm):
    business, service, day, client = warm
    assert slots(client, service, day)[0] == "09:00"
    for pro in business.professionals.all():
        intervals = [{"weekday": day.weekday(), "start_time": "15:00", "end_time": "16:00"}]
        assert client.put(f"/api/professionals/{pro.pk}/hours", {"intervals": intervals}, format="json").status_code
    assert slots(client, service, day) == ["15:00", "15:15", "15:30"]


def test_new_booking_rules_show_on_the_next_request(warm):
    business, service, day, client = warm
    assert "09:15" in slots(client, service, day)
    assert client.patch("/api/booking-rules", {"slot_interval_minutes": 30}, format="json").status_code == 200
    assert "09:15" not in slots(client, service, day) and "09:30" in slots(client, service, day)


def test_a_deactivated_professional_is_refused_on_the_next_request(warm):
    business, service, day, client = warm
    other = business.professionals.get(is_owner=False)
    assert slots(client, service, day, professional_id=other.pk)
    assert client.patch(f"/api/professionals/{other.pk}", {"is_active": False}, format="json").status_code == 200
    response = client.get(AVAILABILITY, {"service_id": service.pk, "date": day, "professional_id": other.pk})
    assert response.status_code == 400 and "professional_id" in response.json()


def test_who_performs_a_service_shows_on_the_next_request(warm):
    business, service, day, client = warm
    owner_pro = business.professionals.get(is_owner=True)
    other = business.professionals.get(is_owner=False)
    assert slots(client, service, day, professional_id=owner_pro.pk)
    response = client.patch(f"/api/services/{service.pk}", {"professional_ids": [str(other.pk)]}, format="json")
    assert response.status_code == 200
    refused = client.get(AVAILABILITY, {"service_id": service.pk, "date": day, "professional_id": owner_pro.pk})
    assert refused.status_code == 400


def test_a_deactivated_service_is_not_bookable_on_the_next_request(warm, client):
    business, service, day, owner = warm
    page = f"/b/{business.slug}/book/{service.pk}/"
    assert client.get(page, {"date": day}).status_code == 200
    assert owner.patch(f"/api/services/{service.pk}", {"is_active": False}, format="json").status_code == 200
    assert owner.get(AVAILABILITY, {"service_id": service.pk, "date": day}).status_code == 400
    assert client.get(page, {"date": day}).status_code == 404


def test_a_new_time_off_shows_on_the_next_request_without_touching_the_cache(warm):
    business, service, day, client = warm
    assert "09:00" in slots(client, service, day)
    body = {"start_time": at(day, 9).isoformat(), "end_time": at(day, 12).isoformat()}
    assert client.post("/api/time-off", body, format="json").status_code == 201
    assert "09:00" not in slots(client, service, day) and "13:00" in slots(client, service, day)


def test_a_change_rolled_back_leaves_nothing_in_the_cache(warm):
    business, service, day, client = warm
    pro = business.professionals.get(is_owner=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.working_hours_replace(
            professional=pro, intervals=[{"weekday": day.weekday(), "start_time": time(15), "end_time": time(16)}]
        )
        # Read inside the writing transaction: it sees its own change, and keeps it out of the cache.
        inside = selectors.availability_get(business=business, service=service, day=day, professional=pro).slots
        assert [slot.astimezone(SAO_PAULO).strftime("%H:%M") for slot in inside] == ["15:00", "15:15", "15:30"]
        raise RuntimeError
    assert slots(client, service, day, professional_id=pro.pk)[0] == "09:00"


# --- Authentication stays fresh -----------------------------------------------------------------------
def _remove(membership):
    membership.delete()


def _demote(membership):
    Membership.objects.filter(pk=membership.pk).update(role=Role.RECEPTIONIST)


def _deactivate(membership):
    User.objects.filter(pk=membership.user_id).update(is_active=False)


@pytest.mark.parametrize("change", [_remove, _demote, _deactivate], ids=["removed", "demoted", "deactivated"])
def test_a_members_token_is_refused_on_the_very_next_request(warm, change):
    business, service, day, _owner = warm
    member = User.objects.create_user("recepcao@exemplo.com.br", "senha-forte-2026")
    membership = Membership.objects.create(user=member, business=business, role=Role.MANAGER)
    client = bearer(member, membership)
    assert slots(client, service, day)
    change(membership)
    assert client.get(AVAILABILITY, {"service_id": service.pk, "date": day}).status_code == 401


def test_logout_ends_the_access_token_on_the_very_next_request(warm):
    business, service, day, _owner = warm
    pair = tokens_issue(user=business.owner_login)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert slots(client, service, day)
    assert client.post("/api/auth/logout", {"refresh_token": pair["refresh_token"]}, format="json").status_code in (
        200,
        204,
    )
    response = client.get(AVAILABILITY, {"service_id": service.pk, "date": day})
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


# --- The cache's rule ----------------------------------------------------------------------------------
class Builds:
    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count


def test_a_snapshot_is_built_once_and_again_after_a_change():
    build, business_id = Builds(), "b1"
    assert business_cached(business_id, "x", build) == 1
    assert business_cached(business_id, "x", build) == 1
    business_changed(business_id)
    assert business_cached(business_id, "x", build) == 2
    assert business_cached(business_id, "x", build) == 2


def test_a_snapshot_built_while_a_change_commits_is_not_trusted_afterwards():
    business_id = "b2"
    builds = []

    def build_across_a_commit():
        # A writer commits between this reader's queries: what it read may be old.
        builds.append("built")
        if len(builds) == 1:
            business_changed(business_id)
        return len(builds)

    assert business_cached(business_id, "x", build_across_a_commit) == 1
    assert business_cached(business_id, "x", build_across_a_commit) == 2
    assert business_cached(business_id, "x", build_across_a_commit) == 2


def test_inside_the_writing_transaction_nothing_is_cached_until_it_commits():
    build, business_id = Builds(), "b3"
    business_cached(business_id, "x", build)
    with transaction.atomic():
        business_changed(business_id)
        assert business_cached(business_id, "x", build) == 2
        assert business_cached(business_id, "x", build) == 3  # built from the database each time
    assert business_cached(business_id, "x", build) == 4
    assert business_cached(business_id, "x", build) == 4
