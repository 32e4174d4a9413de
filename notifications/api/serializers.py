from rest_framework import serializers

from notifications.models import Channel, Kind, Message, NotificationSettings, Queue
from notifications.services.delivery import TEST_TEXT_MAX_LENGTH
from notifications.services.texts import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH

# The longest of any channel; the service holds each channel to its own.
TEMPLATE_BODY_MAX_LENGTH = max(BODY_MAX_LENGTH.values())


class MessageSerializer(serializers.ModelSerializer):
    appointment_id = serializers.UUIDField(allow_null=True)
    client_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "appointment_id",
            "client_id",
            "channel",
            "kind",
            "queue",
            "recipient",
            "subject",
            "body",
            "template_name",
            "scheduled_at",
            "status",
            "attempts",
            "last_error",
            "provider_message_id",
            "queued_at",
            "sent_at",
            "delivered_at",
            "read_at",
            "failed_at",
            "created_at",
        ]
        read_only_fields = fields


class QueueStateSerializer(serializers.Serializer):
    length = serializers.IntegerField()
    groups = serializers.IntegerField(help_text="Workers consuming this queue")
    last_entry = serializers.CharField(allow_null=True, source="last-entry")


class QueueStatusSerializer(serializers.Serializer):
    """One key per queue, plus scheduled_messages."""

    appointment_confirmations = QueueStateSerializer()
    appointment_reminders = QueueStateSerializer()
    appointment_cancellations = QueueStateSerializer()
    appointment_follow_ups = QueueStateSerializer()
    whatsapp_messages = QueueStateSerializer()
    email_notifications = QueueStateSerializer()
    scheduled_messages = serializers.DictField(child=serializers.IntegerField())


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class TestWhatsAppInputSerializer(serializers.Serializer):
    recipient_whatsapp = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="The business's own number (the default)"
    )
    message_content = serializers.CharField(max_length=TEST_TEXT_MAX_LENGTH, required=False, allow_blank=True)


class TestEmailInputSerializer(serializers.Serializer):
    recipient_email = serializers.EmailField(
        max_length=255, required=False, allow_blank=True, help_text="The owner's own login email (the default)"
    )
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True)
    body = serializers.CharField(max_length=TEST_TEXT_MAX_LENGTH, required=False, allow_blank=True)


class WorkerControlInputSerializer(serializers.Serializer):
    queue = serializers.ChoiceField(choices=Queue.choices, required=False, help_text="Default: every queue")


class TemplateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField()
    is_custom = serializers.BooleanField()


class TemplateInputSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH, required=False, allow_blank=True)
    body = serializers.CharField(max_length=TEMPLATE_BODY_MAX_LENGTH)


class TemplatePreviewInputSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH, required=False, allow_blank=True)
    body = serializers.CharField(max_length=TEMPLATE_BODY_MAX_LENGTH, required=False)


class PreviewSerializer(serializers.Serializer):
    subject = serializers.CharField(allow_blank=True)
    body = serializers.CharField()


class NotificationSettingsSerializer(serializers.ModelSerializer):
    # Whole minutes (no floats, no booleans); the service checks the range.
    reminder_offsets_minutes = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        model = NotificationSettings
        fields = [
            "reminder_offsets_minutes",
            "follow_up_delay_minutes",
            "follow_up_enabled",
            "notify_owner",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "follow_up_delay_minutes": {"required": False, "max_value": 60 * 24 * 60},
            "follow_up_enabled": {"required": False},
            "notify_owner": {"required": False},
        }
