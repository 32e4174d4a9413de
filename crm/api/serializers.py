"""Shapes of the clients API. Rules live in crm.services."""

from rest_framework import serializers

from crm.models import Client, CommunicationPreference

FIGURES = [
    "first_appointment_at",
    "last_appointment_at",
    "total_appointments",
    "completed_appointments",
    "cancelled_appointments",
    "no_show_appointments",
    "frequency_score",
    "appointments_this_month",
    "appointments_last_month",
    "average_days_between_appointments",
    "preferred_services",
    "preferred_days",
    "preferred_times",
    "total_spent",
    "average_ticket",
    "last_payment_at",
    "is_regular_customer",
]


class ClientSerializer(serializers.ModelSerializer):
    is_regular_customer = serializers.BooleanField()
    total_spent = serializers.FloatField()
    average_ticket = serializers.FloatField()

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "whatsapp",
            "email",
            "notes",
            "is_active",
            "is_vip",
            *FIGURES,
            "communication_preference",
            "birth_date",
            "gender",
            "address",
            "city",
            "state",
            "zip_code",
            "source",
            "referral_code",
            "tags",
            "custom_fields",
            "erased_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClientInputSerializer(serializers.Serializer):
    """Every field optional (PUT and PATCH take only what changed); create needs name and whatsapp."""

    name = serializers.CharField(max_length=255, required=False)
    whatsapp = serializers.CharField(max_length=32, required=False)
    email = serializers.EmailField(max_length=255, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    is_active = serializers.BooleanField(required=False)
    is_vip = serializers.BooleanField(required=False)
    communication_preference = serializers.ChoiceField(choices=CommunicationPreference.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    state = serializers.CharField(max_length=50, required=False, allow_blank=True)
    zip_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    referral_code = serializers.CharField(max_length=50, required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=30)
    custom_fields = serializers.JSONField(required=False, allow_null=True)


class ClientCreateInputSerializer(ClientInputSerializer):
    name = serializers.CharField(max_length=255)
    whatsapp = serializers.CharField(max_length=32)


class BulkUpdatesSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(required=False)
    is_vip = serializers.BooleanField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=30)
    communication_preference = serializers.ChoiceField(choices=CommunicationPreference.choices, required=False)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)


class BulkUpdateInputSerializer(serializers.Serializer):
    client_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=1000)
    updates = serializers.DictField()


class BulkUpdateResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class MostFrequentClientSerializer(serializers.ModelSerializer):
    is_regular_customer = serializers.BooleanField()

    class Meta:
        model = Client
        fields = ["id", "name", "whatsapp", "total_appointments", "frequency_score", "is_regular_customer"]
        read_only_fields = fields


class ClientAnalyticsSerializer(serializers.Serializer):
    total_clients = serializers.IntegerField()
    active_clients = serializers.IntegerField()
    inactive_clients = serializers.IntegerField()
    vip_clients = serializers.IntegerField()
    clients_with_appointments = serializers.IntegerField()
    average_appointments_per_client = serializers.FloatField()
    most_frequent_clients = MostFrequentClientSerializer(many=True)
    top_preferred_services = serializers.DictField(child=serializers.IntegerField())
    clients_by_creation_month = serializers.DictField(child=serializers.IntegerField())
