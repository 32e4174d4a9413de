"""Template helpers of the business dashboard: navigation state and phone numbers."""

import phonenumbers
from django import template
from django.utils.safestring import mark_safe

from agendazap.phones import DEFAULT_REGION

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context, url_name: str, prefix: str = "") -> str:
    """Return the aria-current attribute for a dashboard nav link: "page" on the page, "true" under it."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.namespace != "dashboard" or not match.url_name:
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
