"""Timestamps read from PostgreSQL through psycopg's C parser (agendazap/db.py) are the values
Django's own loader gives: the same instant, the same `datetime.timezone.utc`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from psycopg.pq import Format

from scheduling.models import Appointment
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_connection_reads_timestamps_with_the_c_parser():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    loader = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)

    assert loader.__name__ == "CTimestamptzLoader"
    assert loader.timezone is connection.timezone


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 2, 59, 59, 999999, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 12, 30, tzinfo=UTC) + timedelta(microseconds=1),
    ],
)
def test_a_timestamp_reads_back_as_written(service, moment):
    appointment = AppointmentFactory(service=service, start_time=moment)

    read = Appointment.objects.values_list("start_time", flat=True).get(pk=appointment.pk)

    assert read == moment
    assert read.tzinfo is UTC
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [moment.astimezone(timezone.get_current_timezone())])
        (raw,) = cursor.fetchone()
    assert (raw, raw.tzinfo) == (moment, UTC)
