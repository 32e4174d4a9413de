"""Input helpers shared by the scheduling services."""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from agendazap.phones import phone_to_e164


def required_text(value: Any, field: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise ValidationError({field: [_("This field is required.")]})
    return text


def client_details_validate(*, client_name: Any, client_whatsapp: Any) -> None:
    """Check a booking's client name and WhatsApp number together, as `appointment_book` does, writing nothing."""
    errors: dict[str, list[str]] = {}
    try:
        required_text(client_name, "client_name")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        phone_to_e164(client_whatsapp)
    except ValidationError as exc:
        errors["client_whatsapp"] = exc.messages
    if errors:
        raise ValidationError(errors)


def as_utc(value: datetime, tz) -> datetime:
    """Read a naive datetime in the business's time zone; return it in UTC, where adding
    minutes is exact also across a clock change."""
    aware = timezone.make_aware(value, tz) if timezone.is_naive(value) else value
    return aware.astimezone(UTC)
