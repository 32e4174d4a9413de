"""The real local stand-ins (SMTP for the invitation emails): see tests/notifications/conftest.py."""

from tests.fakes.fixtures import *  # noqa: F403
