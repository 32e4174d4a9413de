"""Template helpers of the business dashboard: navigation state and phone numbers."""

from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from django import template
from django.utils.safestring import mark_safe

from agendazap.phones import DEFAULT_REGION

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context, url_name: str, prefix: str = "") -> str:
    """Return the aria-current attribute for a dashboard nav link: "page" on the page, "true" under it."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or not match.url_name:
        return ""
    if ":" in url_name:  # a page of the dashboard outside its namespace, such as "billing:plan"
        return mark_safe(' aria-current="page"') if match.view_name == url_name else ""  # noqa: S308
    if match.namespace != "dashboard":
        return ""
    if match.url_name == url_name:
        return mark_safe(' aria-current="page"')  # noqa: S308 - a constant string
    if match.url_name.startswith(prefix or f"{url_name}-"):
        return mark_safe(' aria-current="true"')  # noqa: S308 - a constant string
    return ""


@register.filter
def phone(value: str) -> str:
    """Show an E.164 number the way people write it: `(11) 98888-8888` for Brazil, international otherwise."""
    try:
        number = phonenumbers.parse(value or "", None)
    except phonenumbers.NumberParseException:
        return value
    region = phonenumbers.region_code_for_number(number)
    national = region == DEFAULT_REGION
    style = phonenumbers.PhoneNumberFormat.NATIONAL if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@register.filter
def brl(value) -> str:
    """Money the Brazilian way, whatever the active locale: `R$ 1.234,56` (an empty value stays empty)."""
    if value in (None, ""):
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):,.2f}".split(".")
    return f"{sign}R$\xa0{whole.replace(',', '.')},{cents}"


@register.filter
def percent(value) -> str:
    """A 0..1 ratio as a pt-BR percentage with one decimal: 0.4286 → `42,9%`."""
    return f"{float(value or 0) * 100:.1f}".replace(".", ",") + "%"
