"""The migration that makes Business the tenant, run on a database populated at the old schema."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("accounts", "0001_initial"),
    ("catalog", "0001_initial"),
    ("crm", "0001_initial"),
    ("scheduling", "0003_appointment_client_confirmed_at_appointmentactivity"),
    ("notifications", "0003_alter_message_kind_alter_messagetemplate_kind"),
    ("billing", "0002_default_plan_limits"),
]
OWNED = [
    ("catalog", "Service"),
    ("crm", "Client"),
    ("scheduling", "Professional"),
    ("scheduling", "Appointment"),
    ("scheduling", "BookingRules"),
    ("notifications", "Message"),
    ("billing", "MonthlyUsage"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_row_finds_its_business_and_nothing_changes_for_the_owner():
    old = _migrate(BEFORE)
    User = old.get_model("accounts", "User")
    owner = User.objects.create(
        email="dona@salao.com.br",
        password="hash-kept",  # noqa: S106 - a stored hash, compared as it is
        business_name="Salão Bela",
        business_slug="salao-bela",
        whatsapp_number="+5511988880000",
        address="Rua Augusta, 10",
        timezone="America/Manaus",
        plan_type="pro",
        template_type="consultation",
        is_verified=True,
    )
    staff = User.objects.create(email="equipe@agendazap.local", is_staff=True, is_superuser=True)
    professional = old.get_model("scheduling", "Professional").objects.create(owner=owner, name="Bela", is_owner=True)
    service = old.get_model("catalog", "Service").objects.create(owner=owner, name="Corte", duration=60, price=50)
    client = old.get_model("crm", "Client").objects.create(owner=owner, name="Ana", whatsapp="+5511977770000")
    start = timezone.now() + timedelta(days=3)
    old.get_model("scheduling", "Appointment").objects.create(
        owner=owner,
        service=service,
        professional=professional,
        client=client,
        client_name="Ana",
        client_whatsapp="+5511977770000",
        start_time=start,
        end_time=start + timedelta(hours=1),
        duration_minutes=60,
        blocks_until=start + timedelta(hours=1),
    )
    old.get_model("scheduling", "BookingRules").objects.create(owner=owner, min_notice_minutes=30)
    old.get_model("notifications", "Message").objects.create(
        owner=owner,
        channel="email",
        kind="test",
        queue="email_notifications",
        recipient="x@y.z",
        body="Oi",
        scheduled_at=timezone.now(),
    )
    old.get_model("billing", "MonthlyUsage").objects.create(
        owner=owner, resource="whatsapp_messages", period=timezone.now().date().replace(day=1), used=7
    )

    new = _migrate(_migrate_targets_latest())

    Business = new.get_model("accounts", "Business")
    business = Business.objects.get()
    assert (business.pk, business.name, business.slug, business.whatsapp_number, business.address) == (
        owner.pk,
        "Salão Bela",
        "salao-bela",
        "+5511988880000",
        "Rua Augusta, 10",
    )
    assert (business.timezone, business.plan_type, business.template_type) == ("America/Manaus", "pro", "consultation")
    for app, model in OWNED:
        rows = new.get_model(app, model).objects.all()
        assert rows.count() == 1 and rows.filter(business=business).count() == 1, model
    login = new.get_model("accounts", "User").objects.get(pk=owner.pk)
    assert (login.email, login.password, login.is_verified, login.last_business_id) == (
        "dona@salao.com.br",
        "hash-kept",
        True,
        business.pk,
    )
    membership = new.get_model("accounts", "Membership").objects.get(user=login)
    assert (membership.business_id, membership.role, membership.professional_id) == (
        business.pk,
        "owner",
        professional.pk,
    )
    assert not new.get_model("accounts", "Membership").objects.filter(user_id=staff.pk).exists()
    assert new.get_model("billing", "MonthlyUsage").objects.get().used == 7
    assert new.get_model("scheduling", "BookingRules").objects.get().min_notice_minutes == 30


def _migrate_targets_latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
