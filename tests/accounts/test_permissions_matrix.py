"""Every endpoint under /api/ and /dashboard/, from the URL configuration, against the role table.

For each URL pattern (includes expanded), each HTTP method it takes and each role of a business,
the endpoint is asked and its answer compared with `ROLE_ACTIONS`: a role the table allows is not
refused (not 403), a role it does not allow gets 403 and nothing changes in the database. A view
that declares no action fails here, so a new endpoint cannot escape the table.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import ROLE_ACTIONS, Action, Open, action_for, declared_action
from accounts.team import invitation_create
from agendazap.api.views import BusinessAPIView
from catalog.models import ServiceCategory
from notifications.models import Channel, Kind, Queue
from scheduling.models import Appointment, TimeOff, Visit, WaitlistEntry

pytestmark = pytest.mark.django_db

PREFIXES = ("api/", "dashboard/")
DRF_METHODS = ("get", "post", "put", "patch", "delete")
# Apps whose rows a refused request must leave as they were.
DOMAIN_APPS = ("accounts", "billing", "catalog", "crm", "scheduling", "notifications")


@dataclass(frozen=True)
class Endpoint:
    route: str
    method: str
    view: object

    @property
    def business_scoped(self) -> bool:
        view_class = getattr(self.view, "cls", None)
        return self.route.startswith("dashboard/") or (
            isinstance(view_class, type) and issubclass(view_class, BusinessAPIView)
        )

    def __str__(self):
        return f"{self.method} /{self.route}"


def _patterns(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def _methods(view) -> list[str]:
    view_class = getattr(view, "cls", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return [method.upper() for method in DRF_METHODS if hasattr(view_class, method)]
    declared = declared_action(view)
    if isinstance(declared, dict):
        return list(declared)
    return ["GET", "POST"]  # a page's form posts to it; both must be refused to a role without the action


def _endpoints() -> list[Endpoint]:
    found, seen = [], set()
    for route, view in _patterns(get_resolver()):
        # slash_optional serves each API route twice, with and without the slash: ask it once.
        key = (route.rstrip("/"), view)
        if not route.startswith(PREFIXES) or key in seen:
            continue
        seen.add(key)
        found.extend(Endpoint(route, method, view) for method in _methods(view))
    return found


ENDPOINTS = _endpoints()


def _url(route: str, team) -> str:
    values = {
        "appointment_id": team.own_appointment.pk,
        "client_id": team.served_client.pk,
        "service_id": team.own_appointment.service_id,
        "category_id": team.category.pk,
        "professional_id": team.professional.pk,
        "time_off_id": team.time_off.pk,
        "kind": Kind.REMINDER,
        "channel": Channel.WHATSAPP,
        "queue_name": Queue.WHATSAPP,
        "member_id": team.invitation.pk,
        "visit_id": team.visit.pk,
        "entry_id": team.waitlist_entry.pk,
    }

    def fill(match: re.Match) -> str:
        name = match.group("name")
        if name not in values:
            pytest.fail(f"/{route}: no test value for <{name}>; add one to _url()")
        return str(values[name])

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)


def _allowed(role: Role, action: Action | Open) -> bool:
    if action is Open.LOGIN:
        return True
    if action is Open.STAFF:
        return False
    return action in ROLE_ACTIONS[role]


def _database_rows() -> dict:
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
    }


def _asker(team, role: Role, endpoint: Endpoint, url: str):
    """How `role` asks the endpoint; logging in (which writes last_login) happens here, before asking."""
    if endpoint.route.startswith("api/"):
        send = getattr(team.api(role), endpoint.method.lower())
        return lambda: send(url, {}, format="json")
    send = getattr(team.dashboard(role), endpoint.method.lower())
    return lambda: send(url)


@pytest.fixture
def matrix_team(team):
    team.category = ServiceCategory.objects.create(business=team.business, name="Cabelo")
    team.time_off = TimeOff.objects.create(
        business=team.business,
        professional=team.professional,
        start_time=team.own_appointment.start_time.replace(year=team.own_appointment.start_time.year + 1),
        end_time=team.own_appointment.end_time.replace(year=team.own_appointment.end_time.year + 1),
    )
    team.waitlist_entry = WaitlistEntry.objects.create(
        business=team.business,
        service=team.own_appointment.service,
        date=team.own_appointment.start_time.date(),
        client=team.served_client,
        client_name=team.served_client.name,
        client_whatsapp=team.served_client.whatsapp,
    )
    # A pending invitation, not one of the logins asking: removing it leaves the matrix intact.
    team.invitation = invitation_create(
        business=team.business, invited_by=team.business.owner_login, email="alvo@exemplo.com.br", role="receptionist"
    )
    # A visit whose one part is the professional's own appointment.
    team.visit = Visit.objects.create(business=team.business, client=team.own_appointment.client)
    Appointment.objects.filter(pk=team.own_appointment.pk).update(visit=team.visit)
    return team


def test_the_url_configuration_yields_the_api_and_the_dashboard():
    routes = {endpoint.route for endpoint in ENDPOINTS}
    assert {"api/services", "api/appointments/<uuid:appointment_id>", "dashboard/", "dashboard/plan/"} <= routes


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_answers_each_role_as_the_table_says(matrix_team, endpoint):
    declared = declared_action(endpoint.view)
    assert declared is not None, f"{endpoint}: the view declares no action (accounts/permissions.py)"
    action = action_for(declared, endpoint.method)
    assert action is not None, f"{endpoint}: the view declares no action for {endpoint.method}"
    if endpoint.business_scoped:
        assert isinstance(action, Action), f"{endpoint}: a business-scoped view must name an action of the table"
    if action is Open.PUBLIC:
        return  # open to anyone: not the table's business (its own tests cover it)

    url = _url(endpoint.route, matrix_team)
    refused = [role for role in Role if not _allowed(role, action)]
    admitted = [role for role in Role if _allowed(role, action)]
    for role in refused:  # first, while the rows are as the fixture made them
        ask = _asker(matrix_team, role, endpoint, url)
        before = _database_rows()
        response = ask()
        assert response.status_code == 403, f"{endpoint} as {role}: {response.status_code}, the table says 403"
        assert _database_rows() == before, f"{endpoint} as {role}: refused, yet rows changed"
    for role in admitted:
        response = _asker(matrix_team, role, endpoint, url)()
        assert response.status_code != 403, f"{endpoint} as {role}: 403, the table allows {action}"
        assert response.status_code < 500, f"{endpoint} as {role}: {response.status_code}"
