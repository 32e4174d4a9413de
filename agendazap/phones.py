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


def phone_could_be_a_persons(raw: str, *, region: str = DEFAULT_REGION) -> bool:
    """Whether a number typed by a person has the shape of a real line: in Brazil a mobile (DDD and
    nine digits starting with 9) or a landline (DDD and eight digits starting with 2 to 5);
    elsewhere a number the metadata calls valid.

    Stricter than `phone_to_e164` on purpose, for the public page: it catches the typo a client
    would not see ("(11) 1234-567"), where the API keeps accepting example numbers.
    """
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        return False
    if number.country_code != 55:
        return phonenumbers.is_valid_number(number)
    national = str(number.national_number)
    area, line = national[:2], national[2:]
    if not ("11" <= area <= "99" and "0" not in area):
        return False
    return (len(line) == 9 and line[0] == "9") or (len(line) == 8 and line[0] in "2345")
