"""The paginated list shape (docs/api.md): `{"<plural>": [...], "total", "page", "per_page", "total_pages"}`."""

import math

from django.db.models import Func, IntegerField, QuerySet, Subquery
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


def _page_params(query_params) -> tuple[int, int]:
    page = _positive_int(query_params.get("page"), name="page", default=1)
    per_page = _positive_int(
        query_params.get("per_page"), name="per_page", default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE
    )
    return page, per_page


def _page(key: str, rows: list, total: int, page: int, per_page: int) -> dict:
    return {
        key: rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(total / per_page) if total else 0,
    }


def paginate(queryset: QuerySet, query_params, *, key: str, serialize) -> dict:
    """Return one page of `queryset` in that shape; a page past the end is empty, not a 404."""
    page, per_page = _page_params(query_params)
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = list(queryset[offset : offset + per_page]) if offset < total else []
    return _page(key, serialize(rows), total, page, per_page)


# The name of the total on each row of `paginate_values`.
PAGE_TOTAL = "page_total"


def paginate_values(queryset: QuerySet, query_params, *, columns, key: str, serialize) -> dict:
    """`paginate` for the busiest lists: the page read as `.values(*columns)` dicts for `serialize`,
    in one query. Each row carries the exact total (`PAGE_TOTAL`), counted by a subquery that
    PostgreSQL runs once, from `queryset` itself (without the joins `columns` add); only a page
    without rows (past the end, or nothing to list) counts in a second query."""
    page, per_page = _page_params(query_params)
    counted = Subquery(queryset.order_by().values(n=Func(template="COUNT(*)", output_field=IntegerField())))
    offset = (page - 1) * per_page
    rows = list(queryset.values(*columns, **{PAGE_TOTAL: counted})[offset : offset + per_page])
    total = rows[0][PAGE_TOTAL] if rows else queryset.count()
    return _page(key, serialize(rows), total, page, per_page)
