"""Scheduling writes: a business's setup, professionals, hours, time off, rules and appointments.

No double booking: every write that places an appointment re-checks the slot inside one
transaction. On PostgreSQL the exclusion constraint `appointment_no_overlap` is the real
guard (its IntegrityError becomes a 409); on SQLite the transaction is IMMEDIATE, so writers
are serialized and the check cannot be raced.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from agendazap.errors import Conflict, PlanLimitExceeded, TooManyAttempts
from agendazap.ids import as_uuid
from agendazap.phones import phone_to_e164
from agendazap.ratelimit import allow
from billing.models import Resource
from billing.services import plan_check, plan_refusal_notice
from catalog.models import MAX_DURATION_MINUTES, Service
from crm import selectors as client_selectors
from crm import services as client_services
from notifications import services as notifications
from scheduling import selectors
from scheduling.availability import Busy, Refusal, slot_refusal
from scheduling.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingRules,
    OnlineBookingStatus,
    Professional,
    TimeOff,
    Weekday,
    WorkingHours,
)

# Mon-Fri 09:00-18:00 and Sat 09:00-13:00 (CONTRACT.md): a new business takes bookings at once.
DEFAULT_WEEK = {
    **{weekday: [(time(9), time(18))] for weekday in range(Weekday.MONDAY, Weekday.SATURDAY)},
    Weekday.SATURDAY: [(time(9), time(13))],
}

ALLOWED_TRANSITIONS = {
    AppointmentStatus.PENDING: {AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED},
    AppointmentStatus.CONFIRMED: {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED},
}
ACTIVE_STATUSES = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)
EXCLUSION_VIOLATION = "23P01"


# --- Business setup ----------------------------------------------------------------------------
@transaction.atomic
def business_setup(*, owner: User) -> Professional:
    """Give a new business its owner-professional, default weekly hours and booking rules."""
    professional = Professional.objects.create(
        owner=owner, name=owner.business_name or owner.email.split("@")[0], is_owner=True
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for weekday, intervals in DEFAULT_WEEK.items()
        for start, end in intervals
    )
    BookingRules.objects.get_or_create(owner=owner)
    return professional


# --- Professionals, hours, time off, rules ----------------------------------------------------
@transaction.atomic
def professional_create(*, owner: User, name: str, service_ids: list | None = None) -> Professional:
    name = _required_text(name, "name")
    plan_check(owner=owner, resource=Resource.PROFESSIONALS)
    professional = Professional.objects.create(owner=owner, name=name)
    if service_ids is not None:
        professional.services.set(_owner_services(owner, service_ids))
    WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for weekday, intervals in DEFAULT_WEEK.items()
        for start, end in intervals
    )
    return professional


@transaction.atomic
def professional_update(*, professional: Professional, data: dict[str, Any]) -> Professional:
    fields = []
    if "name" in data:
        professional.name = _required_text(data["name"], "name")
        fields.append("name")
    if "is_active" in data:
        if not data["is_active"] and professional.is_owner:
            raise ValidationError({"is_active": [_("The owner cannot be deactivated.")]})
        if data["is_active"] and not professional.is_active:
            plan_check(owner=professional.owner, resource=Resource.PROFESSIONALS)
        professional.is_active = bool(data["is_active"])
        fields.append("is_active")
    if fields:
        professional.save(update_fields=[*fields, "updated_at"])
    if "service_ids" in data:
        professional.services.set(_owner_services(professional.owner, data["service_ids"]))
    return professional


def professional_deactivate(*, professional: Professional) -> Professional:
    """Deactivate rather than delete: past appointments keep their professional."""
    return professional_update(professional=professional, data={"is_active": False})


@transaction.atomic
def working_hours_replace(*, professional: Professional, intervals: list[dict[str, Any]]) -> list[WorkingHours]:
    """Replace a professional's week with `intervals` ({weekday, start_time, end_time})."""
    errors: list[str] = []
    by_day: dict[int, list[tuple[time, time]]] = {}
    for interval in intervals:
        weekday, start, end = interval["weekday"], interval["start_time"], interval["end_time"]
        if start >= end:
            errors.append(_("%(day)s: %(start)s must be before %(end)s.") % _interval_names(weekday, start, end))
        by_day.setdefault(weekday, []).append((start, end))
    for weekday, day_intervals in by_day.items():
        day_intervals.sort()
        for (_start_a, end_a), (start_b, end_b) in zip(day_intervals, day_intervals[1:], strict=False):
            if start_b < end_a:
                errors.append(
                    _("%(day)s: %(start)s-%(end)s overlaps another interval.")
                    % _interval_names(weekday, start_b, end_b)
                )
    if errors:
        raise ValidationError({"intervals": errors})
    professional.working_hours.all().delete()
    return WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for weekday, day_intervals in sorted(by_day.items())
        for start, end in day_intervals
    )


def _interval_names(weekday: int, start: time, end: time) -> dict[str, str]:
    return {"day": Weekday(weekday).label, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


@transaction.atomic
def time_off_create(
    *, owner: User, start_time: datetime, end_time: datetime, professional_id=None, reason: str = ""
) -> TimeOff:
    """Close the business (no professional) or one professional's agenda for a period.

    Existing appointments in the period are kept: the owner decides what to do with them.
    """
    row = TimeOff(owner=owner, reason=(reason or "").strip())
    _apply_time_off(row, start_time=start_time, end_time=end_time, professional_id=professional_id)
    row.save()
    return row


@transaction.atomic
def time_off_update(*, time_off: TimeOff, data: dict[str, Any]) -> TimeOff:
    if "reason" in data:
        time_off.reason = (data["reason"] or "").strip()
    _apply_time_off(
        time_off,
        start_time=data.get("start_time", time_off.start_time),
        end_time=data.get("end_time", time_off.end_time),
        professional_id=data["professional_id"] if "professional_id" in data else time_off.professional_id,
    )
    time_off.save()
    return time_off


def time_off_delete(*, time_off: TimeOff) -> None:
    time_off.delete()


def _apply_time_off(row: TimeOff, *, start_time: datetime, end_time: datetime, professional_id) -> None:
    tz = selectors.business_timezone(row.owner)
    start_time, end_time = _aware(start_time, tz), _aware(end_time, tz)
    if start_time >= end_time:
        raise ValidationError({"end_time": [_("Must be after the start.")]})
    row.start_time, row.end_time = start_time, end_time
    row.professional = (
        selectors.professional_bookable_get(owner=row.owner, professional_id=professional_id)
        if professional_id
        else None
    )


RULE_FIELDS = (
    "slot_interval_minutes",
    "buffer_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "cancellation_notice_hours",
    "online_booking_status",
)


@transaction.atomic
def booking_rules_update(*, owner: User, data: dict[str, Any]) -> BookingRules:
    """Change the business's booking rules. A new buffer applies to new bookings only."""
    rules = selectors.booking_rules_get(owner=owner)
    changed = [field for field in RULE_FIELDS if field in data]
    for field in changed:
        setattr(rules, field, data[field])
    if rules.slot_interval_minutes is not None and rules.slot_interval_minutes < 5:
        raise ValidationError({"slot_interval_minutes": [_("Must be at least 5 minutes, or empty.")]})
    if rules.online_booking_status not in OnlineBookingStatus.values:
        raise ValidationError({"online_booking_status": [_("Choose pending or confirmed.")]})
    if changed:
        rules.save(update_fields=[*changed, "updated_at"])
    return rules


# --- Appointments --------------------------------------------------------------------------------
def appointment_book(
    *,
    owner: User,
    service_id,
    start_time: datetime,
    client_name: str = "",
    client_whatsapp: str = "",
    client_email: str = "",
    client_id=None,
    professional_id=None,
    duration: int | None = None,
    notes: str = "",
    internal_notes: str = "",
    custom_fields: dict | None = None,
    status: str | None = None,
    source: str = AppointmentSource.API,
    whatsapp_consent: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Book a client, with the given professional or any free one (409 if the time is taken).

    The client is `client_id`, or found (or created) by WhatsApp number; its figures are
    refreshed in the same transaction.
    """
    tz = selectors.business_timezone(owner)
    service = selectors.service_bookable_get(owner=owner, service_id=service_id)  # 400 before any lock
    if client_id:
        known = client_selectors.client_referenced_get(owner=owner, client_id=client_id)
        client_name = client_name or known.name
        client_whatsapp = client_whatsapp or known.whatsapp
        client_email = client_email or known.email
    errors: dict[str, list[str]] = {}
    try:
        client_name = _required_text(client_name, "client_name")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        client_whatsapp = phone_to_e164(client_whatsapp)
    except ValidationError as exc:
        errors["client_whatsapp"] = exc.messages
    if status is None:
        status = (
            selectors.booking_rules_get(owner=owner).online_booking_status
            if source == AppointmentSource.PUBLIC
            else AppointmentStatus.PENDING
        )
    if status not in ACTIVE_STATUSES:
        errors["status"] = [_("A new appointment is pending or confirmed.")]
    duration_minutes = _duration(duration, service)
    if errors:
        raise ValidationError(errors)

    start_time = _aware(start_time, tz)
    fields = {
        "owner": owner,
        "service": service,
        "client_name": client_name,
        "client_whatsapp": client_whatsapp,
        "client_email": (client_email or "").strip().lower(),
        "notes": notes or "",
        "internal_notes": internal_notes or "",
        "custom_fields": custom_fields,
        "status": status,
        "source": source,
        "whatsapp_consent": whatsapp_consent,
        "price": service.price,
    }
    with transaction.atomic():
        # Locks the service row: a concurrent delete (which locks it too) cannot archive it
        # between this booking's checks and its insert.
        service = selectors.service_bookable_get(owner=owner, service_id=service_id, lock=True)
        fields["service"] = service
        plan_check(owner=owner, resource=Resource.APPOINTMENTS)
        if professional_id:
            candidates = [
                selectors.professional_bookable_get(owner=owner, professional_id=professional_id, service=service)
            ]
        else:
            candidates = selectors.professionals_for_service(owner=owner, service=service)
        fields["client"] = client_services.client_find_or_create(
            owner=owner, name=client_name, whatsapp=client_whatsapp, email=fields["client_email"], source=source
        )
        appointment = Appointment(**fields)
        _place(appointment, candidates, start_time, duration_minutes, now=now)
        client_services.client_metrics_refresh(client=appointment.client)
        notifications.notify_booked(appointment=appointment, by_client=source == AppointmentSource.PUBLIC)
    return appointment


@transaction.atomic
def appointment_update(*, appointment: Appointment, data: dict[str, Any], now: datetime | None = None) -> Appointment:
    """Apply a partial update: details, a move (time, duration, professional, service) and/or a status."""
    owner = appointment.owner
    tz = selectors.business_timezone(owner)
    errors: dict[str, list[str]] = {}
    detail_fields = []
    for field in ("client_name", "client_email", "notes", "internal_notes", "custom_fields"):
        if field not in data:
            continue
        value = data[field]
        if field == "client_name":
            try:
                value = _required_text(value, field)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        elif field == "client_email":
            value = (value or "").strip().lower()
        elif field != "custom_fields":
            value = value or ""
        setattr(appointment, field, value)
        detail_fields.append(field)
    if "client_whatsapp" in data:
        try:
            appointment.client_whatsapp = phone_to_e164(data["client_whatsapp"])
            detail_fields.append("client_whatsapp")
        except ValidationError as exc:
            errors["client_whatsapp"] = exc.messages
    if errors:
        raise ValidationError(errors)
    previous_client = appointment.client
    if "client_whatsapp" in detail_fields and (
        previous_client is None or previous_client.whatsapp != appointment.client_whatsapp
    ):
        # Another number is another client: the booking moves to them.
        appointment.client = client_services.client_find_or_create(
            owner=owner,
            name=appointment.client_name,
            whatsapp=appointment.client_whatsapp,
            email=appointment.client_email,
        )
        detail_fields.append("client")

    move_keys = {"start_time", "duration", "professional_id", "service_id"} & set(data)
    if move_keys:
        if appointment.status not in ACTIVE_STATUSES:
            raise ValidationError({"start_time": [_("Only pending or confirmed appointments can be moved.")]})
        service = (
            selectors.service_bookable_get(owner=owner, service_id=data["service_id"])
            if "service_id" in data
            else appointment.service
        )
        if "duration" in data:
            duration_minutes = _duration(data["duration"], service)
        elif "service_id" in data:
            duration_minutes = service.duration
        else:
            duration_minutes = appointment.duration_minutes
        start = _aware(data["start_time"], tz) if "start_time" in data else appointment.start_time
        if "professional_id" in data and data["professional_id"]:
            candidates = [
                selectors.professional_bookable_get(
                    owner=owner, professional_id=data["professional_id"], service=service
                )
            ]
        else:
            candidates = [appointment.professional]
        appointment.service = service
        if "service_id" in data:
            appointment.price = service.price
        _place(appointment, candidates, start, duration_minutes, now=now)
        notifications.notify_moved(appointment=appointment)
    elif detail_fields:
        appointment.save(update_fields=[*detail_fields, "updated_at"])

    if "status" in data and data["status"] != appointment.status:
        _change_status(appointment, data["status"], reason=data.get("cancellation_reason", ""))
    if move_keys or detail_fields or "status" in data:
        _refresh_clients(previous_client, appointment.client)
    return appointment


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, reason: str = "", by_client: bool = False
) -> Appointment:
    """Move along pending → confirmed → completed | no_show, or to cancelled while active."""
    _change_status(appointment, status, reason=reason, by_client=by_client)
    _refresh_clients(appointment.client)
    return appointment


def _refresh_clients(*clients) -> None:
    for client in {client.pk: client for client in clients if client is not None}.values():
        client_services.client_metrics_refresh(client=client)


def _change_status(appointment: Appointment, status: str, *, reason: str, by_client: bool = False) -> None:
    if status not in AppointmentStatus.values:
        raise ValidationError({"status": [_("Unknown status: %(status)s.") % {"status": status}]})
    current = AppointmentStatus(appointment.status)
    if status not in ALLOWED_TRANSITIONS.get(current, set()):
        raise ValidationError(
            {
                "status": [
                    _("An appointment that is %(current)s cannot become %(new)s.")
                    % {"current": current.label.lower(), "new": AppointmentStatus(status).label.lower()}
                ]
            }
        )
    appointment.status = status
    fields = ["status"]
    if status == AppointmentStatus.CANCELLED:
        appointment.cancelled_at = timezone.now()
        appointment.cancellation_reason = (reason or "").strip()
        fields += ["cancelled_at", "cancellation_reason"]
    appointment.save(update_fields=[*fields, "updated_at"])
    if status == AppointmentStatus.CONFIRMED:
        notifications.notify_confirmed(appointment=appointment)
    elif status == AppointmentStatus.CANCELLED:
        notifications.notify_cancelled(appointment=appointment, by_client=by_client)
    elif status == AppointmentStatus.COMPLETED:
        notifications.notify_completed(appointment=appointment)
    elif status == AppointmentStatus.NO_SHOW:
        notifications.notify_no_show(appointment=appointment)


def appointment_cancel(*, appointment: Appointment, reason: str = "", by_client: bool = False) -> Appointment:
    """Cancel and keep the row; its time becomes free again."""
    return appointment_set_status(
        appointment=appointment, status=AppointmentStatus.CANCELLED, reason=reason, by_client=by_client
    )


def appointment_client_confirm(*, appointment: Appointment) -> bool:
    """A client confirms their booking (WhatsApp reply, manage page). False when nothing changed."""
    if appointment.status == AppointmentStatus.CONFIRMED:
        return False
    if appointment.status != AppointmentStatus.PENDING or appointment.start_time <= timezone.now():
        raise ValidationError({"status": [_("This booking can no longer be confirmed.")]})
    appointment_set_status(appointment=appointment, status=AppointmentStatus.CONFIRMED, by_client=True)
    return True


def appointment_client_cancel(*, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """A client cancels their booking, no later than the business's cancellation notice allows."""
    now = now or timezone.now()
    if appointment.status not in ACTIVE_STATUSES or appointment.start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be cancelled.")]})
    _check_client_notice(appointment, now)
    return appointment_cancel(appointment=appointment, reason=_("Cancelled by the client."), by_client=True)


def appointment_client_reschedule(*, appointment: Appointment, start_time: datetime) -> Appointment:
    """A client moves their booking to another free time, within the cancellation notice rule."""
    now = timezone.now()
    if appointment.status not in ACTIVE_STATUSES or appointment.start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be changed.")]})
    _check_client_notice(appointment, now)
    return appointment_update(appointment=appointment, data={"start_time": start_time})


def appointment_book_online(*, owner: User, ip_address: str, client_whatsapp: str, **booking) -> Appointment:
    """A client books without an account (public page or public API).

    Throttled per address and per number; the business's online-booking rule sets the status.
    When the plan's limit turns the client away, the owner is told (after the refused booking
    rolled back, so the notice is not rolled back with it) and PlanLimitExceeded is raised.
    """
    public_booking_allowed(ip_address=ip_address, whatsapp=client_whatsapp)
    try:
        return appointment_book(
            owner=owner, client_whatsapp=client_whatsapp, source=AppointmentSource.PUBLIC, **booking
        )
    except PlanLimitExceeded as exc:
        plan_refusal_notice(owner=owner, exc=exc)
        raise


def public_booking_allowed(*, ip_address: str, whatsapp: str) -> None:
    """Refuse (429) more online bookings from one address or for one number than a person makes."""
    number = phone_to_e164(whatsapp)
    if not (
        allow(f"public-booking:ip:{ip_address}", limit=settings.PUBLIC_BOOKINGS_PER_IP_HOUR, window_seconds=3600)
        and allow(f"public-booking:phone:{number}", limit=settings.PUBLIC_BOOKINGS_PER_PHONE_HOUR, window_seconds=3600)
    ):
        raise TooManyAttempts(_("Too many bookings in a short time. Please try again later."), retry_after=3600)


def _check_client_notice(appointment: Appointment, now: datetime) -> None:
    hours = selectors.booking_rules_get(owner=appointment.owner).cancellation_notice_hours
    if appointment.start_time - now < timedelta(hours=hours):
        raise ValidationError(
            {
                "status": [
                    _("Changes online close %(hours)d hours before the start. Please contact the business.")
                    % {"hours": hours}
                ]
            }
        )


def _place(
    appointment: Appointment,
    candidates: list[Professional],
    start: datetime,
    duration_minutes: int,
    *,
    now: datetime | None,
) -> None:
    """Save `appointment` at `start` with the first candidate free then, or raise 400/409.

    Runs inside the caller's transaction. Each professional is tried in a savepoint so that a
    constraint violation (another booking won the race) moves on to the next one.
    """
    owner = appointment.owner
    tz = selectors.business_timezone(owner)
    booking_rules = selectors.booking_rules_get(owner=owner)
    rules = selectors.rules_for(booking_rules, appointment.service)
    duration = timedelta(minutes=duration_minutes)
    now = now or timezone.now()
    if not candidates:
        raise ValidationError({"professional_id": [_("Nobody performs this service.")]})
    days = selectors.professional_days(
        owner=owner,
        professionals=candidates,
        day=start.astimezone(tz).date(),
        tz=tz,
        buffer=rules.buffer,
        exclude_appointment_id=appointment.pk if not appointment._state.adding else None,
    )
    # Least busy professional first, so "any professional" spreads the work.
    ordered = sorted(candidates, key=lambda pro: len(days[pro.pk].busy))
    refusals: list[Refusal] = []
    for professional in ordered:
        refusal = slot_refusal(days[professional.pk], start, duration, rules, now=now, tz=tz)
        if refusal is not None:
            refusals.append(refusal)
            continue
        appointment.professional = professional
        appointment.start_time = start
        appointment.duration_minutes = duration_minutes
        appointment.end_time = start + duration
        appointment.buffer_minutes = booking_rules.buffer_minutes
        appointment.blocks_until = appointment.end_time + rules.buffer
        try:
            with transaction.atomic():
                appointment.save()
        except IntegrityError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
                raise
            refusals.append(Refusal(_("This time is already taken."), _taken_by(professional, appointment)))
            continue
        return
    conflicting = [refusal for refusal in refusals if refusal.conflicts]
    if conflicting:
        busy = {b.appointment_id: b for refusal in conflicting for b in refusal.conflicts}
        raise Conflict(_("This time is already taken."), conflicts=_conflict_list(busy.values(), tz))
    raise ValidationError({"start_time": [refusals[0].reason]})


def _taken_by(professional: Professional, appointment: Appointment) -> tuple[Busy, ...]:
    """Rows that beat us to the slot (read after the constraint refused our insert)."""
    rows = (
        Appointment.objects.filter(
            professional=professional, start_time__lt=appointment.blocks_until, blocks_until__gt=appointment.start_time
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=appointment.pk)
        .values_list("start_time", "blocks_until", "pk", "end_time")
    )
    return tuple(Busy(start=s, until=u, appointment_id=pk, end_time=e) for s, u, pk, e in rows)


def _conflict_list(busy, tz) -> list[dict[str, str]]:
    return [
        {
            "id": str(b.appointment_id),
            "start_time": b.start.astimezone(tz).isoformat(),
            "end_time": b.end_time.astimezone(tz).isoformat(),
        }
        for b in sorted(busy, key=lambda b: b.start)
    ]


# --- helpers ------------------------------------------------------------------------------------
def _owner_services(owner: User, service_ids: list) -> list[Service]:
    ids = {as_uuid(service_id) for service_id in service_ids}
    services = list(Service.objects.filter(owner=owner, pk__in=[i for i in ids if i], archived_at__isnull=True))
    if len(services) != len(ids):
        raise ValidationError({"service_ids": [_("Unknown service.")]})
    return services


def _duration(duration: int | None, service: Service) -> int:
    if duration is None:
        return service.duration
    if isinstance(duration, bool) or not isinstance(duration, int) or not 0 < duration <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {"duration": [_("Must be between 1 and %(max)d minutes.") % {"max": MAX_DURATION_MINUTES}]}
        )
    return duration


def _required_text(value: Any, field: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise ValidationError({field: [_("This field is required.")]})
    return text


def _aware(value: datetime, tz) -> datetime:
    """Read a naive datetime in the business's time zone (CONTRACT.md); return it in UTC,
    where adding minutes is exact also across a clock change."""
    aware = timezone.make_aware(value, tz) if timezone.is_naive(value) else value
    return aware.astimezone(UTC)
