"""Appointments: book, move, change details and status, cancel — and say what happened.

No double booking: every write that places an appointment re-checks the slot inside one
transaction. On PostgreSQL the exclusion constraint `appointment_no_overlap` is the real
guard (its IntegrityError becomes a 409); on SQLite the transaction is IMMEDIATE, so writers
are serialized and the check cannot be raced.

Every change emits one domain event (`agendazap.events`) inside its transaction, with the
actor who made it. Messages, client figures and the activity log are reactions to those
events, registered by their apps; nothing here calls them.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap import events
from agendazap.errors import Conflict
from agendazap.events import Actor, Via
from agendazap.phones import phone_to_e164
from billing.models import Resource
from billing.services import plan_gate_locked
from catalog.models import MAX_DURATION_MINUTES, Service
from crm import selectors as client_selectors
from crm import services as client_services
from scheduling import selectors
from scheduling.availability import Busy, Refusal, slot_refusal
from scheduling.models import Appointment, AppointmentSource, AppointmentStatus, BookingRules, Professional, Series
from scheduling.services.common import as_utc, required_text
from scheduling.services.rules import ACTIVE_STATUSES, VISIT_STATUSES, status_change_check

EXCLUSION_VIOLATION = "23P01"
SOURCE_FOR_VIA = {
    Via.DASHBOARD: AppointmentSource.DASHBOARD,
    Via.ADMIN: AppointmentSource.DASHBOARD,
    Via.PUBLIC_PAGE: AppointmentSource.PUBLIC,
    Via.PUBLIC_API: AppointmentSource.PUBLIC,
    Via.MANAGE_LINK: AppointmentSource.PUBLIC,
    Via.WHATSAPP: AppointmentSource.WHATSAPP,
}
DETAIL_FIELDS = ("client_name", "client_email", "notes", "internal_notes", "custom_fields")


def appointment_book(
    *,
    business: Business,
    actor: Actor,
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
    whatsapp_consent: bool = True,
    outside_hours: bool = False,
    rename_client: bool = False,
    professional_scope: Professional | None = None,
    now: datetime | None = None,
    durable: bool = False,
    series: Series | None = None,
) -> Appointment:
    """Book a client, with the given professional or any free one (409 if the time is taken).

    A member limited to `professional_scope`'s agenda (docs/domain.md) books only there: with no
    professional given it is that one, and another one is refused (403).

    A client booking online takes an offered start (the slot grid, notice and horizon). The
    business books any minute inside working hours, outside them with `outside_hours`, and
    records a past visit with status completed or no_show. The client is `client_id`, or found
    (or created) by WhatsApp number; the booking keeps the name typed, and the client record
    keeps its own unless the business asks to `rename_client` to it. A `durable` booking is a
    transaction of its own: called inside another one, it refuses (RuntimeError). An occurrence
    of a `series` (scheduling.services.series) is booked like any other, and says so in its event.
    """
    if professional_scope is not None:
        if professional_id:
            selectors.own_agenda_check(professional_id=professional_id, professional_scope=professional_scope)
        professional_id = professional_scope.pk
    now = now or timezone.now()
    tz = selectors.business_timezone(business)
    if client_id:
        known = client_selectors.client_referenced_get(business=business, client_id=client_id)
        client_name = client_name or known.name
        client_whatsapp = client_whatsapp or known.whatsapp
        client_email = client_email or known.email
    booking = {
        "business": business,
        "actor": actor,
        "service_id": service_id,
        "start": start_time,
        "client_name": client_name,
        "client_whatsapp": client_whatsapp,
        "client_email": client_email,
        "professional_id": professional_id,
        "duration": duration,
        "notes": notes,
        "internal_notes": internal_notes,
        "custom_fields": custom_fields,
        "status": status,
        "whatsapp_consent": whatsapp_consent,
        "outside_hours": outside_hours,
        "rename_client": rename_client,
        "now": now,
        "tz": tz,
        "durable": durable,
        "series": series,
    }
    try:
        try:
            return _book(**booking)
        except client_services.ClientNumberTaken:
            # The same new number was booked at the same moment: once that one is in, it is found.
            return _book(**booking)
    except _SlotLost as lost:
        raise lost.conflict() from None


def _book(
    *,
    business: Business,
    actor: Actor,
    service_id,
    start: datetime,
    client_name: str,
    client_whatsapp: str,
    client_email: str,
    professional_id,
    duration: int | None,
    notes: str,
    internal_notes: str,
    custom_fields: dict | None,
    status: str | None,
    whatsapp_consent: bool,
    outside_hours: bool,
    rename_client: bool,
    now: datetime,
    tz,
    durable: bool,
    series: Series | None,
) -> Appointment:
    """One try at the booking, in one transaction (see `appointment_book`)."""
    with transaction.atomic(durable=durable):
        # The service's and the plan's locks, the rules and the plan's limits: one query.
        service, booking_rules, plan_columns = selectors.service_for_booking(business=business, service_id=service_id)
        errors: dict[str, list[str]] = {}
        try:
            client_name = required_text(client_name, "client_name")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            client_whatsapp = phone_to_e164(client_whatsapp)
        except ValidationError as exc:
            errors["client_whatsapp"] = exc.messages
        if actor.is_client:
            status = booking_rules.online_booking_status
        elif status is None:
            # The business booking it has agreed to it: confirmed, unless it says pending.
            status = AppointmentStatus.CONFIRMED
        if status not in AppointmentStatus.values or status == AppointmentStatus.CANCELLED:
            errors["status"] = [_("A new appointment is pending or confirmed (or, in the past, completed or no-show).")]
        duration_minutes = _duration(duration, service)
        if errors:
            raise ValidationError(errors)

        appointment = Appointment(
            business=business,
            service=service,
            price=service.price,
            client_name=client_name,
            client_whatsapp=client_whatsapp,
            client_email=(client_email or "").strip().lower(),
            notes=notes or "",
            internal_notes=internal_notes or "",
            custom_fields=custom_fields,
            status=status,
            source=SOURCE_FOR_VIA.get(actor.via, AppointmentSource.API),
            whatsapp_consent=whatsapp_consent,
            series=series,
        )
        # One gate for the appointment and the client.
        plan = plan_gate_locked(business=business, row=plan_columns)
        plan.check(Resource.APPOINTMENTS)
        candidates = _candidates(business, service, professional_id)
        appointment.client = client_services.client_find_or_create(
            business=business,
            name=client_name,
            whatsapp=client_whatsapp,
            email=appointment.client_email,
            source=appointment.source,
            # Only the business renames its client; someone booking online may use any number.
            rename=rename_client and not actor.is_client,
            plan=plan,
            # No savepoint per booking for a rare race: the booking is tried again instead.
            savepoint=False,
        )
        _place(
            appointment,
            candidates,
            as_utc(start, tz),
            duration_minutes,
            booking_rules=booking_rules,
            online=actor.is_client,
            outside_hours=outside_hours,
            now=now,
        )
        booked = events.AppointmentBooked if series is None else events.SeriesOccurrenceBooked
        events.emit(booked(appointment=appointment, actor=actor))
    return appointment


def appointment_update(
    *,
    appointment: Appointment,
    actor: Actor,
    data: dict[str, Any],
    professional_scope: Professional | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Apply a partial update: details, a move (time, duration, professional, service) and/or a status.

    `data` holds the keys given: the detail fields, `client_whatsapp`, `start_time`, `duration`,
    `professional_id`, `service_id`, `outside_hours`, `status` and `cancellation_reason`. A member
    limited to `professional_scope`'s agenda changes only its appointments and moves them only there.
    """
    try:
        with transaction.atomic():
            return _update(appointment, actor, data, professional_scope=professional_scope, now=now)
    except _SlotLost as lost:
        raise lost.conflict() from None


def _update(
    appointment: Appointment,
    actor: Actor,
    data: dict[str, Any],
    *,
    professional_scope: Professional | None,
    now: datetime | None,
) -> Appointment:
    _own_agenda_check(appointment, professional_scope)
    if data.get("professional_id"):
        selectors.own_agenda_check(professional_id=data["professional_id"], professional_scope=professional_scope)
    now = now or timezone.now()
    business = appointment.business
    tz = selectors.business_timezone(business)
    errors: dict[str, list[str]] = {}
    changed = []
    for field in DETAIL_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "client_name":
            try:
                value = required_text(value, field)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        elif field == "client_email":
            value = (value or "").strip().lower()
        elif field != "custom_fields":
            value = value or ""
        setattr(appointment, field, value)
        changed.append(field)
    if "client_whatsapp" in data:
        try:
            appointment.client_whatsapp = phone_to_e164(data["client_whatsapp"])
            changed.append("client_whatsapp")
        except ValidationError as exc:
            errors["client_whatsapp"] = exc.messages
    if errors:
        raise ValidationError(errors)
    previous_client_id = appointment.client_id
    if "client_whatsapp" in changed and appointment.client.whatsapp != appointment.client_whatsapp:
        # Another number is another client: the booking moves to them.
        appointment.client = client_services.client_find_or_create(
            business=business,
            name=appointment.client_name,
            whatsapp=appointment.client_whatsapp,
            email=appointment.client_email,
        )
        changed.append("client")

    move_keys = {"start_time", "duration", "professional_id", "service_id"} & set(data)
    if move_keys:
        _move(appointment, actor, data, tz=tz, now=now)
    elif changed:
        appointment.save(update_fields=[*changed, "updated_at"])
    if changed:
        events.emit(
            events.AppointmentDetailsChanged(
                appointment=appointment, actor=actor, fields=tuple(changed), previous_client_id=previous_client_id
            )
        )
    if "status" in data and data["status"] != appointment.status:
        _change_status(appointment, data["status"], actor=actor, reason=data.get("cancellation_reason", ""), now=now)
    return appointment


def _move(appointment: Appointment, actor: Actor, data: dict[str, Any], *, tz, now: datetime) -> None:
    if appointment.status not in ACTIVE_STATUSES:
        raise ValidationError({"start_time": [_("Only pending or confirmed appointments can be moved.")]})
    business = appointment.business
    previous = (appointment.start_time, appointment.professional_id, appointment.service_id)
    service = (
        selectors.service_bookable_get(business=business, service_id=data["service_id"])
        if "service_id" in data
        else appointment.service
    )
    if "duration" in data:
        duration_minutes = _duration(data["duration"], service)
    elif "service_id" in data:
        duration_minutes = service.duration
    else:
        duration_minutes = appointment.duration_minutes
    start = as_utc(data["start_time"], tz) if "start_time" in data else appointment.start_time
    if data.get("professional_id"):
        candidates = _candidates(business, service, data["professional_id"])
    elif "service_id" in data:
        # The professional stays: they must perform the new service.
        candidates = _candidates(business, service, appointment.professional_id)
    else:
        candidates = [appointment.professional]
    appointment.service = service
    if "service_id" in data:
        appointment.price = service.price
    _place(
        appointment,
        candidates,
        start,
        duration_minutes,
        booking_rules=selectors.booking_rules_get(business=business),
        online=actor.is_client,
        outside_hours=bool(data.get("outside_hours")),
        now=now,
        status=data.get("status", appointment.status),
        # A visit already under way may change service or professional; only a new start is
        # held to "ahead is pending/confirmed, the past is a visit".
        check_visit_time=start != appointment.start_time,
    )
    events.emit(
        events.AppointmentMoved(
            appointment=appointment,
            actor=actor,
            previous_start=previous[0],
            previous_professional_id=previous[1],
            previous_service_id=previous[2],
        )
    )


@transaction.atomic
def appointment_set_status(
    *,
    appointment: Appointment,
    actor: Actor,
    status: str,
    reason: str = "",
    professional_scope: Professional | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move along pending → confirmed → completed | no_show, or to cancelled while active."""
    _own_agenda_check(appointment, professional_scope)
    _change_status(appointment, status, actor=actor, reason=reason, now=now or timezone.now())
    return appointment


def appointment_cancel(
    *, appointment: Appointment, actor: Actor, reason: str = "", professional_scope: Professional | None = None
) -> Appointment:
    """Cancel and keep the row; its time becomes free again."""
    return appointment_set_status(
        appointment=appointment,
        actor=actor,
        status=AppointmentStatus.CANCELLED,
        reason=reason,
        professional_scope=professional_scope,
    )


def _own_agenda_check(appointment: Appointment, professional_scope: Professional | None) -> None:
    selectors.own_agenda_check(professional_id=appointment.professional_id, professional_scope=professional_scope)


def _change_status(
    appointment: Appointment,
    status: str,
    *,
    actor: Actor,
    reason: str,
    now: datetime,
    cancelled_event: type[events.AppointmentCancelled] = events.AppointmentCancelled,
) -> None:
    status_change_check(appointment, status, now=now)
    previous_status = appointment.status
    appointment.status = status
    fields = ["status"]
    if status == AppointmentStatus.CANCELLED:
        appointment.cancelled_at = now
        appointment.cancellation_reason = (reason or "").strip()
        fields += ["cancelled_at", "cancellation_reason"]
    appointment.save(update_fields=[*fields, "updated_at"])
    if status == AppointmentStatus.CANCELLED:
        event = cancelled_event(
            appointment=appointment,
            actor=actor,
            previous_status=previous_status,
            reason=appointment.cancellation_reason,
        )
    else:
        event = events.AppointmentStatusChanged(appointment=appointment, actor=actor, previous_status=previous_status)
    events.emit(event)


# --- Placing an appointment in time ---------------------------------------------------------------
def _candidates(business: Business, service: Service, professional_id) -> list[Professional]:
    if professional_id:
        return [
            selectors.professional_bookable_get(business=business, professional_id=professional_id, service=service)
        ]
    return selectors.professionals_for_service(business=business, service=service)


def _place(
    appointment: Appointment,
    candidates: list[Professional],
    start: datetime,
    duration_minutes: int,
    *,
    booking_rules: BookingRules,
    online: bool,
    outside_hours: bool,
    now: datetime,
    status: str | None = None,
    check_visit_time: bool = True,
) -> None:
    """Save `appointment` at `start` with the first candidate free then, or raise 400/409.

    Runs inside the caller's transaction, with the rules the caller read. Each professional but
    the last is tried in a savepoint, so that a constraint violation (another booking won the
    race) moves on to the next one; the last needs none: its violation fails the transaction,
    and the caller answers 409 once it has rolled back (`_SlotLost`). An overlap is a 409 before
    any other reason.
    """
    business = appointment.business
    tz = selectors.business_timezone(business)
    rules = selectors.rules_for(booking_rules, appointment.service)
    duration = timedelta(minutes=duration_minutes)
    if not candidates:
        raise ValidationError({"professional_id": [_("Nobody performs this service.")]})
    if not online and check_visit_time:
        _visit_time_check(start, status or appointment.status, now=now)
    days = selectors.professional_days(
        business=business,
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
        refusal = slot_refusal(
            days[professional.pk], start, duration, rules, now=now, tz=tz, online=online, outside_hours=outside_hours
        )
        if refusal is not None:
            refusals.append(refusal)
            continue
        appointment.professional = professional
        appointment.start_time = start
        appointment.duration_minutes = duration_minutes
        appointment.end_time = start + duration
        appointment.buffer_minutes = booking_rules.buffer_minutes
        appointment.blocks_until = appointment.end_time + rules.buffer
        last = professional is ordered[-1]
        try:
            with transaction.atomic(savepoint=not last):
                appointment.save()
        except IntegrityError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
                raise
            if last:
                raise _SlotLost(professional, appointment, refusals, tz) from None
            refusals.append(Refusal(_("This time is already taken."), _taken_by(professional, appointment)))
            continue
        return
    raise _refusal_error(refusals, tz)


class _SlotLost(Exception):
    """The last professional free was taken meanwhile (the database refused the overlap) in a
    transaction that has no savepoint to go back to: the 409 is built once it has rolled back."""

    def __init__(self, professional: Professional, appointment: Appointment, refusals: list[Refusal], tz):
        super().__init__()
        self.professional, self.appointment, self.refusals, self.tz = professional, appointment, refusals, tz

    def conflict(self) -> Exception:
        taken = Refusal(_("This time is already taken."), _taken_by(self.professional, self.appointment))
        return _refusal_error([*self.refusals, taken], self.tz)


def _refusal_error(refusals: list[Refusal], tz) -> Exception:
    """A 409 naming what is in the way when something is, else a 400 with the first reason."""
    conflicting = [refusal for refusal in refusals if refusal.conflicts]
    if conflicting:
        busy = {b.appointment_id: b for refusal in conflicting for b in refusal.conflicts}
        return Conflict(_("This time is already taken."), conflicts=_conflict_list(busy.values(), tz))
    return ValidationError({"start_time": [refusals[0].reason]})


def _visit_time_check(start: datetime, status: str, *, now: datetime) -> None:
    """The business books ahead as pending/confirmed and records the past as a visit."""
    if start < now and status not in VISIT_STATUSES:
        raise ValidationError({"status": [_("A visit in the past is recorded as completed or no-show.")]})
    if start >= now and status in VISIT_STATUSES:
        raise ValidationError({"status": [_("An appointment is completed or a no-show only once it has started.")]})


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


def _duration(duration: int | None, service: Service) -> int:
    if duration is None:
        return service.duration
    if isinstance(duration, bool) or not isinstance(duration, int) or not 0 < duration <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {"duration": [_("Must be between 1 and %(max)d minutes.") % {"max": MAX_DURATION_MINUTES}]}
        )
    return duration
