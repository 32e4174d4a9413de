"""Shapes of the auth and profile API. Rules live in accounts.services."""

from rest_framework import serializers

from accounts.booking_link import booking_page_url, business_logo_url
from accounts.models import BUSINESS_DESCRIPTION_MAX_LENGTH, Role, TemplateType
from accounts.team import INVITABLE_ROLES, MemberStatus
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


class ProfileSerializer(serializers.Serializer):
    """The login and the business it works in (`accounts.services.Profile`), in one flat shape."""

    id = serializers.UUIDField(source="user.id")
    email = serializers.EmailField(source="user.email")
    business_name = serializers.CharField(source="business.name", default=None)
    business_slug = serializers.CharField(source="business.slug", default=None)
    booking_url = serializers.SerializerMethodField()
    template_type = serializers.CharField(source="business.template_type", default=None)
    whatsapp_number = serializers.CharField(source="business.whatsapp_number", default=None)
    address = serializers.CharField(source="business.address", default=None)
    description = serializers.CharField(source="business.description", default=None)
    logo_url = serializers.SerializerMethodField(help_text="Absolute URL of the business's logo; null without one.")
    timezone = serializers.CharField(source="business.timezone", default=None)
    plan_type = serializers.CharField(source="business.plan_type", default=None)
    role = serializers.CharField(default=None, help_text="owner, manager, receptionist or professional")
    is_active = serializers.BooleanField(source="user.is_active")
    is_verified = serializers.BooleanField(source="user.is_verified")
    created_at = serializers.DateTimeField(source="user.created_at")
    updated_at = serializers.DateTimeField(source="user.updated_at")

    def get_booking_url(self, profile) -> str | None:
        if profile.business is None:
            return None
        return booking_page_url(profile.business)

    def get_logo_url(self, profile) -> str | None:
        if profile.business is None:
            return None
        return business_logo_url(profile.business)


class ProfileUpdateInputSerializer(serializers.Serializer):
    """Every field optional: PUT and PATCH both take only what changed."""

    email = serializers.EmailField(max_length=255, required=False)
    business_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    business_slug = serializers.CharField(max_length=60, required=False)
    template_type = serializers.ChoiceField(choices=TemplateType.choices, required=False)
    whatsapp_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    description = serializers.CharField(max_length=BUSINESS_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])


class BusinessMembershipSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="business.id")
    name = serializers.CharField(source="business.name")
    slug = serializers.CharField(source="business.slug")
    role = serializers.CharField()


class SwitchBusinessInputSerializer(serializers.Serializer):
    business_id = serializers.UUIDField()


class AuthTokensSerializer(serializers.Serializer):
    """Response of register, login, refresh and switch-business: the tokens are for `user`'s
    business (the one it used last); `businesses` lists every business the login belongs to."""

    user = ProfileSerializer()
    businesses = BusinessMembershipSerializer(many=True)
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class InfoMessageSerializer(serializers.Serializer):
    message = serializers.CharField()


# --- The team (rules in accounts.team) -----------------------------------------------------
INVITABLE_ROLE_CHOICES = [(role.value, role.label) for role in INVITABLE_ROLES]


class TeamMemberSerializer(serializers.Serializer):
    """A row of the team: an active member or a pending invitation (`accounts.team.TeamMember`)."""

    id = serializers.CharField(help_text="The membership's number, or the invitation's UUID (status invited).")
    email = serializers.EmailField()
    name = serializers.CharField(help_text="The name of the member's agenda, if any.")
    role = serializers.ChoiceField(choices=Role.choices)
    professional_id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=[(status.value, status.value) for status in MemberStatus])
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When an invitation's link stops working.")


class TeamListSerializer(serializers.Serializer):
    members = TeamMemberSerializer(many=True)


class TeamInviteInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    role = serializers.ChoiceField(choices=INVITABLE_ROLE_CHOICES)
    professional_id = serializers.UUIDField(required=False, allow_null=True)


class TeamMemberUpdateInputSerializer(serializers.Serializer):
    """Both optional: only what changes. The owner is made by transferring ownership, not here."""

    role = serializers.ChoiceField(choices=INVITABLE_ROLE_CHOICES, required=False)
    professional_id = serializers.UUIDField(required=False, allow_null=True)


class AcceptInvitationInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128)
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=128,
        help_text="A new password, or the existing login's when the email has one.",
    )
