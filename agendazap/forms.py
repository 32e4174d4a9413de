from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from agendazap.errors import DomainError, PlanLimitExceeded

PLAN_PAGE_URL = "/dashboard/plan/"


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


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
