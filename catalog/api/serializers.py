"""Shapes of the services API. Rules (template, ranges, ownership) live in catalog.services."""

import uuid

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Service, ServiceCategory


class ServiceSerializer(serializers.ModelSerializer):
    category_id = serializers.UUIDField(allow_null=True)
    category = serializers.SerializerMethodField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    images = serializers.ListField(child=serializers.CharField())
    credentials = serializers.JSONField(allow_null=True)
    promotions = serializers.JSONField(allow_null=True)
    custom_fields = serializers.JSONField(allow_null=True)
    professional_ids = serializers.SerializerMethodField(
        help_text="Professionals assigned to the service; an empty list means every professional performs it."
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "description",
            "duration",
            "price",
            "category_id",
            "category",
            "is_active",
            "images",
            "credentials",
            "promotions",
            "custom_fields",
            "professional_ids",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_category(self, service: Service) -> str | None:
        return service.category.name if service.category_id else None

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_professional_ids(self, service: Service) -> list[uuid.UUID]:
        return [professional.pk for professional in service.professionals.all()]


class ServicePageSerializer(serializers.Serializer):
    """The paginated list shape (docs/api.md, Pagination)."""

    services = ServiceSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    total_pages = serializers.IntegerField()


class ServiceInputSerializer(serializers.Serializer):
    """Every field optional: PUT and PATCH both take only what changed."""

    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=5000)
    duration = serializers.IntegerField(required=False, help_text="Minutes, 1 to 1440.")
    price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="0 or more. Required for a `service_table` business; optional for `consultation`.",
    )
    category_id = serializers.UUIDField(required=False, allow_null=True, help_text="One of your categories.")
    is_active = serializers.BooleanField(
        required=False, help_text="An inactive service stays listed but cannot be booked."
    )
    images = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, allow_null=True, help_text="Image URLs."
    )
    credentials = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='A JSON object, e.g. {"register": "CRM 12345-SP"}; `consultation` businesses only.',
    )
    promotions = serializers.JSONField(required=False, allow_null=True)
    custom_fields = serializers.JSONField(required=False, allow_null=True, help_text="A JSON object.")
    professional_ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        allow_null=True,
        help_text="Your professionals who perform it; empty or absent means all of them.",
    )


class ServiceCreateInputSerializer(ServiceInputSerializer):
    name = serializers.CharField(max_length=255, allow_blank=True)
    duration = serializers.IntegerField(help_text="Minutes, 1 to 1440.")


class ServiceStatsRowSerializer(serializers.Serializer):
    service_id = serializers.UUIDField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()
    archived = serializers.BooleanField(help_text="Deleted with history kept: hidden from the service list.")
    appointments = serializers.IntegerField(help_text="All appointments, whatever their status.")
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_show = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Sum of completed prices.")
    share = serializers.FloatField(help_text="Part of the business's non-cancelled bookings, 0 to 1.")


class ServiceStatsTotalsSerializer(serializers.Serializer):
    services = serializers.IntegerField(help_text="Services not archived.")
    appointments = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    no_show = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2)


class ServiceStatsSerializer(serializers.Serializer):
    services = ServiceStatsRowSerializer(many=True)
    totals = ServiceStatsTotalsSerializer()


class ServiceInUseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    upcoming_appointments = serializers.IntegerField()


class CategorySerializer(serializers.ModelSerializer):
    services_count = serializers.IntegerField(help_text="Services in the category (archived ones not counted).")

    class Meta:
        model = ServiceCategory
        fields = ["id", "name", "description", "services_count", "created_at", "updated_at"]
        read_only_fields = fields


class CategoryInputSerializer(serializers.Serializer):
    """Every field optional: PUT and PATCH both take only what changed."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=5000)


class CategoryCreateInputSerializer(CategoryInputSerializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
