"""Client writes: find-or-create on booking, edits, bulk updates, deactivation, LGPD erasure, and
the figures kept from each client's appointments.

## The figures (`client_metrics_refresh`)
All come from the client's appointments, in the business's time zone:
- `total_appointments` counts every appointment; `completed/cancelled/no_show_appointments` each status.
- `first/last_appointment_at`: earliest and latest start of the appointments that were not cancelled.
- `appointments_this_month / last_month`: not-cancelled appointments starting in the current /
  previous calendar month. They depend on the date, so a periodic task refreshes them when a
  business's month turns (`client_month_rollover`).
- `average_days_between_appointments`: mean gap, in days, between consecutive not-cancelled starts.
- `preferred_services`: ids of the (up to 3) most booked services; `preferred_days`: weekdays
  (`monday`…); `preferred_times`: `morning` (before 12:00), `afternoon` (12:00-18:00), `evening`.
- `total_spent`: sum of the prices of completed appointments; `average_ticket` = total_spent /
  completed; `last_payment_at`: end of the latest completed appointment.
- `frequency_score` (0-100) = 100 × (0.5 × volume + 0.3 × regularity + 0.2 × reliability), where
  volume = min(completed, 10) / 10; regularity = 1 − min(average days between, 120) / 120 with at
  least two not-cancelled appointments, else 0; reliability = completed / (completed + no-shows),
  0 when neither. It rewards coming often, coming regularly and showing up, and does not change
  with the passing of time alone.
"""

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap import events
from agendazap.business_cache import clients_changed
from agendazap.errors import PlanLimitExceeded
from agendazap.events import AppointmentStatus
from agendazap.phones import phone_to_e164
from billing.models import Resource
from billing.services import PlanGate, plan_check
from crm.models import Client, CommunicationPreference

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
METRIC_FIELDS = (
    "first_appointment_at",
    "last_appointment_at",
    "total_appointments",
    "completed_appointments",
    "cancelled_appointments",
    "no_show_appointments",
    "frequency_score",
    "appointments_this_month",
    "appointments_last_month",
    "average_days_between_appointments",
    "metrics_month",
    "preferred_services",
    "preferred_days",
    "preferred_times",
    "total_spent",
    "average_ticket",
    "last_payment_at",
)
EDITABLE_FIELDS = (
    "name",
    "whatsapp",
    "email",
    "notes",
    "is_active",
    "is_vip",
    "communication_preference",
    "birth_date",
    "gender",
    "address",
    "city",
    "state",
    "zip_code",
    "source",
    "referral_code",
    "tags",
    "custom_fields",
)
BULK_FIELDS = ("is_active", "is_vip", "tags", "communication_preference", "source")
TEXT_LIMITS = {"name": 255, "gender": 20, "city": 100, "state": 50, "zip_code": 20, "source": 100, "referral_code": 50}
MAX_TAGS = 30


# --- Finding and creating -------------------------------------------------------------------------
class ClientNumberTaken(Exception):
    """Another transaction created a client with this number meanwhile, and the insert had no
    savepoint to go back to: the caller's transaction is lost and may be tried again, in which
    the client is found."""


# No savepoint of its own: inside a booking, whatever fails here fails the booking.
@transaction.atomic(savepoint=False)
def client_find_or_create(
    *,
    business: Business,
    name: str,
    whatsapp: str,
    email: str = "",
    source: str = "",
    rename: bool = False,
    plan: PlanGate | None = None,
    savepoint: bool = True,
) -> Client:
    """Return the business's client with this number (any Brazilian spelling), creating it once.

    Whoever books with a known number only fills what the record lacks (an email): anyone may
    type any number, so what the business recorded is never overwritten. `rename` is the
    business saying, on purpose, that the client's name is now `name`. A deactivated client who
    books again is active again. A new or reactivated client is checked against the plan through
    `plan`, the caller's gate when it has one.

    The same number created at once by another transaction is found after the insert fails, in a
    savepoint; without `savepoint` (a caller that tries its transaction again instead)
    ClientNumberTaken is raised.
    """
    number = phone_to_e164(whatsapp)
    name = (name or "").strip()
    email = (email or "").strip().lower()
    client = Client.objects.filter(business=business, whatsapp=number).first()
    if client is None or not client.is_active:
        if plan is not None:
            plan.check(Resource.CLIENTS)
        else:
            plan_check(business=business, resource=Resource.CLIENTS)
    if client is None:
        try:
            with transaction.atomic(savepoint=savepoint):
                return Client.objects.create(
                    business=business, name=name or number, whatsapp=number, email=email, source=source
                )
        except IntegrityError as exc:
            if not savepoint:
                raise ClientNumberTaken from exc
            # The same number booked twice at once: the unique constraint picked one row.
            client = Client.objects.get(business=business, whatsapp=number)
    client.business = business  # already loaded: spares the figures a query
    changed = []
    if rename and name and name != client.name:
        client.name = name
        changed.append("name")
    if email and not client.email:
        client.email = email
        changed.append("email")
    if not client.is_active:
        client.is_active = True
        changed.append("is_active")
    if client.erased_at is not None:
        client.erased_at = None
        changed.append("erased_at")
    if changed:
        client.save(update_fields=[*changed, "updated_at"])
    return client


@transaction.atomic
def client_create(*, business: Business, data: dict[str, Any]) -> Client:
    values = _clean(business, data, client=None, creating=True)
    if values.get("is_active", True):
        plan_check(business=business, resource=Resource.CLIENTS)
    try:
        with transaction.atomic():
            return Client.objects.create(business=business, **values)
    except IntegrityError as exc:
        raise ValidationError({"whatsapp": [_("A client with this WhatsApp number already exists.")]}) from exc


def client_validate(*, business: Business, data: dict[str, Any], client: Client | None = None) -> None:
    """Check `data` as `client_create` (no client) or `client_update` would, writing nothing."""
    _clean(business, data, client=client, creating=client is None)


@transaction.atomic
def client_update(*, client: Client, data: dict[str, Any]) -> Client:
    values = _clean(client.business, data, client=client)
    if values.get("is_active") and not client.is_active:
        plan_check(business=client.business, resource=Resource.CLIENTS)
    changed = [field for field, value in values.items() if getattr(client, field) != value]
    for field in changed:
        setattr(client, field, values[field])
    if changed:
        try:
            with transaction.atomic():
                client.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as exc:
            raise ValidationError({"whatsapp": [_("A client with this WhatsApp number already exists.")]}) from exc
    return client


@transaction.atomic
def client_bulk_update(*, business: Business, client_ids: list, updates: dict[str, Any]) -> int:
    """Apply the same change to several clients; every id must be one of the business's clients."""
    unknown = set(updates) - set(BULK_FIELDS)
    if unknown:
        raise ValidationError(
            {
                "updates": [
                    _("These fields cannot be bulk-updated: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
                ]
            }
        )
    if not updates:
        raise ValidationError({"updates": [_("Say what to change.")]})
    ids = set(client_ids)
    clients = Client.objects.filter(business=business, pk__in=ids)
    if clients.count() != len(ids):
        raise Http404  # another business's client is "not found", and nothing changes
    values = _clean(business, updates, client=None)
    if values.get("is_active"):
        plan_check(business=business, resource=Resource.CLIENTS, amount=clients.filter(is_active=False).count())
    clients_changed(business.pk)  # QuerySet.update sends no signal
    return clients.update(**values, updated_at=timezone.now())


def client_delete(*, client: Client, actor: events.Actor, erase: bool = False) -> str:
    """Delete a client without history; deactivate one with appointments; or erase personal data (LGPD).

    Returns "deleted", "deactivated" or "erased".
    """
    if erase:
        client_erase(client=client, actor=actor)
        return "erased"
    if client.appointments.exists():
        if client.is_active:
            client.is_active = False
            client.save(update_fields=["is_active", "updated_at"])
        return "deactivated"
    client.delete()
    return "deleted"


@transaction.atomic
def client_erase(*, client: Client, actor: events.Actor) -> Client:
    """Anonymize a client, keeping the business's counts and revenue.

    The apps holding copies (appointments, messages) erase theirs on `ClientErased`, which
    carries the former values for them to look for.
    """
    former = events.ClientErased(
        client=client, actor=actor, former_name=client.name, former_whatsapp=client.whatsapp, former_email=client.email
    )
    client.name = _("Erased client")
    client.whatsapp = f"erased-{client.pk.hex[:12]}"
    for field in ("email", "notes", "gender", "address", "city", "state", "zip_code", "referral_code", "source"):
        setattr(client, field, "")
    client.birth_date = None
    client.tags = []
    client.custom_fields = None
    client.is_active = False
    client.is_vip = False
    client.erased_at = timezone.now()
    client.save()
    events.emit(former)
    return client


def _clean(
    business: Business, data: dict[str, Any], *, client: Client | None, creating: bool = False
) -> dict[str, Any]:
    """Validate the editable keys present in `data`; return model values or raise with every error.

    Creating, a name and a WhatsApp number are required too.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        try:
            values[field] = _clean_value(field, value)
        except ValidationError as exc:
            errors[field] = exc.messages
    for field in ("name", "whatsapp") if creating else ():
        if not values.get(field) and field not in errors:
            errors[field] = [_("This field is required.")]
    if "whatsapp" in values:
        duplicate = Client.objects.filter(business=business, whatsapp=values["whatsapp"])
        if client is not None:
            duplicate = duplicate.exclude(pk=client.pk)
        if duplicate.exists():
            errors["whatsapp"] = [_("A client with this WhatsApp number already exists.")]
    if errors:
        raise ValidationError(errors)
    return values


def _clean_value(field: str, value: Any) -> Any:
    if field == "whatsapp":
        return phone_to_e164(value if isinstance(value, str) else "")
    if field in ("is_active", "is_vip"):
        if not isinstance(value, bool):
            raise ValidationError(_("Use true or false."))
        return value
    if field == "communication_preference":
        if value not in CommunicationPreference.values:
            raise ValidationError(_("Choose whatsapp or email."))
        return value
    if field == "birth_date":
        if value is None or isinstance(value, date):
            return value
        raise ValidationError(_("Enter a date as YYYY-MM-DD."))
    if field == "tags":
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise ValidationError(_("Tags are a list of words."))
        tags = list(dict.fromkeys(tag.strip().lower() for tag in value if tag.strip()))
        if len(tags) > MAX_TAGS or any(len(tag) > 50 or '"' in tag or "\\" in tag for tag in tags):
            raise ValidationError(_("At most %(max)d tags of up to 50 characters, without quotes.") % {"max": MAX_TAGS})
        return tags
    if field == "custom_fields":
        if value is not None and not isinstance(value, dict):
            raise ValidationError(_("Must be an object."))
        return value
    text = "" if value is None else value
    if not isinstance(text, str):
        raise ValidationError(_("Must be text."))
    text = text.strip()
    if field == "email":
        return text.lower()
    if field == "name" and not text:
        raise ValidationError(_("This field is required."))
    limit = TEXT_LIMITS.get(field)
    if limit and len(text) > limit:
        raise ValidationError(_("At most %(max)d characters.") % {"max": limit})
    return text


# --- Import ----------------------------------------------------------------------------------------
class RefusalReason(StrEnum):
    BAD_PHONE = "bad_phone"
    MISSING_NAME = "missing_name"
    BAD_EMAIL = "bad_email"
    PLAN_LIMIT = "plan_limit"


@dataclass(frozen=True)
class ImportRow:
    line: int  # the row's line in the file (the header is line 1), for the report
    name: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: RefusalReason
    message: str


@dataclass
class ImportReport:
    created: int = 0
    known: int = 0
    refused: list[RefusedRow] = dataclasses.field(default_factory=list)


def clients_import(*, business: Business, rows: list[ImportRow]) -> ImportReport:
    """Add the rows' clients, one per number; a known number is never overwritten (only an empty
    email is filled, as booking does) and a number repeated in the file counts once.

    One transaction per row: a row refused (e.g. past the plan's limit) leaves the rows before it
    imported, and the report says which lines to fix, so the file can be sent again as it is.
    """
    report = ImportReport()
    seen: set[str] = set()
    for row in rows:
        name = " ".join(row.name.split())
        email = row.email.strip().lower()
        try:
            number = phone_to_e164(row.phone)
        except ValidationError:
            report.refused.append(RefusedRow(row.line, RefusalReason.BAD_PHONE, _("Not a valid WhatsApp number.")))
            continue
        if not name:
            report.refused.append(RefusedRow(row.line, RefusalReason.MISSING_NAME, _("The name is missing.")))
            continue
        if email:
            try:
                validate_email(email)
            except ValidationError:
                report.refused.append(RefusedRow(row.line, RefusalReason.BAD_EMAIL, _("Not a valid email.")))
                continue
        if number in seen:
            report.known += 1
            continue
        try:
            created = _import_one(business, name=name[: TEXT_LIMITS["name"]], number=number, email=email)
        except PlanLimitExceeded:
            report.refused.append(
                RefusedRow(row.line, RefusalReason.PLAN_LIMIT, _("Your plan's limit has been reached."))
            )
            continue
        seen.add(number)
        if created:
            report.created += 1
        else:
            report.known += 1
    return report


@transaction.atomic
def _import_one(business: Business, *, name: str, number: str, email: str) -> bool:
    """Create the client with this number (True), or fill the known one's empty email (False)."""
    client = Client.objects.select_for_update().filter(business=business, whatsapp=number).first()
    if client is None:
        plan_check(business=business, resource=Resource.CLIENTS)
        try:
            with transaction.atomic():
                Client.objects.create(business=business, name=name, whatsapp=number, email=email, source="import")
                return True
        except IntegrityError:
            # Booked at the same moment: the client exists now, treated as known.
            client = Client.objects.get(business=business, whatsapp=number)
    if email and not client.email:
        client.email = email
        client.save(update_fields=["email", "updated_at"])
    return False


# --- Figures ---------------------------------------------------------------------------------------------
def client_metrics_refresh(*, client: Client, now: datetime | None = None) -> Client:
    """Recompute every figure of `client` from its appointments (one read, one write)."""
    rows = client.appointments.order_by("start_time").values_list(
        "status", "start_time", "end_time", "service_id", "price"
    )
    figures = client_figures(rows=list(rows), tz=ZoneInfo(client.business.timezone), now=now or timezone.now())
    for field, value in figures.items():
        setattr(client, field, value)
    client.save(update_fields=[*METRIC_FIELDS, "updated_at"])
    return client


def client_figures_on_appointment(event: events.AppointmentEvent) -> None:
    """Keep the figures of the appointment's client (and of the one it left) in step with every change.

    Two changes of one client at once count both: the figures are computed from one read of the
    client's appointments, which brings the client row's version (`updated_at`) in the same
    snapshot, and written only where the row still has that version. A change that refreshed the
    figures meanwhile (committed, or holding the row until it commits) leaves nothing written,
    and the figures are then computed again under the row's lock.
    """
    tz = ZoneInfo(event.appointment.business.timezone)
    client_ids = {event.appointment.client_id}
    if isinstance(event, events.AppointmentDetailsChanged):
        client_ids.add(event.previous_client_id)
    for client_id in sorted(client_ids, key=str):
        if not _figures_write_unlocked(client_id, tz):
            client = Client.objects.select_for_update().select_related("business").filter(pk=client_id).first()
            if client is not None:
                client_metrics_refresh(client=client)


def _figures_write_unlocked(client_id, tz: ZoneInfo) -> bool:
    """Write the client's figures if its row is unchanged since they were read; False when it changed."""
    rows = list(
        Client.objects.filter(pk=client_id)
        .order_by("appointments__start_time")
        .values_list(
            "appointments__status",
            "appointments__start_time",
            "appointments__end_time",
            "appointments__service",
            "appointments__price",
            "updated_at",
        )
    )
    if not rows:
        return False
    version = rows[0][-1]
    # A client without appointments comes as one row of nothing (the join found none).
    appointments = [row[:-1] for row in rows if row[0] is not None]
    figures = client_figures(rows=appointments, tz=tz, now=timezone.now())
    return bool(Client.objects.filter(pk=client_id, updated_at=version).update(**figures, updated_at=timezone.now()))


def client_figures(*, rows: list[tuple], tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """Every figure (METRIC_FIELDS) from a client's appointments as
    (status, start_time, end_time, service_id, price) rows ordered by start, without a query."""
    today = now.astimezone(tz).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    by_status = Counter(status for status, *_rest in rows)
    kept = [(start, service_id) for status, start, _end, service_id, _price in rows if status != "cancelled"]
    completed = [(end, price) for status, _start, end, _service, price in rows if status == "completed"]
    starts = [start for start, _service in kept]
    local_starts = [start.astimezone(tz) for start in starts]

    gaps = [(later - earlier).total_seconds() / 86400 for earlier, later in zip(starts, starts[1:], strict=False)]
    average_gap = round(sum(gaps) / len(gaps), 2) if gaps else 0.0
    spent = sum((price or Decimal("0") for _end, price in completed), Decimal("0"))
    completed_count = by_status[AppointmentStatus.COMPLETED]
    no_show_count = by_status[AppointmentStatus.NO_SHOW]
    return {
        "total_appointments": len(rows),
        "completed_appointments": completed_count,
        "cancelled_appointments": by_status[AppointmentStatus.CANCELLED],
        "no_show_appointments": no_show_count,
        "first_appointment_at": starts[0] if starts else None,
        "last_appointment_at": starts[-1] if starts else None,
        "metrics_month": this_month,
        "appointments_this_month": sum(1 for start in local_starts if start.date().replace(day=1) == this_month),
        "appointments_last_month": sum(1 for start in local_starts if start.date().replace(day=1) == last_month),
        "average_days_between_appointments": average_gap,
        "preferred_services": _top((str(service_id) for _start, service_id in kept), 3),
        "preferred_days": _top((WEEKDAYS[start.weekday()] for start in local_starts), 3),
        "preferred_times": _top((_time_of_day(start) for start in local_starts), 3),
        "total_spent": spent,
        "average_ticket": (spent / completed_count).quantize(Decimal("0.01")) if completed_count else Decimal("0"),
        "last_payment_at": max((end for end, _price in completed), default=None),
        "frequency_score": frequency_score(
            completed=completed_count, no_shows=no_show_count, kept=len(starts), average_days=average_gap
        ),
    }


def frequency_score(*, completed: int, no_shows: int, kept: int, average_days: float) -> float:
    """0-100; see the module docstring for the formula."""
    volume = min(completed, 10) / 10
    regularity = 1 - min(average_days, 120) / 120 if kept >= 2 else 0.0
    reliability = completed / (completed + no_shows) if completed + no_shows else 0.0
    return round(100 * (0.5 * volume + 0.3 * regularity + 0.2 * reliability), 1)


def client_month_rollover(*, now: datetime | None = None) -> int:
    """Refresh the month-bound figures of every client whose business's month has turned."""
    now = now or timezone.now()
    refreshed = 0
    for tz_name in Business.objects.filter(clients__isnull=False).values_list("timezone", flat=True).distinct():
        month = now.astimezone(ZoneInfo(tz_name)).date().replace(day=1)
        stale = (
            Client.objects.filter(business__timezone=tz_name).exclude(metrics_month=month).select_related("business")
        )
        for client in stale.iterator(chunk_size=500):
            client_metrics_refresh(client=client, now=now)
            refreshed += 1
    return refreshed


def _top(values, limit: int) -> list[str]:
    counts = Counter(values)
    return [value for value, _count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def _time_of_day(moment: datetime) -> str:
    if moment.hour < 12:
        return "morning"
    return "afternoon" if moment.hour < 18 else "evening"


# --- Cached answers ---------------------------------------------------------------------------------
def _on_client_row(sender, instance, **kwargs) -> None:
    clients_changed(instance.business_id)


def connect_cached_answers() -> None:
    """End the business's clients' version (agendazap.business_cache) whenever a client row is
    written or deleted: the answers computed from it (the API's client list and history) go with it."""
    post_save.connect(_on_client_row, sender=Client, dispatch_uid="crm_client_saved")
    post_delete.connect(_on_client_row, sender=Client, dispatch_uid="crm_client_deleted")
