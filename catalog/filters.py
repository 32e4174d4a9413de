import django_filters
from django.db.models import Q

from agendazap.filters import StrictBooleanFilter
from catalog.models import Service

# Price filters compare with a DecimalField(max_digits=10): a longer number is a typo, not a query.
PRICE_FILTER_DIGITS = 12


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
