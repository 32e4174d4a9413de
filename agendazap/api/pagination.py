"""The paginated list shape (docs/api.md): `{"<plural>": [...], "total", "page", "per_page", "total_pages"}`."""

import math

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def _positive_int(raw: str | None, *, name: str, default: int, maximum: int | None = None) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("Must be a whole number.")]}) from None
    if value < 1:
        raise ValidationError({name: [_("Must be 1 or more.")]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [_("Must be at most %(max)d.") % {"max": maximum}]})
    return value


def paginate(queryset: QuerySet, query_params, *, key: str, serialize) -> dict:
    """Return one page of `queryset` in that shape; a page past the end is empty, not a 404."""
    page = _positive_int(query_params.get("page"), name="page", default=1)
    per_page = _positive_int(
        query_params.get("per_page"), name="per_page", default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE
    )
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page]) if offset < total else []
    return {
        key: serialize(rows),
        "total": total,
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(total / per_page) if total else 0,
    }
