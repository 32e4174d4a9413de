"""Fixtures for the fakes' self-tests: the same ones the notification tests use."""

from tests.fakes.fixtures import *  # noqa: F403
