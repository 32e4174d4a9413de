"""Shapes of the auth and profile API. Rules live in accounts.services."""

from django.conf import settings
from rest_framework import serializers

from accounts.models import TemplateType, User
from accounts.validators import validate_timezone


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    template_type = serializers.ChoiceField(choices=TemplateType.choices)
    business_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    whatsapp_number = serializers.CharField(max_length=32, required=False, allow_blank=True)


class LoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class RefreshTokenInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=2048)


class VerifyEmailInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512)


class ProfileSerializer(serializers.ModelSerializer):
    booking_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "business_name",
            "business_slug",
            "booking_url",
            "template_type",
            "whatsapp_number",
            "address",
            "timezone",
            "plan_type",
            "is_active",
            "is_verified",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_booking_url(self, user: User) -> str | None:
        if not user.business_slug:
            return None
        return f"{settings.PUBLIC_BASE_URL}/b/{user.business_slug}/"


class ProfileUpdateInputSerializer(serializers.Serializer):
    """Every field optional: PUT and PATCH both take only what changed."""

    email = serializers.EmailField(max_length=255, required=False)
    business_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    business_slug = serializers.CharField(max_length=60, required=False)
    template_type = serializers.ChoiceField(choices=TemplateType.choices, required=False)
    whatsapp_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])


class AuthTokensSerializer(serializers.Serializer):
    """Response of register, login and refresh."""

    user = ProfileSerializer()
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class InfoMessageSerializer(serializers.Serializer):
    message = serializers.CharField()
