import pytest

from tests.factories import ServiceFactory


@pytest.fixture
def service(owner):
    return ServiceFactory(owner=owner, name="Corte", duration=60)


@pytest.fixture
def pro(owner):
    """The owner-professional every business starts with."""
    return owner.professionals.get(is_owner=True)
