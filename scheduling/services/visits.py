"""Visits: several services one client takes back to back, booked, moved and cancelled as one.

Each part is an ordinary Appointment, so the agenda, the no-overlap constraint, the plan's count,
reports and client figures see it as any other. All parts are written in one transaction: on
PostgreSQL the exclusion constraint refuses a part that lost its time to a concurrent booking,
and the whole visit rolls back (409, nothing written).

Every part emits its own appointment event (activity log, client figures); the visit's event
follows, and notifications answer that one, so the client hears once about the visit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap import events
from agendazap.errors import Conflict, PlanLimitExceeded
from agendazap.events import Actor, Via
from agendazap.phones import phone_to_e164
from billing.models import Resource
from billing.services import plan_gate_locked, plan_refusal_notice
from crm import selectors as client_selectors
from crm import services as client_services
from scheduling import selectors
from scheduling.availability import Busy, Refusal
from scheduling.models import Appointment, AppointmentSource, AppointmentStatus, Professional, Visit
from scheduling.services.booking import (
    EXCLUSION_VIOLATION,
    SOURCE_FOR_VIA,
    _conflict_list,
    _refusal_error,
    _visit_time_check,
)
from scheduling.services.common import as_utc, required_text
from scheduling.services.online import SlotTaken, _check_client_notice, public_booking_allowed
from scheduling.services.rules import ACTIVE_STATUSES, status_change_check
from scheduling.visit_availability import PlacedPart, visit_plan


@dataclass(frozen=True)
class _Client:
    name: str
    whatsapp: str
    email: str


def visit_book(
    *,
    business: Business,
    actor: Actor,
    service_ids: list,
    start_time: datetime,
    client_name: str = "",
    client_whatsapp: str = "",
    client_email: str = "",
    client_id=None,
    professional_id=None,
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
) -> Visit:
    """Book the services back to back from `start_time`: every part or none (400, 402 or 409).

    The same rules as `appointment_book` for each part; `professional_id` (or a member's own
    agenda) performs every part, otherwise the engine chooses (`scheduling.visit_availability`).
    The visit's notes and custom fields go with its first part. The visit comes back with
    `parts`, its appointments in order.
    """
    if professional_scope is not None:
        if professional_id:
            selectors.own_agenda_check(professional_id=professional_id, professional_scope=professional_scope)
        professional_id = professional_scope.pk
    if client_id:
        known = client_selectors.client_referenced_get(business=business, client_id=client_id)
        client_name, client_whatsapp = client_name or known.name, client_whatsapp or known.whatsapp
        client_email = client_email or known.email
    booking = {
        "business": business,
        "actor": actor,
        "service_ids": service_ids,
        "start": start_time,
        "client": _Client(client_name, client_whatsapp, client_email),
        "professional_id": professional_id,
        "details": {"notes": notes or "", "internal_notes": internal_notes or "", "custom_fields": custom_fields},
        "status": status,
        "whatsapp_consent": whatsapp_consent,
        "outside_hours": outside_hours,
        "rename_client": rename_client,
        "now": now or timezone.now(),
        "durable": durable,
    }
    try:
        try:
            return _book(**booking)
        except client_services.ClientNumberTaken:
            return _book(**booking)
    except _VisitLost as lost:
        raise lost.conflict() from None


def _book(
    *,
    business: Business,
    actor: Actor,
    service_ids: list,
    start: datetime,
    client: _Client,
    professional_id,
    details: dict,
    status: str | None,
    whatsapp_consent: bool,
    outside_hours: bool,
    rename_client: bool,
    now: datetime,
    durable: bool,
) -> Visit:
    tz = selectors.business_timezone(business)
    with transaction.atomic(durable=durable):
        services = selectors.visit_services_get(business=business, service_ids=service_ids)
        # Every service's row first, in one order (by id): two visits of the same services taken in
        # another order would otherwise each hold one row and wait for the other (a deadlock).
        selectors.services_lock(business=business, service_ids=[service.pk for service in services])
        # The first service's row, the business's (the plan's lock), the rules and the plan's limits;
        # then the other services' rows, so that none is archived between the checks and the insert.
        first, booking_rules, plan_columns = selectors.service_for_booking(business=business, service_id=services[0].pk)
        services = [first] + [
            selectors.service_bookable_get(business=business, service_id=service.pk, lock=True)
            for service in services[1:]
        ]
        errors: dict[str, list[str]] = {}
        try:
            name = required_text(client.name, "client_name")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            whatsapp = phone_to_e164(client.whatsapp)
        except ValidationError as exc:
            errors["client_whatsapp"] = exc.messages
        if actor.is_client:
            status = booking_rules.online_booking_status
        elif status is None:
            status = AppointmentStatus.CONFIRMED
        if status not in AppointmentStatus.values or status == AppointmentStatus.CANCELLED:
            errors["status"] = [_("A new appointment is pending or confirmed (or, in the past, completed or no-show).")]
        if errors:
            raise ValidationError(errors)
        professional = (
            selectors.professional_bookable_get(business=business, professional_id=professional_id)
            if professional_id
            else None
        )
        parts = selectors.visit_parts(business=business, services=services, professional=professional)
        if not all(part.professional_ids for part in parts):
            raise ValidationError({"service_ids": [_("Nobody performs this service.")]})
        plan = plan_gate_locked(business=business, row=plan_columns)
        # Each part is an appointment the plan counts.
        plan.check(Resource.APPOINTMENTS, len(parts))
        start = as_utc(start, tz)
        if not actor.is_client:
            _visit_time_check(start, status, now=now)
        placed = _placed(business, parts, start, services[0], booking_rules, actor, outside_hours, now)
        email = (client.email or "").strip().lower()
        source = SOURCE_FOR_VIA.get(actor.via, AppointmentSource.API)
        client_row = client_services.client_find_or_create(
            business=business,
            name=name,
            whatsapp=whatsapp,
            email=email,
            source=source,
            rename=rename_client and not actor.is_client,
            plan=plan,
            savepoint=False,
        )
        visit = Visit.objects.create(business=business, client=client_row)
        config_professionals = {pro.pk: pro for pro in selectors.visit_professionals(business=business, parts=parts)}
        appointments = []
        for index, (service, part) in enumerate(zip(services, placed, strict=True)):
            appointment = Appointment(
                business=business,
                visit=visit,
                service=service,
                price=service.price,
                professional=config_professionals[part.professional_id],
                client=client_row,
                client_name=name,
                client_whatsapp=whatsapp,
                client_email=email,
                start_time=part.start,
                end_time=part.end,
                duration_minutes=service.duration,
                buffer_minutes=booking_rules.buffer_minutes if part.blocks_until > part.end else 0,
                blocks_until=part.blocks_until,
                status=status,
                source=source,
                whatsapp_consent=whatsapp_consent,
                **(details if index == 0 else {}),
            )
            try:
                appointment.save()
            except IntegrityError as exc:
                if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
                    raise
                raise _VisitLost(placed, tz) from None
            appointments.append(appointment)
        for appointment in appointments:
            events.emit(events.AppointmentBooked(appointment=appointment, actor=actor))
        events.emit(events.VisitBooked(visit=visit, appointments=tuple(appointments), actor=actor))
    visit.parts = appointments
    return visit


def _placed(business, parts, start, first_service, booking_rules, actor, outside_hours, now) -> list[PlacedPart]:
    """Where each part goes from `start` (400 or 409 when the visit does not fit there)."""
    tz = selectors.business_timezone(business)
    rules = selectors.rules_for(booking_rules, first_service)
    days = selectors.professional_days(
        business=business,
        professionals=selectors.visit_professionals(business=business, parts=parts),
        day=start.astimezone(tz).date(),
        tz=tz,
        buffer=rules.buffer,
    )
    return _fitted(days, parts, start, rules, actor, outside_hours, now, tz)


def _fitted(days, parts, start, rules, actor, outside_hours, now, tz) -> list[PlacedPart]:
    placed = visit_plan(days, parts, start, rules, now=now, tz=tz, online=actor.is_client, outside_hours=outside_hours)
    if isinstance(placed, Refusal):
        if not placed.reason:
            placed = Refusal(_("The services of this visit cannot follow one another at this time."))
        raise _refusal_error([placed], tz)
    return placed


class _VisitLost(Exception):
    """A part lost its time to a concurrent booking (the database refused the overlap): the 409
    names what is in the way once the transaction has rolled back."""

    def __init__(self, placed: list[PlacedPart], tz):
        super().__init__()
        self.placed, self.tz = placed, tz

    def conflict(self) -> Conflict:
        taken = []
        for part in self.placed:
            rows = (
                Appointment.objects.filter(
                    professional_id=part.professional_id,
                    start_time__lt=part.blocks_until,
                    blocks_until__gt=part.start,
                )
                .exclude(status=AppointmentStatus.CANCELLED)
                .values_list("start_time", "blocks_until", "pk", "end_time")
            )
            taken += [Busy(start=s, until=u, appointment_id=pk, end_time=e) for s, u, pk, e in rows]
        return Conflict(_("This time is already taken."), conflicts=_conflict_list(taken, self.tz))


def visit_book_online(
    *, business: Business, via: Via, ip_address: str, client_whatsapp: str, client_name: str, **booking
) -> Visit:
    """A client books a visit without an account (public page or public API), as
    `appointment_book_online` books one service: throttled, the plan's refusal told to the owner,
    a lost time answered with the day's fresh starts for the same services."""
    public_booking_allowed(ip_address=ip_address, whatsapp=client_whatsapp)
    actor = Actor.client(via=via, name=client_name)
    try:
        return visit_book(
            business=business,
            actor=actor,
            client_whatsapp=client_whatsapp,
            client_name=client_name,
            durable=True,
            **booking,
        )
    except PlanLimitExceeded as exc:
        plan_refusal_notice(business=business, exc=exc)
        raise
    except Conflict:
        tz = selectors.business_timezone(business)
        services = selectors.visit_services_get(business=business, service_ids=booking["service_ids"])
        professional = (
            selectors.professional_bookable_get(business=business, professional_id=booking["professional_id"])
            if booking.get("professional_id")
            else None
        )
        day = as_utc(booking["start_time"], tz).astimezone(tz).date()
        fresh = selectors.visit_availability_get(
            business=business, services=services, day=day, professional=professional
        )
        raise SlotTaken(available_slots=[slot.astimezone(tz).isoformat() for slot in fresh.slots]) from None


def _active_parts(visit: Visit) -> list[Appointment]:
    return [part for part in visit.parts if part.status in ACTIVE_STATUSES]


def visit_move(
    *,
    visit: Visit,
    actor: Actor,
    start_time: datetime,
    outside_hours: bool = False,
    professional_scope: Professional | None = None,
    now: datetime | None = None,
) -> Visit:
    """Move the visit's active parts together to `start_time`, each with its professional and
    length (all or none: 400, or 409 naming what is in the way)."""
    now = now or timezone.now()
    business = visit.business
    tz = selectors.business_timezone(business)
    parts = _active_parts(visit)
    if not parts:
        raise ValidationError({"start_time": [_("Only pending or confirmed appointments can be moved.")]})
    for part in parts:
        selectors.own_agenda_check(professional_id=part.professional_id, professional_scope=professional_scope)
    start = as_utc(start_time, tz)
    previous_start = parts[0].start_time
    try:
        with transaction.atomic():
            booking_rules = selectors.booking_rules_get(business=business)
            rules = selectors.rules_for(booking_rules, parts[0].service)
            if not actor.is_client:
                _visit_time_check(start, parts[0].status, now=now)
            engine_parts, days = selectors.visit_as_placed(
                business=business, parts=parts, day=start.astimezone(tz).date(), buffer=rules.buffer
            )
            placed = _fitted(days, engine_parts, start, rules, actor, outside_hours, now, tz)
            # Later parts first when moving later, earlier first when moving earlier: no part
            # ever steps on one of its own visit that has not moved yet.
            order = list(zip(parts, placed, strict=True))
            if start > previous_start:
                order.reverse()
            moved = []
            for part, place in order:
                previous = part.start_time
                part.start_time, part.end_time, part.blocks_until = place.start, place.end, place.blocks_until
                try:
                    part.save(update_fields=["start_time", "end_time", "blocks_until", "updated_at"])
                except IntegrityError as exc:
                    if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
                        raise
                    raise _VisitLost(placed, tz) from None
                moved.append((part, previous))
            for part, previous in sorted(moved, key=lambda pair: pair[0].start_time):
                events.emit(
                    events.AppointmentMoved(
                        appointment=part,
                        actor=actor,
                        previous_start=previous,
                        previous_professional_id=part.professional_id,
                        previous_service_id=part.service_id,
                        whole_visit=True,
                    )
                )
            events.emit(
                events.VisitMoved(visit=visit, appointments=tuple(parts), actor=actor, previous_start=previous_start)
            )
    except _VisitLost as lost:
        raise lost.conflict() from None
    return visit


@transaction.atomic
def visit_cancel(
    *,
    visit: Visit,
    actor: Actor,
    reason: str = "",
    professional_scope: Professional | None = None,
    now: datetime | None = None,
) -> Visit:
    """Cancel every active part of the visit; the client is told once."""
    now = now or timezone.now()
    parts = _active_parts(visit)
    if not parts:
        raise ValidationError({"status": [_("This visit has nothing left to cancel.")]})
    for part in parts:
        selectors.own_agenda_check(professional_id=part.professional_id, professional_scope=professional_scope)
        status_change_check(part, AppointmentStatus.CANCELLED, now=now)
    reason = (reason or "").strip()
    visit.cancelled_at = now
    visit.save(update_fields=["cancelled_at"])
    for part in parts:
        previous_status = part.status
        part.status, part.cancelled_at, part.cancellation_reason = AppointmentStatus.CANCELLED, now, reason
        part.save(update_fields=["status", "cancelled_at", "cancellation_reason", "updated_at"])
        events.emit(
            events.AppointmentCancelled(
                appointment=part, actor=actor, previous_status=previous_status, reason=reason, whole_visit=True
            )
        )
    events.emit(events.VisitCancelled(visit=visit, appointments=tuple(parts), actor=actor, reason=reason))
    return visit


def visit_total(parts: list[Appointment]) -> tuple[timedelta, object]:
    """The visit's length (first start to last end) and its price (None when no part has one)."""
    if not parts:
        return timedelta(), None
    prices = [part.price for part in parts if part.price is not None]
    return parts[-1].end_time - parts[0].start_time, sum(prices) if prices else None


def visit_client_cancel(*, appointment: Appointment, actor: Actor, now: datetime | None = None) -> Visit:
    """A client cancels the visit `appointment` is part of (its manage link, its WhatsApp reply):
    the whole visit, within the business's cancellation notice of its first active part."""
    now = now or timezone.now()
    visit = selectors.visit_get(business=appointment.business, visit_id=appointment.visit_id)
    parts = _active_parts(visit)
    if not parts or parts[0].start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be cancelled.")]})
    _check_client_notice(parts[0], now)
    return visit_cancel(visit=visit, actor=actor, reason=_("Cancelled by the client."), now=now)


def visit_client_reschedule(*, appointment: Appointment, actor: Actor, start_time: datetime) -> Visit:
    """A client moves the visit `appointment` is part of to another offered start, within the notice."""
    now = timezone.now()
    visit = selectors.visit_get(business=appointment.business, visit_id=appointment.visit_id)
    parts = _active_parts(visit)
    if not parts or parts[0].start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be changed.")]})
    _check_client_notice(parts[0], now)
    return visit_move(visit=visit, actor=actor, start_time=start_time, now=now)
