"""Links to a booking: the client's private manage page, an .ics file and "add to Google Calendar"."""

from datetime import UTC
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from scheduling.models import Appointment, AppointmentStatus

ICS_STATUS = {
    AppointmentStatus.PENDING: "TENTATIVE",
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    AppointmentStatus.COMPLETED: "CONFIRMED",
    AppointmentStatus.NO_SHOW: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
}


def _title(appointment: Appointment) -> str:
    business = appointment.business
    return f"{appointment.service.name} - {business.name or business.email}"


def ics_for(appointment: Appointment) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//AgendaZap//agendazap//PT-BR")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.pk}@agendazap")
    event.add("dtstamp", appointment.updated_at)
    event.add("dtstart", appointment.start_time)
    event.add("dtend", appointment.end_time)
    event.add("summary", _title(appointment))
    event.add("description", f"{appointment.professional.name}\n{appointment_manage_url(appointment)}")
    if appointment.business.address:
        event.add("location", appointment.business.address)
    event.add("status", ICS_STATUS[appointment.status])
    event.add("sequence", int(appointment.updated_at.timestamp()))
    cal.add_component(event)
    return cal.to_ical()


def google_calendar_url(appointment: Appointment) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    params = {
        "action": "TEMPLATE",
        "text": _title(appointment),
        "dates": f"{appointment.start_time.astimezone(UTC):{stamp}}/{appointment.end_time.astimezone(UTC):{stamp}}",
        "details": appointment_manage_url(appointment),
        "location": appointment.business.address,
        "ctz": appointment.business.timezone,
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(params)}"


def appointment_manage_url(appointment) -> str:
    """The client's private page for this booking (no login: the token is the key)."""
    path = reverse("public:manage", args=[appointment.business.slug, appointment.manage_token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def waitlist_claim_url(offer) -> str:
    """The waiting client's private link to see and claim an offered time."""
    return (
        f"{settings.PUBLIC_BASE_URL}{reverse('public:waitlist-claim', args=[offer.entry.business.slug, offer.token])}"
    )
