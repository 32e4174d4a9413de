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


def allowed_statuses(appointment: Appointment, *, now: datetime) -> list[str]:
    """The statuses the business may set now (for the dashboard's buttons)."""
    allowed = ALLOWED_TRANSITIONS.get(appointment.status, set())
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
