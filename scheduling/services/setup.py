"""Scheduling set-up: a new business's agenda, professionals, weekly hours and time off."""

from datetime import datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap.business_cache import business_changed
from agendazap.ids import as_uuid
from billing.models import Resource
from billing.services import plan_check
from catalog.models import Service
from scheduling import selectors
from scheduling.models import BookingRules, Professional, TimeOff, Weekday, WorkingHours
from scheduling.services.common import as_utc, required_text
from scheduling.services.waitlist import waitlist_time_off_removed

# Mon-Fri 09:00-18:00 and Sat 09:00-13:00: a new business takes bookings at once.
DEFAULT_WEEK = {
    **{weekday: [(time(9), time(18))] for weekday in range(Weekday.MONDAY, Weekday.SATURDAY)},
    Weekday.SATURDAY: [(time(9), time(13))],
}


# A new business offers a start every 15 minutes (editable); every service length offered too few.
NEW_BUSINESS_SLOT_MINUTES = 15


# --- Business setup ----------------------------------------------------------------------------
@transaction.atomic
def business_setup(*, business: Business) -> Professional:
    """Give a new business its owner-professional, default weekly hours and booking rules."""
    professional = Professional.objects.create(
        business=business, name=business.name or business.email.split("@")[0], is_owner=True
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for weekday, intervals in DEFAULT_WEEK.items()
        for start, end in intervals
    )
    BookingRules.objects.get_or_create(business=business, defaults={"slot_interval_minutes": NEW_BUSINESS_SLOT_MINUTES})
    return professional


# --- Professionals, hours, time off, rules ----------------------------------------------------
@transaction.atomic
def professional_create(*, business: Business, name: str, service_ids: list | None = None) -> Professional:
    name = required_text(name, "name")
    plan_check(business=business, resource=Resource.PROFESSIONALS)
    professional = Professional.objects.create(business=business, name=name)
    if service_ids is not None:
        professional.services.set(_owner_services(business, service_ids))
    WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for weekday, intervals in DEFAULT_WEEK.items()
        for start, end in intervals
    )
    return professional


def professional_validate(*, professional: Professional, data: dict[str, Any]) -> tuple[str | None, list | None]:
    """Check a change as `professional_update` would, every error at once, writing nothing.

    Return the name and the services named (None for what `data` leaves as it is).
    """
    errors: dict[str, list[str]] = {}
    name = performed = None
    if "name" in data:
        try:
            name = required_text(data["name"], "name")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "is_active" in data and not data["is_active"] and professional.is_owner:
        errors["is_active"] = [_("The owner cannot be deactivated.")]
    if "service_ids" in data:
        try:
            performed = _owner_services(professional.business, data["service_ids"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return name, performed


@transaction.atomic
def professional_update(*, professional: Professional, data: dict[str, Any]) -> Professional:
    name, performed = professional_validate(professional=professional, data=data)
    fields = []
    if name is not None:
        professional.name = name
        fields.append("name")
    if "is_active" in data:
        if data["is_active"] and not professional.is_active:
            plan_check(business=professional.business, resource=Resource.PROFESSIONALS)
        professional.is_active = bool(data["is_active"])
        fields.append("is_active")
    if fields:
        professional.save(update_fields=[*fields, "updated_at"])
    if performed is not None:
        professional.services.set(performed)
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
    business_changed(professional.business_id)  # bulk_create sends no signal
    return WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time=start, end_time=end)
        for weekday, day_intervals in sorted(by_day.items())
        for start, end in day_intervals
    )


def _interval_names(weekday: int, start: time, end: time) -> dict[str, str]:
    return {"day": Weekday(weekday).label, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


@transaction.atomic
def time_off_create(
    *, business: Business, start_time: datetime, end_time: datetime, professional_id=None, reason: str = ""
) -> TimeOff:
    """Close the business (no professional) or one professional's agenda for a period.

    Existing appointments in the period are kept: the owner decides what to do with them.
    """
    row = TimeOff(business=business, reason=(reason or "").strip())
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


@transaction.atomic
def time_off_delete(*, time_off: TimeOff) -> None:
    """Reopen the period; clients waiting for its days are offered what is free now."""
    time_off.delete()
    waitlist_time_off_removed(time_off)


def _apply_time_off(row: TimeOff, *, start_time: datetime, end_time: datetime, professional_id) -> None:
    tz = selectors.business_timezone(row.business)
    start_time, end_time = as_utc(start_time, tz), as_utc(end_time, tz)
    if start_time >= end_time:
        raise ValidationError({"end_time": [_("Must be after the start.")]})
    row.start_time, row.end_time = start_time, end_time
    row.professional = (
        selectors.professional_bookable_get(business=row.business, professional_id=professional_id)
        if professional_id
        else None
    )


def _owner_services(business: Business, service_ids: list) -> list[Service]:
    ids = {as_uuid(service_id) for service_id in service_ids}
    services = list(Service.objects.filter(business=business, pk__in=[i for i in ids if i], archived_at__isnull=True))
    if len(services) != len(ids):
        raise ValidationError({"service_ids": [_("Unknown service.")]})
    return services
