"""A business with one login per role, each with an API client (real token) and a dashboard client;
and the real local stand-ins (SMTP for the invitation emails): see tests/notifications/conftest.py."""

from dataclasses import dataclass

import pytest
from django.test import Client as DashboardClient
from rest_framework.test import APIClient

from accounts.models import Business, Membership, PlanType, Role, User
from accounts.services import tokens_issue
from crm.models import Client
from scheduling.models import Appointment, Professional
from scheduling.services import professional_create
from tests.factories import AppointmentFactory, ServiceFactory, UserFactory
from tests.fakes.fixtures import *  # noqa: F403


@dataclass
class Team:
    business: Business
    logins: dict[Role, User]
    professional: Professional  # the professional member's own agenda
    other_professional: Professional  # somebody else's
    own_appointment: Appointment  # on the professional member's agenda
    other_appointment: Appointment
    served_client: Client  # has an appointment with the professional member
    other_client: Client  # only with somebody else

    def api(self, role: Role) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=self.logins[role])['access_token']}")
        return client

    def dashboard(self, role: Role) -> DashboardClient:
        client = DashboardClient()
        client.force_login(self.logins[role])
        return client


def add_member(business: Business, role: Role, *, professional: Professional | None = None) -> User:
    login = UserFactory(last_business=business)
    Membership.objects.create(user=login, business=business, role=role, professional=professional)
    return login


@pytest.fixture
def team(business) -> Team:
    # A plan with room for a second professional.
    business.plan_type = PlanType.PRO
    business.save(update_fields=["plan_type"])
    service = ServiceFactory(business=business, name="Corte", duration=60)
    professional = professional_create(business=business, name="Ana")
    other = business.professionals.get(is_owner=True)
    own = AppointmentFactory(service=service, professional=professional, client_name="Cliente da Ana")
    elsewhere = AppointmentFactory(service=service, professional=other, client_name="Cliente do dono")
    return Team(
        business=business,
        logins={
            Role.OWNER: business.owner_login,
            Role.MANAGER: add_member(business, Role.MANAGER),
            Role.RECEPTIONIST: add_member(business, Role.RECEPTIONIST),
            Role.PROFESSIONAL: add_member(business, Role.PROFESSIONAL, professional=professional),
        },
        professional=professional,
        other_professional=other,
        own_appointment=own,
        other_appointment=elsewhere,
        served_client=own.client,
        other_client=elsewhere.client,
    )
