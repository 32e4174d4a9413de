from zoneinfo import ZoneInfo

import django_filters
from django.db.models import Q

from scheduling.availability import day_bounds
from scheduling.models import Appointment, AppointmentStatus


class AppointmentFilter(django_filters.FilterSet):
    """Filters of the appointment list, shared by the API and the dashboard.

    `date_from`/`date_to` are inclusive calendar dates in the business's time zone.
    """

    status = django_filters.MultipleChoiceFilter(choices=AppointmentStatus.choices)
    date_from = django_filters.DateFilter(method="filter_date_from")
    date_to = django_filters.DateFilter(method="filter_date_to")
    service_id = django_filters.UUIDFilter(field_name="service_id")
    professional_id = django_filters.UUIDFilter(field_name="professional_id")
    client_id = django_filters.UUIDFilter(field_name="client_id")
    query = django_filters.CharFilter(method="filter_query")

    class Meta:
        model = Appointment
        fields: list[str] = []

    def __init__(self, *args, tz: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz

    def filter_date_from(self, queryset, name, value):
        start, _end = day_bounds(value, self.tz)
        return queryset.filter(start_time__gte=start)

    def filter_date_to(self, queryset, name, value):
        _start, end = day_bounds(value, self.tz)
        return queryset.filter(start_time__lt=end)

    def filter_query(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        digits = "".join(ch for ch in text if ch.isdigit())
        matches = (
            Q(client_name__icontains=text)
            | Q(client_email__icontains=text)
            | Q(notes__icontains=text)
            | Q(service__name__icontains=text)
        )
        if len(digits) >= 4:
            matches |= Q(client_whatsapp__contains=digits)
        return queryset.filter(matches)
