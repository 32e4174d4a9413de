import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _


class StrictBooleanField(forms.Field):
    """A yes/no query value that refuses anything else (`?is_active=banana` is a 400, not "no filter")."""

    TRUE = frozenset({"true", "1", "yes"})
    FALSE = frozenset({"false", "0", "no"})

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


def filtered(filterset_class: type[django_filters.FilterSet], filters, queryset: QuerySet, **kwargs) -> QuerySet:
    """`queryset` narrowed by `filterset_class` from the query parameters `filters`; invalid ones
    raise ValidationError (a 400 with their errors).

    A request naming none of the filters gets `queryset` as it is, without building the filter
    set: an empty one filters nothing, and its forms cost more than a page of rows.
    """
    if not filters or filters.keys().isdisjoint(filterset_class.base_filters):
        return queryset
    filterset = filterset_class(filters, queryset=queryset, **kwargs)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs
