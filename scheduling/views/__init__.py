"""Dashboard pages of scheduling, by concern: the calendar, the agenda's pages and its settings."""

from scheduling.views.agenda import (
    appointment_cancel,
    appointment_detail,
    appointment_edit,
    appointment_new,
    appointment_reschedule,
    appointment_status,
)
from scheduling.views.agenda_settings import (
    agenda_settings,
    booking_rules,
    professional_active,
    professional_create,
    professional_detail,
    professional_hours,
    time_off_create,
    time_off_delete,
)
from scheduling.views.calendar import agenda, agenda_block, agenda_slot, agenda_unblock, appointment_move
from scheduling.views.reports import reports_csv, reports_page
from scheduling.views.visits import visit_cancel
from scheduling.views.waitlist import waitlist, waitlist_remove

__all__ = [
    "waitlist",
    "waitlist_remove",
    "agenda",
    "agenda_block",
    "agenda_settings",
    "agenda_slot",
    "agenda_unblock",
    "appointment_cancel",
    "appointment_detail",
    "appointment_edit",
    "appointment_move",
    "appointment_new",
    "appointment_reschedule",
    "appointment_status",
    "booking_rules",
    "professional_active",
    "professional_create",
    "professional_detail",
    "professional_hours",
    "reports_csv",
    "reports_page",
    "time_off_create",
    "time_off_delete",
    "visit_cancel",
]
