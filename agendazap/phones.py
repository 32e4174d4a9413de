"""Phone numbers: everything is stored in E.164 (`+5511988888888`)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "BR"


def phone_to_e164(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Return `raw` in E.164, reading national numbers (`(11) 98888-8888`) in `region`.

    Numbers are accepted when they are *possible* rather than *valid*: example numbers
    (`+5511888888888`) are possible but not allocated, and a business must not be told its
    client's real number is wrong because the metadata is a release behind (docs/domain.md).
    """
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number, e.g. +5511988888888."), code="invalid_phone") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. +5511988888888."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
