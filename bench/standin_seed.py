"""A small stand-in for `manage.py seed_demo --businesses N --appointments M`, used by bench/run.py
only while the command does not take those flags.

It builds the same shape (businesses `negocio-0001`…, owners `dono0001@seed.agendazap.local`,
the enterprise plan, `negocio-0001` busy with 5 professionals and 8 services and about 5 % of
the appointments, hours with a lunch break, time off, clients with Brazilian mobile numbers,
appointments over `years` years up to 30 days ahead in every status consistent with time) with
bulk inserts, at benchmark sizes. The businesses themselves go through the services, as sign-up does.
"""

import random
import time as clock
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.services import user_register
from billing.services import plan_change
from catalog.services import service_create
from crm.models import Client
from scheduling.models import Appointment, AppointmentStatus, TimeOff, WorkingHours
from scheduling.services import booking_rules_update, professional_create

PASSWORD = "agenda-demo-2026"  # noqa: S105 - the seeded logins' documented password
BUSY_SHARE = 0.05
# One appointment per hour cell, so a professional's appointments never overlap.
HOUR_CELLS = (9, 10, 11, 13, 14, 15, 16, 17, 18)
SERVICES = [("Corte", 30, "50.00"), ("Barba", 30, "35.00"), ("Corte + barba", 60, "80.00"), ("Escova", 45, "60.00")]
BUSY_SERVICES = [*SERVICES, ("Coloração", 60, "150.00"), ("Hidratação", 45, "70.00"), ("Manicure", 30, "40.00"),
                 ("Sobrancelha", 30, "30.00")]  # fmt: skip
NAMES = ["Ana", "Bruno", "Carla", "Diego", "Fernanda", "Gabriel", "Helena", "Igor", "Juliana", "Lucas", "Marina"]
SURNAMES = ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Almeida", "Ferreira", "Rocha"]


def owner_email(number: int) -> str:
    return f"dono{number:04d}@seed.agendazap.local"


def business_slug(number: int) -> str:
    return f"negocio-{number:04d}"


def seed(*, businesses: int, appointments: int, years: int = 3, seed_value: int = 1) -> str:
    """Fill an empty database; return the summary line seed_demo prints."""
    began = clock.monotonic()
    rng = random.Random(seed_value)
    busy = max(1, round(appointments * BUSY_SHARE)) if businesses > 1 else appointments
    others = [appointments - busy] if businesses > 1 else []
    per_other = others[0] // (businesses - 1) if others else 0
    inserted = 0
    for number in range(1, businesses + 1):
        count = busy if number == 1 else per_other + (1 if number - 2 < (others[0] % (businesses - 1)) else 0)
        inserted += _business(number, count, years=years, rng=rng)
    return f"seeded {businesses} businesses, {inserted} appointments in {clock.monotonic() - began:.0f} s"


@transaction.atomic
def _business(number: int, count: int, *, years: int, rng: random.Random) -> int:
    owner = user_register(
        email=owner_email(number),
        password=PASSWORD,
        business_name=f"Negócio {number:04d}",
        whatsapp_number=f"(11) 9{number:04d}-0000",
    )
    business = owner.last_business
    business.slug = business_slug(number)
    business.save(update_fields=["slug", "updated_at"])
    owner.is_verified = True
    owner.save(update_fields=["is_verified", "updated_at"])
    plan_change(business=business, plan_type="enterprise")
    booking_rules_update(business=business, data={"min_notice_minutes": 0, "max_days_ahead": 120})
    menu = BUSY_SERVICES if number == 1 else SERVICES
    services = [
        service_create(business=business, data={"name": name, "duration": minutes, "price": price})
        for name, minutes, price in menu
    ]
    for index in range(4 if number == 1 else number % 2):
        professional_create(business=business, name=f"{NAMES[index]} {SURNAMES[index]}")
    professionals = list(business.professionals.all())
    WorkingHours.objects.filter(professional__in=professionals).delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for professional in professionals
        for weekday in range(5)
        for start, end in ((time(9), time(12)), (time(13), time(19)))
    )
    tz = ZoneInfo(business.timezone)
    today = timezone.now().astimezone(tz).date()
    TimeOff.objects.create(
        business=business,
        professional=professionals[-1],
        start_time=datetime.combine(today - timedelta(days=40), time(9), tz),
        end_time=datetime.combine(today - timedelta(days=33), time(19), tz),
        reason="Férias",
    )
    clients = Client.objects.bulk_create(
        Client(
            business=business,
            name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
            whatsapp=f"+55{rng.choice((11, 21, 31, 41, 51, 61, 71, 81))}9{number:04d}{index:04d}",
        )
        for index in range(max(10, count // 8))
    )
    rows = _appointments(business, professionals, services, clients, count, years=years, rng=rng, tz=tz, today=today)
    Appointment.objects.bulk_create(rows, batch_size=2000)
    _client_figures(clients, rows)
    return len(rows)


def _appointments(business, professionals, services, clients, count, *, years, rng, tz, today) -> list[Appointment]:
    first = today - timedelta(days=365 * years)
    days = (first + timedelta(days=n) for n in range((today - first).days + 31))
    weekdays = [day for day in days if day.weekday() < 5]
    cells = [(professional, day, hour) for professional in professionals for day in weekdays for hour in HOUR_CELLS]
    now = timezone.now()
    rows = []
    for professional, day, hour in rng.sample(cells, min(count, len(cells))):
        service = rng.choice(services)
        client = rng.choice(clients)
        start = datetime.combine(day, time(hour), tz)
        end = start + timedelta(minutes=service.duration)
        if end <= now:
            status = rng.choices(
                [AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED], [80, 7, 13]
            )[0]
        else:
            status = rng.choices(
                [AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING, AppointmentStatus.CANCELLED], [50, 40, 10]
            )[0]
        rows.append(
            Appointment(
                business=business,
                service=service,
                professional=professional,
                client=client,
                client_name=client.name,
                client_whatsapp=client.whatsapp,
                start_time=start,
                end_time=end,
                duration_minutes=service.duration,
                blocks_until=end,
                price=service.price,
                status=status,
                source=rng.choice(["dashboard", "public", "api"]),
                cancelled_at=start - timedelta(days=1) if status == AppointmentStatus.CANCELLED else None,
            )
        )
    return rows


def _client_figures(clients: list[Client], rows: list[Appointment]) -> None:
    """Totals and first/last visit from what was inserted (the month figures stay zero)."""
    by_client = defaultdict(list)
    for row in rows:
        by_client[row.client_id].append(row)
    for client in clients:
        mine = by_client.get(client.pk, [])
        done = [row for row in mine if row.status == AppointmentStatus.COMPLETED]
        client.total_appointments = len(mine)
        client.completed_appointments = len(done)
        client.cancelled_appointments = sum(row.status == AppointmentStatus.CANCELLED for row in mine)
        client.no_show_appointments = sum(row.status == AppointmentStatus.NO_SHOW for row in mine)
        client.first_appointment_at = min((row.start_time for row in mine), default=None)
        client.last_appointment_at = max((row.start_time for row in done), default=None)
        client.total_spent = sum((row.price or Decimal(0) for row in done), Decimal(0))
    Client.objects.bulk_update(
        clients,
        [
            "total_appointments",
            "completed_appointments",
            "cancelled_appointments",
            "no_show_appointments",
            "first_appointment_at",
            "last_appointment_at",
            "total_spent",
        ],
        batch_size=1000,
    )
