import django_filters
from django.db.models import Q

from agendazap.filters import StrictBooleanFilter
from crm.models import Client

ORDERING_FIELDS = ("name", "created_at", "last_appointment_at", "total_appointments", "frequency_score", "total_spent")


class ClientFilter(django_filters.FilterSet):
    """Filters of the client list, shared by the API and the dashboard."""

    query = django_filters.CharFilter(method="filter_query")
    is_active = StrictBooleanFilter(field_name="is_active")
    is_vip = StrictBooleanFilter(field_name="is_vip")
    min_appointments = django_filters.NumberFilter(field_name="total_appointments", lookup_expr="gte", min_value=0)
    tag = django_filters.CharFilter(method="filter_tag")
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS)

    class Meta:
        model = Client
        fields: list[str] = []

    def filter_query(self, queryset, name, value):
        """Name or email contains the text; or the WhatsApp number contains its digits (4 or more)."""
        text = value.strip()
        if not text:
            return queryset
        matches = Q(name__icontains=text) | Q(email__icontains=text)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 4:
            matches |= Q(whatsapp__contains=digits)
        return queryset.filter(matches)

    def filter_tag(self, queryset, name, value):
        # Tags are stored lowercased without quotes, so the quoted word matches one whole list
        # element in the JSON text, the same way on SQLite and PostgreSQL.
        tag = value.strip().lower().replace('"', "")
        return queryset.filter(tags__icontains=f'"{tag}"') if tag else queryset
