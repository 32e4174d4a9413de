"""Scheduling rules: the booking rules a business edits, and which status changes are allowed when."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Business
from scheduling import selectors
from scheduling.models import Appointment, AppointmentStatus, BookingRules, OnlineBookingStatus

ALLOWED_TRANSITIONS = {
    AppointmentStatus.PENDING: {AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED},
    AppointmentStatus.CONFIRMED: {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED},
    # Undoing a mistaken click: only on the appointment's own day (see `undo_refusal`).
    AppointmentStatus.COMPLETED: {AppointmentStatus.CONFIRMED},
    AppointmentStatus.NO_SHOW: {AppointmentStatus.CONFIRMED},
}
ACTIVE_STATUSES = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)
# What happened at a visit: only known once it has started.
VISIT_STATUSES = (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)
RULE_FIELDS = (
    "slot_interval_minutes",
    "buffer_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "cancellation_notice_hours",
    "online_booking_status",
    "waitlist_offers_at_once",
    "waitlist_offer_minutes",
)


def status_change_check(appointment: Appointment, status: str, *, now: datetime) -> None:
    """Refuse (400) a status the appointment cannot take now: the API, dashboard and admin share this rule."""
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
    if status in VISIT_STATUSES and appointment.start_time > now:
        raise ValidationError({"status": [_("An appointment is completed or a no-show only once it has started.")]})
    if current in VISIT_STATUSES:
        refusal = undo_refusal(appointment, now=now)
        if refusal:
            raise ValidationError({"status": [refusal]})


def undo_refusal(appointment: Appointment, *, now: datetime) -> str:
    """Why a completed or no-show appointment can no longer go back to confirmed ("" when it can).

    A mistaken click is undone on the appointment's own day, in the business's time zone; after
    that the visit is history (its figures and messages have been read and sent).
    """
    tz = selectors.business_timezone(appointment.business)
    if now.astimezone(tz).date() == appointment.start_time.astimezone(tz).date():
        return ""
    return _("A completed or no-show appointment can only be undone on its own day.")


def allowed_statuses(appointment: Appointment, *, now: datetime) -> list[str]:
    """The statuses the business may set now (for the dashboard's buttons)."""
    allowed = ALLOWED_TRANSITIONS.get(appointment.status, set())
    if appointment.status in VISIT_STATUSES and undo_refusal(appointment, now=now):
        return []
    return [
        status
        for status in AppointmentStatus.values
        if status in allowed and not (status in VISIT_STATUSES and appointment.start_time > now)
    ]


@transaction.atomic
def booking_rules_update(*, business: Business, data: dict[str, Any]) -> BookingRules:
    """Change the business's booking rules. A new buffer applies to new bookings only."""
    rules = selectors.booking_rules_get(business=business)
    changed = [field for field in RULE_FIELDS if field in data]
    for field in changed:
        setattr(rules, field, data[field])
    errors = {}
    if rules.slot_interval_minutes is not None and rules.slot_interval_minutes < 5:
        errors["slot_interval_minutes"] = [_("Must be at least 5 minutes, or empty.")]
    if rules.online_booking_status not in OnlineBookingStatus.values:
        errors["online_booking_status"] = [_("Choose pending or confirmed.")]
    if errors:
        raise ValidationError(errors)
    if changed:
        rules.save(update_fields=[*changed, "updated_at"])
    return rules
