"""`make run`'s demo: a business a newcomer can try, with bookings ahead and a history to report on."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from scheduling.models import Appointment, AppointmentStatus, WaitlistEntry, WaitlistStatus

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_has_bookings_ahead_and_three_weeks_of_visits_to_report_on(client):
    printed = seed()

    owner = User.objects.get(email="demo@agendazap.local")
    appointments = Appointment.objects.filter(business=owner.last_business)
    one_offs = appointments.filter(visit__isnull=True, series__isnull=True)
    assert one_offs.filter(status=AppointmentStatus.CONFIRMED).count() == 3
    assert appointments.filter(visit__isnull=False, status=AppointmentStatus.CONFIRMED).count() == 2
    assert appointments.filter(series__isnull=False, status=AppointmentStatus.CONFIRMED).count() >= 2
    assert WaitlistEntry.objects.filter(business=owner.last_business, status=WaitlistStatus.WAITING).count() == 2
    assert appointments.filter(status=AppointmentStatus.COMPLETED).count() >= 30
    assert appointments.filter(status=AppointmentStatus.NO_SHOW).exists()
    assert "password agenda-demo-2026" in printed
    client.force_login(owner)
    today = timezone.localdate()
    page = client.get(f"/dashboard/reports/?date_from={today - timedelta(days=25)}&date_to={today}")
    assert page.status_code == 200
    assert page.context["report"]["appointments"]["completed"] >= 30


def test_seeding_twice_adds_nothing():
    seed()
    count = Appointment.objects.count()

    seed()

    assert Appointment.objects.count() == count
