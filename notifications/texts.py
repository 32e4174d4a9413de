"""What messages say: default texts per kind and channel, placeholders, rendering and validation.

A business may replace any default with its own text (MessageTemplate). Texts use `{name}`
placeholders; only those in PLACEHOLDERS are accepted, so a typo is refused when the template
is saved rather than shown to a client.
"""

import re
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.models import Channel, Kind

_DANGLING = re.compile(r"[\s,;:-]+$")

PLACEHOLDERS = {
    "client_name": gettext_lazy("the client's name"),
    "service": gettext_lazy("the service"),
    "professional": gettext_lazy("the professional"),
    "date": gettext_lazy("the date, e.g. 15/01/2027"),
    "weekday": gettext_lazy("the weekday"),
    "time": gettext_lazy("the time, e.g. 14:00"),
    "business": gettext_lazy("your business's name"),
    "address": gettext_lazy("your address"),
    "business_whatsapp": gettext_lazy("your WhatsApp number"),
    "manage_link": gettext_lazy("the client's link to see, cancel or reschedule"),
    "status": gettext_lazy("the booking's status"),
    "reason": gettext_lazy("the cancellation reason"),
}

DEFAULT_SUBJECTS = {
    Kind.CONFIRMATION: gettext_lazy("Your booking at {business}"),
    Kind.REMINDER: gettext_lazy("Reminder: {service} on {date} at {time}"),
    Kind.CANCELLATION: gettext_lazy("Booking cancelled: {service} on {date}"),
    Kind.FOLLOW_UP: gettext_lazy("How was your visit to {business}?"),
    Kind.OWNER_NEW_BOOKING: gettext_lazy("New booking: {client_name}, {date} at {time}"),
    Kind.OWNER_CANCELLATION: gettext_lazy("Cancelled by the client: {client_name}, {date} at {time}"),
    Kind.REPLY: gettext_lazy("{business}"),
    Kind.TEST: gettext_lazy("AgendaZap test message"),
}

DEFAULT_BODIES = {
    Kind.CONFIRMATION: gettext_lazy(
        "Hello, {client_name}! Your booking for {service} with {professional} on {weekday}, {date} at {time} "
        "is {status}.\n{business} - {address}\nSee, cancel or reschedule: {manage_link}"
    ),
    Kind.REMINDER: gettext_lazy(
        "Hello, {client_name}! A reminder: {service} with {professional} on {weekday}, {date} at {time}, "
        "at {business} ({address}).\nReply 1 to confirm or 2 to cancel. Manage: {manage_link}"
    ),
    Kind.CANCELLATION: gettext_lazy(
        "Hello, {client_name}. Your booking for {service} on {date} at {time} at {business} was cancelled. "
        "{reason}\nTo book again: {manage_link}"
    ),
    Kind.FOLLOW_UP: gettext_lazy(
        "Hello, {client_name}! Thank you for visiting {business}. How was your {service} with {professional}? "
        "Your opinion helps us. To book again: {manage_link}"
    ),
    Kind.OWNER_NEW_BOOKING: gettext_lazy(
        "New booking: {client_name} booked {service} with {professional} on {weekday}, {date} at {time} ({status})."
    ),
    Kind.OWNER_CANCELLATION: gettext_lazy(
        "{client_name} cancelled {service} with {professional} on {date} at {time}. {reason}"
    ),
    Kind.REPLY: gettext_lazy("{business}"),
    Kind.TEST: gettext_lazy("This is a test message from AgendaZap for {business}."),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def placeholders_in(text: str) -> set[str]:
    try:
        return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ValidationError(_("Unbalanced braces: write {{ and }} for literal braces.")) from exc


def text_validate(text: str) -> None:
    """Refuse placeholders we do not know (and positional `{}`), naming them."""
    unknown = sorted(placeholders_in(text) - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use: %(known)s.")
            % {
                "names": ", ".join("{" + name + "}" for name in unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            }
        )


def text_render(text: str, context: dict[str, str]) -> str:
    rendered = text.format_map({name: context.get(name, "") for name in PLACEHOLDERS})
    # An empty value (no address yet) must not leave "Salão Bela - " dangling.
    return "\n".join(_DANGLING.sub("", line) for line in rendered.splitlines()).strip()


def default_text(kind: str, channel: str) -> tuple[str, str]:
    """The default (subject, body) for a kind, in the active language."""
    subject = str(DEFAULT_SUBJECTS[kind]) if channel == Channel.EMAIL else ""
    return subject, str(DEFAULT_BODIES[kind])
