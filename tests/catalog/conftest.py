import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import TemplateType
from accounts.services import tokens_issue
from tests.factories import AppointmentFactory, BusinessFactory

# Each appointment gets its own slot, so none overlap (PostgreSQL refuses overlapping bookings).
_slots = itertools.count()


def client_for(business) -> APIClient:
    """An API client logged in as the business's owner."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=business.owner_login)['access_token']}")
    return client


def book(service, *, status: str = "confirmed", days: int = 1, price: str | Decimal | None = "50.00"):
    """An appointment about `days` from now (negative: in the past) for `service`, written directly.

    Successive appointments move further away from now, so a past one stays past and a future one future.
    """
    step = timedelta(minutes=61 * next(_slots))
    start = timezone.now().replace(microsecond=0) + timedelta(days=days) + (-step if days < 0 else step)
    return AppointmentFactory(
        service=service,
        status=status,
        start_time=start,
        price=Decimal(price) if price is not None else None,
    )


@pytest.fixture
def consultation_owner(db):
    return BusinessFactory(template_type=TemplateType.CONSULTATION)


@pytest.fixture
def consultation_client(consultation_owner) -> APIClient:
    return client_for(consultation_owner)


@pytest.fixture
def other_owner(db):
    """Another business, whose rows `owner` must never see or touch."""
    return BusinessFactory(name="Barbearia Vizinha")
