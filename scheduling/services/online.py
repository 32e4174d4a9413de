"""What clients do without an account: book online, confirm, cancel and reschedule.

The client's own actions follow the online rules (offered starts, the cancellation notice);
what a client may learn is limited to its own booking: a taken time names no other client's.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Business
from agendazap import events
from agendazap.errors import Conflict, PlanLimitExceeded, TooManyAttempts
from agendazap.events import Actor, Via
from agendazap.phones import phone_to_e164
from agendazap.ratelimit import allow
from billing.services import plan_refusal_notice
from scheduling import selectors
from scheduling.models import Appointment
from scheduling.services.booking import appointment_book, appointment_cancel, appointment_update
from scheduling.services.common import as_utc
from scheduling.services.rules import ACTIVE_STATUSES


class SlotTaken(Conflict):
    """The time a client chose was taken meanwhile; `available_slots` offers the day's free times."""

    default_detail = _("Sorry, someone has just booked this time. Please choose another one.")


def appointment_book_online(
    *, business: Business, via: Via, ip_address: str, client_whatsapp: str, client_name: str, **booking
) -> Appointment:
    """A client books without an account (public page or public API).

    Throttled per address and per number; the business's online-booking rule sets the status.
    A taken time answers with fresh times and no details of the booking in the way. When the
    plan's limit turns the client away, the owner is told in a transaction of its own (durable:
    no caller's rollback can take the notice with it) and PlanLimitExceeded is raised.
    """
    public_booking_allowed(ip_address=ip_address, whatsapp=client_whatsapp)
    actor = Actor.client(via=via, name=client_name)
    try:
        return appointment_book(
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
        raise SlotTaken(available_slots=_fresh_times(business, booking)) from None


def _fresh_times(business: Business, booking: dict) -> list[str]:
    tz = selectors.business_timezone(business)
    service = selectors.service_bookable_get(business=business, service_id=booking["service_id"])
    professional = (
        selectors.professional_bookable_get(
            business=business, professional_id=booking["professional_id"], service=service
        )
        if booking.get("professional_id")
        else None
    )
    day = as_utc(booking["start_time"], tz).astimezone(tz).date()
    availability = selectors.availability_get(business=business, service=service, day=day, professional=professional)
    return [slot.astimezone(tz).isoformat() for slot in availability.slots]


def appointment_client_confirm(*, appointment: Appointment, actor: Actor, now: datetime | None = None) -> bool:
    """A client says they will come (WhatsApp reply, manage page). False when they had said so already.

    Recorded apart from the status: a pending booking waits for the business all the same.
    """
    now = now or timezone.now()
    if appointment.status not in ACTIVE_STATUSES or appointment.start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be confirmed.")]})
    if appointment.client_confirmed_at is not None:
        return False
    appointment.client_confirmed_at = now
    appointment.save(update_fields=["client_confirmed_at", "updated_at"])
    events.emit(events.AppointmentClientConfirmed(appointment=appointment, actor=actor))
    return True


def appointment_client_cancel(*, appointment: Appointment, actor: Actor, now: datetime | None = None) -> Appointment:
    """A client cancels their booking, no later than the business's cancellation notice allows."""
    now = now or timezone.now()
    if appointment.status not in ACTIVE_STATUSES or appointment.start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be cancelled.")]})
    _check_client_notice(appointment, now)
    return appointment_cancel(appointment=appointment, actor=actor, reason=_("Cancelled by the client."))


def appointment_client_reschedule(*, appointment: Appointment, actor: Actor, start_time: datetime) -> Appointment:
    """A client moves their booking to another offered time, within the cancellation notice rule."""
    now = timezone.now()
    if appointment.status not in ACTIVE_STATUSES or appointment.start_time <= now:
        raise ValidationError({"status": [_("This booking can no longer be changed.")]})
    _check_client_notice(appointment, now)
    return appointment_update(appointment=appointment, actor=actor, data={"start_time": start_time}, now=now)


def public_booking_allowed(*, ip_address: str, whatsapp: str) -> None:
    """Refuse (429) more online bookings from one address or for one number than a person makes."""
    number = phone_to_e164(whatsapp)
    if not (
        allow(f"public-booking:ip:{ip_address}", limit=settings.PUBLIC_BOOKINGS_PER_IP_HOUR, window_seconds=3600)
        and allow(f"public-booking:phone:{number}", limit=settings.PUBLIC_BOOKINGS_PER_PHONE_HOUR, window_seconds=3600)
    ):
        raise TooManyAttempts(_("Too many bookings in a short time. Please try again later."), retry_after=3600)


def _check_client_notice(appointment: Appointment, now: datetime) -> None:
    hours = selectors.booking_rules_get(business=appointment.business).cancellation_notice_hours
    if appointment.start_time - now < timedelta(hours=hours):
        raise ValidationError(
            {
                "status": [
                    ngettext(
                        "Changes online close %(hours)d hour before the start. Please contact the business.",
                        "Changes online close %(hours)d hours before the start. Please contact the business.",
                        hours,
                    )
                    % {"hours": hours}
                ]
            }
        )
