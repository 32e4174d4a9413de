import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _

from catalog.models import Service

# Price filters compare with a DecimalField(max_digits=10): a longer number is a typo, not a query.
PRICE_FILTER_DIGITS = 12


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


class ServiceFilter(django_filters.FilterSet):
    """Filters of the service list, shared by the API and the dashboard."""

    query = django_filters.CharFilter(method="filter_query", max_length=255)
    category_id = django_filters.UUIDFilter(field_name="category_id")
    is_active = StrictBooleanFilter(field_name="is_active")
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte", max_digits=PRICE_FILTER_DIGITS)
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte", max_digits=PRICE_FILTER_DIGITS)

    class Meta:
        model = Service
        fields: list[str] = []

    def filter_query(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(description__icontains=text))
