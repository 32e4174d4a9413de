"""A large, realistic data set written in bulk, for measuring the app at years of history.

`seed_businesses` creates businesses `negocio-0001`… with their owners' logins, professionals,
weekly hours with breaks, time off, services, clients with Brazilian mobile numbers and
appointments over several years up to a month ahead. Rows are written in bulk (COPY on
PostgreSQL), never through the booking service: no events, so no messages are written and none
would be sent. What the services would keep is written consistently instead: each professional's
appointments never overlap (PostgreSQL's exclusion constraint checks it), statuses agree with
the time, prices come from the services and each client's figures come from its appointments
through the same function that keeps them in the app.
"""

import json
import random
import secrets
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import DEFAULT_TIMEZONE, Business, Membership, PlanType, Role, TemplateType, User
from catalog.models import Service
from crm.models import Client
from crm.services import client_figures
from scheduling.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingRules,
    Professional,
    TimeOff,
    WorkingHours,
)

SEED_EMAIL_DOMAIN = "seed.agendazap.local"
DEFAULT_PASSWORD = "agenda-demo-2026"  # noqa: S105 - a local demo login, printed on purpose
BUSY_BUSINESS_SHARE = 0.05
DAYS_AHEAD = 30
# Each professional's working time is filled to about this share at most, so the gaps vary.
CANDIDATES_PER_APPOINTMENT = 1.25

FIRST_NAMES = (
    "Ana", "Beatriz", "Bruno", "Camila", "Carlos", "Daniela", "Diego", "Eduarda", "Felipe", "Fernanda",
    "Gabriel", "Gustavo", "Helena", "Isabela", "João", "Juliana", "Larissa", "Leonardo", "Letícia", "Lucas",
    "Mariana", "Mateus", "Natália", "Pedro", "Rafael", "Renata", "Rodrigo", "Sofia", "Thiago", "Vitória",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Alves", "Araújo", "Barbosa", "Cardoso", "Carvalho", "Costa", "Dias", "Ferreira", "Gomes",
    "Lima", "Martins", "Melo", "Oliveira", "Pereira", "Ribeiro", "Rocha", "Santos", "Silva", "Souza",
)  # fmt: skip
# Area codes (DDD) of large Brazilian cities.
AREA_CODES = ("11", "21", "31", "41", "47", "48", "51", "61", "62", "71", "81", "85", "91", "92")
KINDS = (
    ("Barbearia", (("Corte masculino", 40, "55.00"), ("Barba", 30, "35.00"), ("Corte + barba", 60, "80.00"),
                   ("Pezinho", 20, "20.00"), ("Sobrancelha", 20, "25.00"), ("Hidratação", 30, "40.00"),
                   ("Platinado", 60, "150.00"), ("Corte infantil", 30, "45.00"))),
    ("Salão", (("Corte feminino", 60, "90.00"), ("Escova", 40, "60.00"), ("Manicure", 40, "35.00"),
               ("Pedicure", 40, "40.00"), ("Coloração", 60, "180.00"), ("Design de sobrancelha", 20, "40.00"))),
    ("Clínica", (("Consulta", 50, "250.00"), ("Retorno", 30, None), ("Avaliação", 40, "150.00"),
                 ("Sessão de fisioterapia", 50, "120.00"))),
)  # fmt: skip
# Weekly hours with a lunch break (Mon-Fri) and a short Saturday; the busy business opens longer.
WEEKDAY_HOURS = ((time(9), time(12)), (time(13), time(19)))
SATURDAY_HOURS = ((time(9), time(13)),)
BUSY_WEEKDAY_HOURS = ((time(8), time(12)), (time(13), time(20)))
BUSY_SATURDAY_HOURS = ((time(8), time(14)),)
# Plain strings, looked up once: the enums' attributes cost a call each, a million times.
SOURCES = tuple(AppointmentSource.values)
COMPLETED, NO_SHOW, CANCELLED, PENDING, CONFIRMED = (
    status.value
    for status in (
        AppointmentStatus.COMPLETED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.PENDING,
        AppointmentStatus.CONFIRMED,
    )
)


class SeedError(Exception):
    """The data set cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class SeedReport:
    businesses: int
    appointments: int
    seconds: float


def seeded_businesses() -> models.QuerySet[Business]:
    """The businesses a seeding wrote: their owners' logins are in the seeding's email domain."""
    return Business.objects.filter(
        memberships__role=Role.OWNER, memberships__user__email__endswith=f"@{SEED_EMAIL_DOMAIN}"
    )


def business_slug(number: int) -> str:
    return f"negocio-{number:04d}"


def owner_email(number: int) -> str:
    return f"dono{number:04d}@{SEED_EMAIL_DOMAIN}"


def seed_businesses(
    *,
    businesses: int,
    appointments: int,
    years: int = 3,
    password: str = DEFAULT_PASSWORD,
    seed: int = 1,
    reset: bool = False,
    now: datetime | None = None,
) -> SeedReport:
    """Write the data set in one transaction: all of it or nothing.

    Refuses (SeedError) when seeded businesses exist, unless `reset` deletes them first.
    """
    if businesses < 1 or appointments < 0 or years < 1:
        raise SeedError("--businesses and --years must be at least 1, --appointments at least 0.")
    started = timezone.now()
    now = now or started
    with transaction.atomic():
        if seeded_businesses().exists():
            if not reset:
                raise SeedError("The seeded businesses exist already; run again with --reset to replace them.")
            seeded_data_delete()
        generator = _Generator(random.Random(seed), now=now, years=years, password=password)  # noqa: S311 - a reproducible data set, nothing secret
        shares = _split(appointments, _business_weights(businesses), generator.rng)
        for number, share in enumerate(shares, start=1):
            generator.business(number, share)
    _refresh_planner_statistics()
    return SeedReport(businesses, appointments, (timezone.now() - started).total_seconds())


def _refresh_planner_statistics() -> None:
    """Let PostgreSQL plan with the new rows at once rather than when autovacuum comes by; VACUUM
    also marks the pages all-visible, so counts are index-only scans (it cannot run in a transaction)."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in (Appointment, Client))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {tables}")


def seeded_data_delete() -> None:
    """Delete the seeded businesses and their owners' logins, the big tables with one statement each."""
    business_ids = list(seeded_businesses().values_list("pk", flat=True))
    appointments = Appointment.objects.filter(business_id__in=business_ids)
    clients = Client.objects.filter(business_id__in=business_ids)
    # What points at appointments or clients goes first (or lets go), then those two, in bulk: the
    # ORM's cascade would load a million rows to delete them.
    for parent, rows in ((Appointment, appointments), (Client, clients)):
        for relation in parent._meta.related_objects:
            if not relation.one_to_many:
                continue
            related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": rows.values("pk")})
            if relation.on_delete is models.SET_NULL:
                related.update(**{relation.field.name: None})
            else:
                related._raw_delete(related.db)
    appointments._raw_delete(appointments.db)
    clients._raw_delete(clients.db)
    Business.objects.filter(pk__in=business_ids).delete()
    User.objects.filter(email__endswith=f"@{SEED_EMAIL_DOMAIN}").delete()


def _business_weights(count: int) -> list[float]:
    """The busy business (the first) takes BUSY_BUSINESS_SHARE; the others share the rest."""
    if count == 1:
        return [1.0]
    return [BUSY_BUSINESS_SHARE] + [(1 - BUSY_BUSINESS_SHARE) / (count - 1)] * (count - 1)


def _split(total: int, weights: Sequence[float], rng: random.Random, jitter: float = 0.0) -> list[int]:
    """`total` in whole parts proportional to `weights` (each varied by ±jitter), summing exactly."""
    varied = [weight * (1 + rng.uniform(-jitter, jitter)) for weight in weights]
    exact = [weight * total / sum(varied) for weight in varied]
    parts = [int(share) for share in exact]
    # What flooring left goes to the largest remainders.
    by_remainder = sorted(range(len(parts)), key=lambda index: parts[index] - exact[index])
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


@dataclass
class _ClientSeed:
    row: dict
    appointments: list[tuple] = field(default_factory=list)


class _Generator:
    def __init__(self, rng: random.Random, *, now: datetime, years: int, password: str):
        self.rng = rng
        self.now = now
        self.tz = ZoneInfo(DEFAULT_TIMEZONE)
        today = now.astimezone(self.tz).date()
        self.first_day = today - timedelta(days=round(365.25 * years))
        self.last_day = today + timedelta(days=DAYS_AHEAD)
        # One hash for every owner: hashing is slow on purpose, and these are demo logins.
        self.password_hash = make_password(password)

    # --- A business and its small tables -------------------------------------------------------------
    def business(self, number: int, appointment_count: int) -> None:
        rng = self.rng
        busy = number == 1
        kind_name, service_specs = KINDS[0] if busy else rng.choice(KINDS)
        area_code = rng.choice(AREA_CODES)
        created_at = datetime.combine(self.first_day - timedelta(days=30), time(10), tzinfo=self.tz)
        business = Business.objects.create(
            name=f"{kind_name} {rng.choice(LAST_NAMES)} {number:04d}",
            slug=business_slug(number),
            template_type=TemplateType.SERVICE_TABLE,
            whatsapp_number=self._mobile(area_code, set()),
            address=f"Rua {rng.choice(LAST_NAMES)}, {rng.randint(10, 2000)}",
            plan_type=PlanType.ENTERPRISE,
            created_at=created_at,
        )
        owner = User.objects.create(
            email=owner_email(number),
            password=self.password_hash,
            last_business=business,
            is_verified=True,
            created_at=created_at,
        )
        professional_count = 5 if busy else rng.randint(1, 3)
        professionals = Professional.objects.bulk_create(
            Professional(business=business, name=business.name if index == 0 else self._person(), is_owner=index == 0)
            for index in range(professional_count)
        )
        Membership.objects.create(user=owner, business=business, role=Role.OWNER, professional=professionals[0])
        buffer_minutes = 0 if busy else rng.choice((0, 0, 5, 10))
        BookingRules.objects.create(business=business, slot_interval_minutes=15, buffer_minutes=buffer_minutes)
        services = Service.objects.bulk_create(
            Service(business=business, name=name, duration=duration, price=Decimal(price) if price else None)
            for name, duration, price in (
                service_specs if busy else service_specs[: rng.randint(3, len(service_specs))]
            )
        )
        hours = self._weekly_hours(busy)
        WorkingHours.objects.bulk_create(
            WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
            for index, professional in enumerate(professionals)
            for weekday, intervals in hours.items()
            # Every other professional but the owner rests on Saturdays.
            if not (weekday == 5 and index % 2 == 1)
            for start, end in intervals
        )
        closed = self._time_off(business, professionals)

        clients = self._clients(business, area_code, appointment_count)
        shares = _split(appointment_count, [1.0] * len(professionals), rng, jitter=0.2)
        rows = []
        for index, (professional, share) in enumerate(zip(professionals, shares, strict=True)):
            weekly = {weekday: v for weekday, v in hours.items() if not (weekday == 5 and index % 2 == 1)}
            rows.extend(
                self._appointments(business, professional, services, clients, weekly, closed, share, buffer_minutes)
            )
        self._insert_clients(business, clients)
        _insert(Appointment, rows)

    def _weekly_hours(self, busy: bool) -> dict[int, tuple]:
        weekday_hours, saturday_hours = (
            (BUSY_WEEKDAY_HOURS, BUSY_SATURDAY_HOURS) if busy else (WEEKDAY_HOURS, SATURDAY_HOURS)
        )
        return {**dict.fromkeys(range(5), weekday_hours), 5: saturday_hours}

    def _time_off(self, business: Business, professionals: list[Professional]) -> dict[object, set[date]]:
        """Christmas and New Year's Day for the business, a week's vacation a year for each
        professional; return the closed dates per professional id."""
        rng = self.rng
        closed_days = {
            day
            for year in range(self.first_day.year, self.last_day.year + 1)
            for day in (date(year, 12, 25), date(year, 1, 1))
            if self.first_day <= day <= self.last_day
        }
        rows = [
            TimeOff(business=business, start_time=self._midnight(day), end_time=self._midnight(day + timedelta(days=1)),
                    reason="Feriado")
            for day in sorted(closed_days)
        ]  # fmt: skip
        closed = {}
        for professional in professionals:
            vacation_days = set(closed_days)
            for year in range(self.first_day.year, self.last_day.year + 1):
                start = date(year, 1, 1) + timedelta(days=rng.randint(0, 358))
                if not self.first_day <= start <= self.last_day:
                    continue
                vacation_days.update(start + timedelta(days=n) for n in range(7))
                rows.append(
                    TimeOff(
                        business=business,
                        professional=professional,
                        start_time=self._midnight(start),
                        end_time=self._midnight(start + timedelta(days=7)),
                        reason="Férias",
                    )
                )
            closed[professional.pk] = vacation_days
        TimeOff.objects.bulk_create(rows)
        return closed

    # --- Clients ----------------------------------------------------------------------------------------
    def _clients(self, business: Business, area_code: str, appointment_count: int) -> list[_ClientSeed]:
        rng = self.rng
        numbers: set[str] = set()
        clients = []
        for index in range(max(10, appointment_count // 8)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{_ascii(first)}.{_ascii(last)}{index}@example.com".lower() if rng.random() < 0.3 else ""
            clients.append(
                _ClientSeed(
                    row={
                        "id": uuid.uuid4(),
                        "business_id": business.pk,
                        "name": f"{first} {last}",
                        # Most clients live in the business's city; some come from elsewhere.
                        "whatsapp": self._mobile(area_code if rng.random() < 0.8 else rng.choice(AREA_CODES), numbers),
                        "email": email,
                        "is_vip": rng.random() < 0.03,
                        "created_at": business.created_at,
                        "updated_at": self.now,
                    }
                )
            )
        return clients

    def _insert_clients(self, business: Business, clients: list[_ClientSeed]) -> None:
        rows = []
        for client in clients:
            history = sorted(client.appointments, key=lambda row: row[1])
            figures = client_figures(rows=[row[:5] for row in history], tz=self.tz, now=self.now)
            client.row.update(figures)
            if history:
                client.row["created_at"] = min(created for *_values, created in client.appointments)
            rows.append(client.row)
        _insert(Client, rows)

    # --- Appointments ---------------------------------------------------------------------------------
    def _appointments(
        self,
        business: Business,
        professional: Professional,
        services: list[Service],
        clients: list[_ClientSeed],
        weekly: dict[int, tuple],
        closed: dict[object, set[date]],
        count: int,
        buffer_minutes: int,
    ) -> Iterable[dict]:
        rng = self.rng
        candidates = self._free_starts(services, weekly, closed[professional.pk], count, buffer_minutes)
        chosen = sorted(rng.sample(range(len(candidates)), count))
        buffer = timedelta(minutes=buffer_minutes)
        for index in chosen:
            start, service = candidates[index]
            end = start + timedelta(minutes=service.duration)
            client = clients[int(len(clients) * rng.random() ** 2)]  # a few regulars come often
            created_at = min(start - timedelta(minutes=rng.randint(60, 21 * 24 * 60)), self.now)
            status, cancelled_at, client_confirmed_at = self._status(created_at, start, end)
            client.appointments.append((status, start, end, service.pk, service.price, created_at))
            yield {
                "id": uuid.uuid4(),
                "business_id": business.pk,
                "service_id": service.pk,
                "professional_id": professional.pk,
                "client_id": client.row["id"],
                "client_name": client.row["name"],
                "client_whatsapp": client.row["whatsapp"],
                "client_email": client.row["email"],
                "start_time": start,
                "end_time": end,
                "duration_minutes": service.duration,
                "buffer_minutes": buffer_minutes,
                "blocks_until": end + buffer,
                "price": service.price,
                "status": status,
                "source": rng.choice(SOURCES),
                "manage_token": secrets.token_urlsafe(32),
                "client_confirmed_at": client_confirmed_at,
                "cancelled_at": cancelled_at,
                "created_at": created_at,
                "updated_at": cancelled_at or (end if end <= self.now else created_at),
            }

    def _status(self, created_at: datetime, start: datetime, end: datetime) -> tuple:
        """Status, cancelled_at and client_confirmed_at, consistent with the time."""
        draw = self.rng.random()
        # Half the clients answer the reminder the day before.
        confirmed_at = max(start - timedelta(hours=20), created_at) if self.rng.random() < 0.5 else None
        if confirmed_at is not None and confirmed_at > self.now:
            confirmed_at = None
        if end <= self.now:
            if draw < 0.80:
                return COMPLETED, None, confirmed_at
            if draw < 0.87:
                return NO_SHOW, None, None
        elif draw < 0.25:
            return PENDING, None, None
        elif draw < 0.90:
            return CONFIRMED, None, confirmed_at
        cancelled_at = min(created_at + (start - created_at) * self.rng.random(), self.now)
        return CANCELLED, cancelled_at, None

    def _free_starts(
        self, services: list[Service], weekly: dict[int, tuple], closed: set[date], count: int, buffer_minutes: int
    ) -> list[tuple[datetime, Service]]:
        """Back-to-back starts through the professional's working time, with random gaps sized so
        about CANDIDATES_PER_APPOINTMENT starts exist per appointment to pick; none overlap."""
        every_day = (self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1))
        days = [day for day in every_day if day.weekday() in weekly and day not in closed]
        working_minutes = sum(_minutes(start, end) for day in days for start, end in weekly[day.weekday()])
        average_minutes = sum(service.duration for service in services) / len(services) + buffer_minutes
        slack = working_minutes / max(count * CANDIDATES_PER_APPOINTMENT, 1) - average_minutes
        while True:
            candidates = self._fill(days, services, weekly, buffer_minutes, max(int(slack), 0))
            if len(candidates) >= count:
                return candidates
            if slack <= 0:
                raise SeedError(
                    f"{count} appointments do not fit in one professional's {len(days)} working days; "
                    "seed more businesses or fewer appointments."
                )
            slack = slack / 2 if slack > 15 else 0

    def _fill(
        self, days: list[date], services: list[Service], weekly: dict[int, tuple], buffer_minutes: int, slack: int
    ) -> list[tuple[datetime, Service]]:
        rng = self.rng
        # Gaps in quarter hours, averaging `slack` minutes.
        gaps = [timedelta(minutes=15 * n) for n in range(0, 2 * slack // 15 + 1)]
        buffer = timedelta(minutes=buffer_minutes)
        candidates = []
        for day in days:
            for opens, closes in weekly[day.weekday()]:
                cursor, end_of_interval = (datetime.combine(day, moment, tzinfo=self.tz) for moment in (opens, closes))
                while True:
                    service = rng.choice(services)
                    start = cursor + rng.choice(gaps)
                    end = start + timedelta(minutes=service.duration)
                    if end > end_of_interval:
                        break
                    candidates.append((start, service))
                    cursor = end + buffer
        return candidates

    # --- Small pieces -------------------------------------------------------------------------------
    def _mobile(self, area_code: str, taken: set[str]) -> str:
        """A Brazilian mobile number in E.164 (DDD, then nine digits starting with 9), not in `taken`."""
        while True:
            number = f"+55{area_code}9{self.rng.randint(6, 9)}{self.rng.randint(0, 9_999_999):07d}"
            if number not in taken:
                taken.add(number)
                return number

    def _person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.tz)


def _minutes(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _insert(model: type[models.Model], rows: Iterable[dict]) -> None:
    """Insert `rows` (attname -> value; every other column takes its field's default) in one
    COPY on PostgreSQL, in batched INSERTs elsewhere. No save(), no signals, no auto_now."""
    fields = model._meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json_columns = {f.attname for f in fields if isinstance(f, models.JSONField)}
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(value) if f.attname in json_columns and value is not None else value
                            for f in fields
                            for value in (row.get(f.attname, defaults[f.attname]),)
                        ]
                    )
            return
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        batch = []
        for row in rows:
            batch.append([f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), connection) for f in fields])
            if len(batch) == 1000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
