"""What messages say: default texts per kind and channel, placeholders, a business's own texts,
and the values an appointment gives the placeholders.

A business may replace any default with its own text (MessageTemplate). Texts use `{name}`
placeholders; only those in PLACEHOLDERS are accepted, so a typo is refused when the template
is saved rather than shown to a client.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Business
from agendazap.templatetags.dashboard import brl
from notifications.models import Channel, Kind, MessageTemplate
from scheduling.calendar_links import appointment_manage_url, waitlist_claim_url

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
    "claim_link": gettext_lazy("the waitlist offer's link to book the freed time"),
    "offer_expires": gettext_lazy("until when the waitlist offer holds, e.g. 14:30"),
}

DEFAULT_SUBJECTS = {
    Kind.CONFIRMATION: gettext_lazy("Your booking at {business}"),
    Kind.REMINDER: gettext_lazy("Reminder: {service} on {date} at {time}"),
    Kind.CANCELLATION: gettext_lazy("Booking cancelled: {service} on {date}"),
    Kind.FOLLOW_UP: gettext_lazy("How was your visit to {business}?"),
    Kind.OWNER_NEW_BOOKING: gettext_lazy("New booking: {client_name}, {date} at {time}"),
    Kind.OWNER_CANCELLATION: gettext_lazy("Cancelled by the client: {client_name}, {date} at {time}"),
    Kind.OWNER_RESCHEDULE: gettext_lazy("Rescheduled by the client: {client_name}, now {date} at {time}"),
    Kind.WAITLIST_OFFER: gettext_lazy("A time freed up at {business}: {date} at {time}"),
    Kind.WAITLIST_TAKEN: gettext_lazy("The time at {business} was taken"),
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
    Kind.OWNER_RESCHEDULE: gettext_lazy(
        "{client_name} moved {service} with {professional} to {weekday}, {date} at {time} ({status})."
    ),
    Kind.WAITLIST_OFFER: gettext_lazy(
        "Hello, {client_name}! A time freed up at {business}: {service} with {professional} on {weekday}, "
        "{date} at {time}. It is yours if you confirm first, until {offer_expires}: {claim_link}"
    ),
    Kind.WAITLIST_TAKEN: gettext_lazy(
        "Hello, {client_name}. The time on {date} at {time} at {business} was taken by someone else. "
        "You stay on the waitlist for this day."
    ),
    Kind.REPLY: gettext_lazy("{business}"),
    Kind.TEST: gettext_lazy("This is a test message from AgendaZap for {business}."),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


# Texts are not rendered with str.format: its specs (`{client_name:x>999999999}` builds a
# gigabyte), conversions and attribute access are no business of a message. A text is literal
# characters, `{{`/`}}` for a literal brace, and `{name}` with a name from PLACEHOLDERS.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[^\W\d]\w*")
# How much of an offending placeholder an error message quotes.
_QUOTE_MAX = 60

# The longest text a business may write (the rendered text grows by its values).
BODY_MAX_LENGTH = {
    # Meta's Cloud API refuses a text message body longer than 4,096 characters.
    Channel.WHATSAPP: 4096,
    # Email has no such limit; 10,000 characters is a few pages, far more than any notice needs.
    Channel.EMAIL: 10_000,
}
# The Message.subject column; mail clients show far less anyway.
SUBJECT_MAX_LENGTH = 255


def text_validate(text: str) -> None:
    """Refuse anything but known `{name}` placeholders and doubled literal braces, naming the culprits."""
    unknown, not_plain, unbalanced = [], [], False
    for token in _TOKEN.finditer(text):
        inside = token.group(1)
        if token.group() in ("{{", "}}"):
            continue
        if inside is None:
            unbalanced = True
        elif not _NAME.fullmatch(inside):
            not_plain.append(_quote(token.group()))
        elif inside not in PLACEHOLDERS:
            unknown.append(token.group())
    messages = []
    if not_plain:
        messages.append(
            _("A placeholder is just a name in braces, like {client_name}, with nothing else inside: %(names)s.")
            % {"names": ", ".join(dict.fromkeys(not_plain))}
        )
    if unknown:
        messages.append(
            _("Unknown placeholders: %(names)s. Use: %(known)s.")
            % {
                "names": ", ".join(sorted(set(unknown))),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            }
        )
    if unbalanced:
        messages.append(_("Unbalanced braces: write {{ and }} for literal braces."))
    if messages:
        raise ValidationError(messages)


def _quote(token: str) -> str:
    return token if len(token) <= _QUOTE_MAX else token[: _QUOTE_MAX - 2] + "…}"


def text_render(text: str, context: dict[str, str]) -> str:
    """Fill the placeholders of any text, even one stored before the checks: what is not a known
    `{name}` renders empty, a stray brace stays as written."""

    def value(token: re.Match) -> str:
        if token.group() in ("{{", "}}"):
            return token.group()[0]
        inside = token.group(1)
        if inside is None:
            return token.group()
        return (context.get(inside) or "") if inside in PLACEHOLDERS else ""

    rendered = _TOKEN.sub(value, text)
    # An empty value (no address yet) must not leave "Salão Bela - " dangling.
    return "\n".join(_DANGLING.sub("", line) for line in rendered.splitlines()).strip()


def default_text(kind: str, channel: str) -> tuple[str, str]:
    """The default (subject, body) for a kind, in the active language."""
    subject = str(DEFAULT_SUBJECTS[kind]) if channel == Channel.EMAIL else ""
    return subject, str(DEFAULT_BODIES[kind])


# --- A business's own texts ---------------------------------------------------------------------
def template_get(*, business: Business, kind: str, channel: str) -> tuple[str, str, bool]:
    """(subject, body, is_custom) for a kind and channel: the business's own, or the default."""
    custom = MessageTemplate.objects.filter(business=business, kind=kind, channel=channel).first()
    if custom:
        return custom.subject, custom.body, True
    subject, body = default_text(kind, channel)
    return subject, body, False


class BusinessTexts:
    """A business's own texts, read once, for the several messages one change writes."""

    def __init__(self, custom: dict[tuple[str, str], tuple[str, str]]):
        self._custom = custom

    @classmethod
    def of(cls, business: Business) -> "BusinessTexts":
        """The business's texts, in one query."""
        rows = MessageTemplate.objects.filter(business=business).values_list("kind", "channel", "subject", "body")
        return cls({(kind, channel): (subject, body) for kind, channel, subject, body in rows})

    def get(self, kind: str, channel: str) -> tuple[str, str]:
        """(subject, body) as `template_get` gives them, without a query."""
        custom = self._custom.get((kind, channel))
        return custom if custom is not None else default_text(kind, channel)


@transaction.atomic
def template_save(*, business: Business, kind: str, channel: str, body: str, subject: str = "") -> MessageTemplate:
    template_validate(kind=kind, channel=channel, body=body, subject=subject)
    body = body.strip()
    template, _created = MessageTemplate.objects.update_or_create(
        business=business, kind=kind, channel=channel, defaults={"body": body, "subject": (subject or "").strip()}
    )
    return template


def template_validate(*, kind: str, channel: str, body: str, subject: str = "") -> None:
    """Check a text as `template_save` would, every error at once, writing nothing."""
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values or kind in (Kind.REPLY, Kind.TEST, Kind.ACCOUNT):
        errors["kind"] = [_("This kind of message has no editable text.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose whatsapp or email.")]
    if not (body or "").strip():
        errors["body"] = [_("This field is required.")]
    if channel in Channel.values:
        try:
            texts_validate(channel=channel, body=(body or "").strip(), subject=subject or "")
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def template_reset(*, business: Business, kind: str, channel: str) -> None:
    MessageTemplate.objects.filter(business=business, kind=kind, channel=channel).delete()


def texts_validate(*, channel: str, body: str, subject: str) -> None:
    """Check a template's body and subject, errors keyed by field."""
    errors = {}
    for field, text, limit in (
        ("body", body, BODY_MAX_LENGTH[channel]),
        ("subject", subject, SUBJECT_MAX_LENGTH),
    ):
        if len(text) > limit:
            message = _("At most %(limit)d characters (this text has %(length)d).")
            errors[field] = [message % {"limit": limit, "length": len(text)}]
            continue
        try:
            text_validate(text)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


def template_preview(
    *, business: Business, kind: str, channel: str, body: str | None = None, subject: str | None = None
):
    """Render a template (the saved one, or the text given) with an example booking."""
    saved_subject, saved_body, _custom = template_get(business=business, kind=kind, channel=channel)
    body = saved_body if body is None else body
    subject = saved_subject if subject is None else subject
    texts_validate(channel=channel, body=body, subject=subject)
    tz = timezone.get_current_timezone()
    start = (timezone.now() + timedelta(days=1)).astimezone(tz).replace(hour=14, minute=0, second=0, microsecond=0)
    context = {
        **business_context(business),
        "client_name": "Maria Silva",
        "service": _("Haircut"),
        "professional": business.name or business.email,
        **when_context(start),
        "status": _("confirmed"),
        "reason": "",
        "manage_link": f"{settings.PUBLIC_BASE_URL}{reverse('public:business', args=[business.slug])}",
    }
    return Rendered(subject=text_render(subject, context), body=text_render(body, context))


# --- Placeholder values ------------------------------------------------------------------------
def appointment_context(appointment) -> dict[str, str]:
    """Placeholder values for an appointment, in the business's time zone and language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _appointment_context(appointment)


def _appointment_context(appointment) -> dict[str, str]:
    business = appointment.business
    start = appointment.start_time.astimezone(ZoneInfo(business.timezone))
    status_text = {
        "pending": _("awaiting the business's confirmation"),
        "confirmed": _("confirmed"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
        "no_show": _("missed"),
    }
    return {
        **business_context(business),
        "client_name": appointment.client_name,
        "service": appointment.service.name,
        "professional": appointment.professional.name,
        **when_context(start),
        "status": status_text.get(appointment.status, appointment.status),
        "reason": appointment.cancellation_reason,
        "manage_link": appointment_manage_url(appointment),
    }


def visit_context(parts) -> dict[str, str]:
    """Placeholder values for a visit of several parts (in order): its start, and as "the service"
    every service with the whole visit's length and price, e.g. "Corte + Barba (1h30, R$ 80,00)"."""
    with translation.override(settings.LANGUAGE_CODE):
        context = _appointment_context(parts[0])
        names = " + ".join(part.service.name for part in parts)
        length = _length_text(parts[-1].end_time - parts[0].start_time)
        prices = [part.price for part in parts if part.price is not None]
        summary = f"{length}, {brl(sum(prices))}" if prices else length
        professionals = list(dict.fromkeys(part.professional.name for part in parts))
        return {
            **context,
            "service": f"{names} ({summary})",
            "professional": _("%(others)s and %(last)s")
            % {"others": ", ".join(professionals[:-1]), "last": professionals[-1]}
            if len(professionals) > 1
            else professionals[0],
        }


def _length_text(length: timedelta) -> str:
    """90 minutes as "1h30", 120 as "2h", 45 as "45 min"."""
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def waitlist_offer_context(offer) -> dict[str, str]:
    """Placeholder values for a waitlist offer, in the business's time zone and language."""
    entry = offer.entry
    business = entry.business
    tz = ZoneInfo(business.timezone)
    with translation.override(settings.LANGUAGE_CODE):
        return {
            **business_context(business),
            "client_name": entry.client_name,
            "service": entry.service.name,
            "professional": offer.professional.name,
            **when_context(offer.start_time.astimezone(tz)),
            "offer_expires": offer.expires_at.astimezone(tz).strftime("%H:%M"),
            "claim_link": waitlist_claim_url(offer),
        }


def business_context(business: Business) -> dict[str, str]:
    return {
        "business": business.name or business.email,
        "address": business.address,
        "business_whatsapp": business.whatsapp_number,
    }


def when_context(start: datetime) -> dict[str, str]:
    return {
        "date": formats.date_format(start, "d/m/Y"),
        # Portuguese writes weekdays in lowercase inside a sentence ("na segunda-feira").
        "weekday": formats.date_format(start, "l").lower()
        if translation.get_language().startswith("pt")
        else formats.date_format(start, "l"),
        "time": start.strftime("%H:%M"),
    }


def series_when_context(appointments) -> dict[str, str]:
    """The date placeholders of a message about several occurrences of a series: `{date}` lists
    their dates (with each one's time when they are not all at the same time), so the approved
    templates and the business's own texts say it without a placeholder of their own."""
    with translation.override(settings.LANGUAGE_CODE):
        tz = ZoneInfo(appointments[0].business.timezone)
        starts = [appointment.start_time.astimezone(tz) for appointment in appointments]
        same_time = len({start.strftime("%H:%M") for start in starts}) == 1
        dates = [
            formats.date_format(start, "d/m/Y") if same_time else f"{formats.date_format(start, 'd/m/Y')} {start:%H:%M}"
            for start in starts
        ]
        return {**when_context(starts[0]), "date": ", ".join(dates)}
