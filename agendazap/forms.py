import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from agendazap.errors import DomainError, PlanLimitExceeded

PLAN_PAGE_URL = "/dashboard/plan/"

_CURRENCY = re.compile(r"^R\$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class MoneyInput(forms.TextInput):
    """A text box for reais: a stored amount shows the way the active language writes it (`1.200,00`)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal | int | float):
            return formats.number_format(value, 2, use_l10n=True, force_grouping=True)
        return super().format_value(value)


class BrazilianDecimalField(forms.Field):
    """An amount of reais typed the way people type it: `1.200,00`, `1200,50`, `1200.50`, `R$ 45`.

    The separator that comes last, followed by one or two digits, is the decimal one; the other
    groups thousands. A lone separator followed by three digits (`1.200`, `1,200`) could mean either,
    so it is refused with a hint rather than guessed. Ranges (zero or more, the maximum) are the
    service's to check, so the API and the dashboard say the same.
    """

    widget = MoneyInput
    default_error_messages = {
        "invalid": _("Enter an amount like 1.200,00 or 45,90."),
        "ambiguous": _(
            "“%(value)s” is ambiguous: write 1.200,00 for one thousand two hundred reais, "
            "or 1,20 for one real and twenty cents."
        ),
    }

    def to_python(self, value) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        text = _SPACES.sub("", _CURRENCY.sub("", str(value or "").strip()).strip())
        if not text:
            return None
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        return Decimal(sign + self._plain(digits, typed=str(value).strip()))

    def _plain(self, text: str, *, typed: str) -> str:
        """`text` (digits and separators, no sign) as a plain `1234.56`."""
        if not re.fullmatch(r"[0-9.,]+", text) or not text[0].isdigit():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        separators = [char for char in text if char in ".,"]
        if not separators:
            return text
        decimal = separators[-1]
        whole, _sep, fraction = text.rpartition(decimal)
        if len(set(separators)) == 2 or separators.count(decimal) == 1:
            if len(fraction) == 3 and len(separators) == 1:
                raise ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"value": typed})
            thousands = "," if decimal == "." else "."
            if len(fraction) not in (1, 2) or not _grouped(whole, thousands):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            return whole.replace(thousands, "") + "." + fraction
        # One kind of separator, several times: thousands only (`1.200.000`).
        if not _grouped(text, decimal):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return text.replace(decimal, "")


def _grouped(whole: str, thousands: str) -> bool:
    """Whether `whole` is plain digits, or digits grouped by three with `thousands`."""
    if thousands not in whole:
        return whole.isdigit()
    return re.fullmatch(rf"[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+", whole) is not None


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def add_rule_errors(form: forms.Form, check: Callable[[dict], object]) -> None:
    """On a form whose shape is wrong, also run the service's rules on the fields that are fine.

    `check` validates without writing. The page then shows every error beside its field at once,
    rather than the rules' errors only after the typing errors are fixed.
    """
    if not form.is_bound or form.is_valid():
        return
    well_shaped = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    try:
        check(well_shaped)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                if field in form.fields and field not in form.errors:
                    form.add_error(field, messages)


def add_domain_error(form: forms.Form, error: DomainError) -> int:
    """Put a service's domain error on the form as a non-field error; return its HTTP status.

    The form also learns what the page needs to say more: `conflicts` (the appointments in
    the way of a 409, with aware datetimes) and `plan_limit_reached` (a 402 links to the plan page).
    """
    form.add_error(None, str(error.detail))
    form.conflicts = [
        {"id": row["id"], "start_time": _as_datetime(row["start_time"]), "end_time": _as_datetime(row["end_time"])}
        for row in error.extra.get("conflicts", [])
    ]
    form.plan_limit_reached = isinstance(error, PlanLimitExceeded)
    form.plan_url = PLAN_PAGE_URL
    return error.status_code


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
