import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LetterAndDigitValidator:
    """Require at least one letter and one digit in a password."""

    def validate(self, password, user=None):
        if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
            raise ValidationError(
                _("The password must contain at least one letter and one digit."),
                code="password_letter_and_digit",
            )

    def get_help_text(self):
        return _("Your password must contain at least one letter and one digit.")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), code="invalid_timezone", params={"value": value})
