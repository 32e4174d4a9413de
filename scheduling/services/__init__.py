"""Scheduling writes, by concern: set-up, rules, booking, and what clients do online.

Callers use `from scheduling import services` and the names below; the modules are the
implementation's layout, not its interface.
"""

from scheduling.services.booking import (
    appointment_book,
    appointment_cancel,
    appointment_set_status,
    appointment_update,
)
from scheduling.services.common import client_details_validate
from scheduling.services.online import (
    SlotTaken,
    appointment_book_online,
    appointment_client_cancel,
    appointment_client_confirm,
    appointment_client_reschedule,
    public_booking_allowed,
)
from scheduling.services.rules import (
    ACTIVE_STATUSES,
    ALLOWED_TRANSITIONS,
    RULE_FIELDS,
    VISIT_STATUSES,
    allowed_statuses,
    booking_rules_update,
    status_change_check,
    undo_refusal,
)
from scheduling.services.setup import (
    DEFAULT_WEEK,
    business_setup,
    professional_create,
    professional_deactivate,
    professional_update,
    professional_validate,
    time_off_create,
    time_off_delete,
    time_off_update,
    working_hours_replace,
)
from scheduling.services.waitlist import (
    WaitlistOfferExpired,
    WaitlistTimeTaken,
    waitlist_claim,
    waitlist_claim_refusal,
    waitlist_expire,
    waitlist_join,
    waitlist_offer_by_token,
    waitlist_offer_get,
    waitlist_remove,
    waitlist_time_freed,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALLOWED_TRANSITIONS",
    "DEFAULT_WEEK",
    "RULE_FIELDS",
    "VISIT_STATUSES",
    "SlotTaken",
    "allowed_statuses",
    "appointment_book",
    "appointment_book_online",
    "appointment_cancel",
    "appointment_client_cancel",
    "appointment_client_confirm",
    "appointment_client_reschedule",
    "appointment_set_status",
    "appointment_update",
    "booking_rules_update",
    "business_setup",
    "client_details_validate",
    "professional_create",
    "professional_deactivate",
    "professional_update",
    "professional_validate",
    "public_booking_allowed",
    "status_change_check",
    "time_off_create",
    "time_off_delete",
    "time_off_update",
    "undo_refusal",
    "WaitlistOfferExpired",
    "WaitlistTimeTaken",
    "waitlist_claim",
    "waitlist_claim_refusal",
    "waitlist_expire",
    "waitlist_join",
    "waitlist_offer_by_token",
    "waitlist_offer_get",
    "waitlist_remove",
    "waitlist_time_freed",
    "working_hours_replace",
]
