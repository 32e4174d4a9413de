"""Shapes of the scheduling API. Rules live in scheduling.services and scheduling.selectors."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import MAX_DURATION_MINUTES
from crm.api.serializers import ClientSerializer
from scheduling.calendar_links import appointment_manage_url
from scheduling.models import (
    Appointment,
    AppointmentActivity,
    AppointmentStatus,
    BookingRules,
    OnlineBookingStatus,
    Professional,
    TimeOff,
    WaitlistEntry,
    WaitlistStatus,
    Weekday,
    WorkingHours,
)


class CustomFieldsField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is not None and not isinstance(value, dict):
            raise serializers.ValidationError(self.error_messages["invalid"])
        return value


class AppointmentServiceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    duration = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)


class AppointmentProfessionalSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AppointmentSerializer(serializers.ModelSerializer):
    client_id = serializers.UUIDField(allow_null=True)
    service_id = serializers.UUIDField()
    professional_id = serializers.UUIDField()
    series_id = serializers.UUIDField(
        allow_null=True, help_text="The recurring series it is an occurrence of; null for a one-off."
    )
    service = AppointmentServiceSerializer()
    professional = AppointmentProfessionalSerializer()
    is_confirmed = serializers.BooleanField()
    is_cancelled = serializers.BooleanField()
    is_completed = serializers.BooleanField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "service_id",
            "service",
            "professional_id",
            "professional",
            "client_id",
            "client_name",
            "client_whatsapp",
            "client_email",
            "start_time",
            "end_time",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "status",
            "is_confirmed",
            "is_cancelled",
            "is_completed",
            "notes",
            "internal_notes",
            "source",
            "series_id",
            "custom_fields",
            "client_confirmed_at",
            "cancellation_reason",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentCreateInputSerializer(serializers.Serializer):
    """A client is named by `client_id`, or by `client_name` and `client_whatsapp` (found or created)."""

    service_id = serializers.UUIDField()
    professional_id = serializers.UUIDField(required=False, allow_null=True)
    client_id = serializers.UUIDField(required=False, allow_null=True)
    client_name = serializers.CharField(max_length=255, required=False)
    client_whatsapp = serializers.CharField(max_length=32, required=False)
    client_email = serializers.EmailField(max_length=255, required=False, allow_blank=True)
    start_time = serializers.DateTimeField()
    duration = serializers.IntegerField(required=False, help_text="Minutes (1 to a day); default: the service's.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    internal_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    custom_fields = CustomFieldsField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=[s for s in AppointmentStatus.values if s != AppointmentStatus.CANCELLED],
        required=False,
        help_text="pending or confirmed ahead; completed or no_show for a visit in the past.",
    )
    outside_hours = serializers.BooleanField(
        required=False, default=False, help_text="Book outside working hours or in time off (an encaixe)."
    )

    def to_internal_value(self, data):
        # Reported together with any other field error, so a client learns everything at once.
        missing = {}
        if isinstance(data, Mapping) and not data.get("client_id"):
            required = self.fields["client_name"].error_messages["required"]
            missing = {field: [required] for field in ("client_name", "client_whatsapp") if field not in data}
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**missing, **exc.detail}) from exc
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class RecurrenceInputSerializer(serializers.Serializer):
    """Repeat every `every_weeks` weeks, `count` times or up to `until` (exactly one of them).

    The ranges are checked by the service (scheduling.services.series), all problems at once."""

    every_weeks = serializers.IntegerField(help_text="1 to 52.")
    count = serializers.IntegerField(required=False, allow_null=True, help_text="Occurrences, 1 to 52.")
    until = serializers.DateField(
        required=False, allow_null=True, help_text="Last date (inclusive), within a year of the first."
    )


class AppointmentSeriesCreateInputSerializer(AppointmentCreateInputSerializer):
    """A new appointment and its repetitions: `start_time` is the first occurrence."""

    recurrence = RecurrenceInputSerializer()


class ConflictSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()


class SkippedOccurrenceSerializer(serializers.Serializer):
    start_time = serializers.DateTimeField()
    code = serializers.ChoiceField(choices=["taken", "unavailable", "plan_limit"])
    reason = serializers.CharField()
    conflicts = ConflictSerializer(many=True, help_text="What is in the way when the time is taken.")


class SeriesBookedSerializer(serializers.Serializer):
    series_id = serializers.UUIDField()
    appointments = AppointmentSerializer(many=True, help_text="The occurrences booked, in time order.")
    skipped = SkippedOccurrenceSerializer(many=True, help_text="The occurrences not booked, and why.")


class SeriesCancelledSerializer(serializers.Serializer):
    series_id = serializers.UUIDField()
    appointments = AppointmentSerializer(many=True, help_text="The occurrences cancelled, in time order.")


class AppointmentUpdateInputSerializer(serializers.Serializer):
    """Every field optional: PUT and PATCH both take only what changed."""

    service_id = serializers.UUIDField(required=False)
    professional_id = serializers.UUIDField(required=False)
    client_name = serializers.CharField(max_length=255, required=False)
    client_whatsapp = serializers.CharField(max_length=32, required=False)
    client_email = serializers.EmailField(max_length=255, required=False, allow_blank=True)
    start_time = serializers.DateTimeField(required=False)
    duration = serializers.IntegerField(required=False, help_text="Minutes (1 to a day).")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    internal_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    custom_fields = CustomFieldsField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=AppointmentStatus.choices,
        required=False,
        help_text=(
            "pending → confirmed → completed | no_show (once started), or cancelled while pending or confirmed. "
            "completed or no_show back to confirmed undoes a mistake: only on the appointment's day "
            "(business time zone), else 400."
        ),
    )
    cancellation_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    outside_hours = serializers.BooleanField(
        required=False, help_text="Move outside working hours or into time off (an encaixe)."
    )


class AppointmentCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ServiceIdsField(serializers.ListField):
    """Service ids as a JSON list, or comma-separated in a query string (`a,b,c`)."""

    child = serializers.UUIDField()

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            # `?service_ids=a,b` arrives as ["a,b"], `?service_ids=a&service_ids=b` as ["a", "b"].
            data = [part.strip() for item in data for part in item.split(",") if part.strip()]
        return super().to_internal_value(data)


class AvailabilityQuerySerializer(serializers.Serializer):
    service_id = serializers.UUIDField(required=False, help_text="One service; or `service_ids` for a visit.")
    service_ids = ServiceIdsField(
        required=False, help_text="Several services back to back (a visit), comma-separated, in order."
    )
    date = serializers.DateField()
    duration = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DURATION_MINUTES)
    professional_id = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if ("service_id" in attrs) == ("service_ids" in attrs):
            raise serializers.ValidationError({"service_id": [_("Give service_id or service_ids, not both.")]})
        if "service_ids" in attrs and "duration" in attrs:
            raise serializers.ValidationError({"duration": [_("A visit takes each service's own duration.")]})
        return attrs


class AvailabilitySerializer(serializers.Serializer):
    date = serializers.DateField()
    service_id = serializers.UUIDField()
    professional_id = serializers.UUIDField(allow_null=True)
    duration = serializers.IntegerField()
    available_slots = serializers.ListField(child=serializers.DateTimeField())
    conflicts = ConflictSerializer(many=True, help_text="Appointments already on this day.")


class VisitAvailabilitySerializer(AvailabilitySerializer):
    """A visit's free starts: `service_id` is its first service and `duration` the whole visit's."""

    service_ids = serializers.ListField(child=serializers.UUIDField())


class StatsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class AppointmentStatsSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_day = serializers.DictField(child=serializers.IntegerField())
    by_service = serializers.ListField(child=serializers.DictField())
    revenue = serializers.FloatField()
    no_show_rate = serializers.FloatField()


class WorkingHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices)
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start_time", "end_time"]


class WorkingHoursInputSerializer(serializers.Serializer):
    intervals = WorkingHoursSerializer(many=True, allow_empty=True)


class ProfessionalSerializer(serializers.ModelSerializer):
    service_ids = serializers.SerializerMethodField()
    working_hours = WorkingHoursSerializer(many=True)

    class Meta:
        model = Professional
        fields = ["id", "name", "is_owner", "is_active", "service_ids", "working_hours", "created_at", "updated_at"]
        read_only_fields = fields

    def get_service_ids(self, professional) -> list[str]:
        return [str(service.pk) for service in professional.services.all()]


class ProfessionalInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    is_active = serializers.BooleanField(required=False)
    service_ids = serializers.ListField(child=serializers.UUIDField(), required=False)


class ProfessionalCreateInputSerializer(ProfessionalInputSerializer):
    name = serializers.CharField(max_length=255)


class TimeOffSerializer(serializers.ModelSerializer):
    professional_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = TimeOff
        fields = ["id", "professional_id", "start_time", "end_time", "reason", "created_at"]
        read_only_fields = fields


class TimeOffInputSerializer(serializers.Serializer):
    professional_id = serializers.UUIDField(required=False, allow_null=True)
    start_time = serializers.DateTimeField(required=False)
    end_time = serializers.DateTimeField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255)


class TimeOffCreateInputSerializer(TimeOffInputSerializer):
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()


class BookingRulesSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingRules
        fields = [
            "slot_interval_minutes",
            "buffer_minutes",
            "min_notice_minutes",
            "max_days_ahead",
            "cancellation_notice_hours",
            "online_booking_status",
            "waitlist_offers_at_once",
            "waitlist_offer_minutes",
            "updated_at",
        ]
        read_only_fields = fields


class BookingRulesInputSerializer(serializers.Serializer):
    slot_interval_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=5, max_value=1440)
    buffer_minutes = serializers.IntegerField(required=False, min_value=0, max_value=1440)
    min_notice_minutes = serializers.IntegerField(required=False, min_value=0, max_value=60 * 24 * 60)
    max_days_ahead = serializers.IntegerField(required=False, min_value=1, max_value=730)
    cancellation_notice_hours = serializers.IntegerField(required=False, min_value=0, max_value=24 * 60)
    online_booking_status = serializers.ChoiceField(choices=OnlineBookingStatus.choices, required=False)
    waitlist_offers_at_once = serializers.IntegerField(required=False, min_value=1, max_value=20)
    waitlist_offer_minutes = serializers.IntegerField(required=False, min_value=5, max_value=24 * 60)


class PublicBookingInputSerializer(serializers.Serializer):
    business_slug = serializers.SlugField(max_length=60)
    service_id = serializers.UUIDField()
    professional_id = serializers.UUIDField(required=False, allow_null=True)
    start_time = serializers.DateTimeField()
    client_name = serializers.CharField(max_length=255)
    client_whatsapp = serializers.CharField(max_length=32)
    client_email = serializers.EmailField(max_length=255, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    consent_whatsapp = serializers.BooleanField(
        default=False, help_text="Without it only email is sent (when an email is given)."
    )


class PublicBookingSerializer(serializers.ModelSerializer):
    """What a client (not the business) may see of its booking."""

    service = AppointmentServiceSerializer()
    professional = AppointmentProfessionalSerializer()
    manage_url = serializers.SerializerMethodField()
    ics_url = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "status",
            "start_time",
            "end_time",
            "duration_minutes",
            "service",
            "professional",
            "client_name",
            "manage_url",
            "ics_url",
        ]
        read_only_fields = fields

    def get_manage_url(self, appointment) -> str:
        return appointment_manage_url(appointment)

    def get_ics_url(self, appointment) -> str:
        return appointment_manage_url(appointment) + "agendamento.ics"


class ClientHistoryAppointmentSerializer(serializers.ModelSerializer):
    service = AppointmentServiceSerializer()
    professional = AppointmentProfessionalSerializer()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)

    class Meta:
        model = Appointment
        fields = ["id", "start_time", "end_time", "status", "service", "professional", "price", "notes", "source"]
        read_only_fields = fields


class ClientHistorySerializer(serializers.Serializer):
    client = ClientSerializer()
    appointments = ClientHistoryAppointmentSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    total_pages = serializers.IntegerField()


class ActorSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="owner, member, client, staff or system")
    via = serializers.CharField(
        help_text="dashboard, api, admin, public_page, public_api, manage_link, whatsapp, system"
    )
    name = serializers.CharField()


class AppointmentActivitySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AppointmentActivity
        fields = ["id", "kind", "created_at", "actor", "details"]
        read_only_fields = fields

    @extend_schema_field(ActorSerializer)
    def get_actor(self, row: AppointmentActivity) -> dict:
        return {"kind": row.actor_kind, "via": row.actor_via, "name": row.actor_name}


class AppointmentActivityListSerializer(serializers.Serializer):
    activity = AppointmentActivitySerializer(many=True)


class ReportQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    professional_id = serializers.UUIDField(required=False)


def _money_field():
    # Money is a string with 2 decimals ("1234.50"), whatever the project-wide float setting.
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)


class ReportPeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class ReportAppointmentsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_show = serializers.IntegerField()


class ReportRevenueSerializer(serializers.Serializer):
    completed = _money_field()
    expected = _money_field()


class ReportClientsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    returning = serializers.IntegerField()


class ReportDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    appointments = serializers.IntegerField()
    revenue = _money_field()


class ReportProfessionalSerializer(serializers.Serializer):
    professional_id = serializers.UUIDField()
    name = serializers.CharField()
    appointments = serializers.IntegerField()
    revenue = _money_field()


class ReportServiceSerializer(serializers.Serializer):
    service_id = serializers.UUIDField()
    name = serializers.CharField()
    appointments = serializers.IntegerField()
    revenue = _money_field()


class ReportOverviewSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    appointments = ReportAppointmentsSerializer()
    revenue = ReportRevenueSerializer()
    no_show_rate = serializers.FloatField()
    occupancy = serializers.FloatField()
    clients = ReportClientsSerializer()
    by_day = ReportDaySerializer(many=True)
    by_professional = ReportProfessionalSerializer(many=True)
    top_services = ReportServiceSerializer(many=True)


# --- Visits: several services back to back ---------------------------------------------------------
class VisitCreateInputSerializer(AppointmentCreateInputSerializer):
    """`POST /api/appointments/` with `service_ids` instead of `service_id`: a visit."""

    service_id = None
    duration = None
    service_ids = ServiceIdsField(allow_empty=False, help_text="The services, in the order they are taken.")


class VisitCreatedSerializer(AppointmentSerializer):
    """The visit's first part, as a booking answers, with the visit and every part."""

    visit_id = serializers.UUIDField()
    appointments = AppointmentSerializer(many=True, source="visit.parts")

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "visit_id", "appointments"]
        read_only_fields = fields


class PublicVisitBookingInputSerializer(PublicBookingInputSerializer):
    service_id = None
    service_ids = ServiceIdsField(allow_empty=False, help_text="The services, in the order they are taken.")


class PublicVisitBookingSerializer(PublicBookingSerializer):
    visit_id = serializers.UUIDField()
    appointments = PublicBookingSerializer(many=True, source="visit.parts")

    class Meta(PublicBookingSerializer.Meta):
        fields = [*PublicBookingSerializer.Meta.fields, "visit_id", "appointments"]
        read_only_fields = fields


class VisitSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    client_id = serializers.UUIDField()
    start_time = serializers.DateTimeField(allow_null=True, help_text="The first active part's start.")
    end_time = serializers.DateTimeField(allow_null=True, help_text="The last active part's end.")
    duration = serializers.IntegerField(help_text="Minutes from the start to the end of the active parts.")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, help_text="Active parts.")
    cancelled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    appointments = AppointmentSerializer(many=True, source="parts", help_text="Every part, cancelled ones too.")


class VisitMoveInputSerializer(serializers.Serializer):
    start_time = serializers.DateTimeField()
    outside_hours = serializers.BooleanField(required=False, default=False)


class WaitlistJoinInputSerializer(serializers.Serializer):
    business_slug = serializers.SlugField(max_length=60)
    service_id = serializers.UUIDField()
    date = serializers.DateField(help_text="YYYY-MM-DD, the business's day")
    professional_id = serializers.UUIDField(required=False, allow_null=True)
    client_name = serializers.CharField(max_length=255)
    client_whatsapp = serializers.CharField(max_length=32)
    consent_whatsapp = serializers.BooleanField(
        default=False, help_text="Offers go by WhatsApp only: without it the client is not offered times."
    )

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword: declared here, read as `from` and `until` (local HH:MM).
        fields["from"] = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM, earliest start")
        fields["until"] = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM, latest end")
        return fields


class WaitlistEntrySerializer(serializers.ModelSerializer):
    service = AppointmentServiceSerializer()
    professional = AppointmentProfessionalSerializer(allow_null=True)
    service_id = serializers.UUIDField()
    professional_id = serializers.UUIDField(allow_null=True)
    client_id = serializers.UUIDField()

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "service_id",
            "service",
            "professional_id",
            "professional",
            "date",
            "client_id",
            "client_name",
            "client_whatsapp",
            "consent_whatsapp",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = instance.window_from.strftime("%H:%M") if instance.window_from else None
        data["until"] = instance.window_until.strftime("%H:%M") if instance.window_until else None
        return data


class PublicWaitlistEntrySerializer(serializers.Serializer):
    """What the client who joined learns: their place is kept, no one else's data."""

    id = serializers.UUIDField()
    service_id = serializers.UUIDField()
    professional_id = serializers.UUIDField(allow_null=True)
    date = serializers.DateField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class WaitlistQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    service_id = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=WaitlistStatus.choices, required=False)


class WaitlistClaimInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)
