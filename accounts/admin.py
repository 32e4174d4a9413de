from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Business, Invitation, LoginAttempt, Membership, RevokedAccessToken, User


class UserCreationForm(DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "business", "role", "professional", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user", "business")
    raw_id_fields = ("professional",)
    extra = 0


class PendingInvitationInline(admin.TabularInline):
    """The business's invitations not yet accepted nor revoked, to read (the owner manages them)."""

    model = Invitation
    fields = ("email", "role", "professional", "invited_by", "created_at", "expires_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("pending invitations")

    def get_queryset(self, request):
        return super().get_queryset(request).open().select_related("professional", "invited_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "plan_type", "template_type", "timezone", "created_at")
    list_filter = ("plan_type", "template_type")
    search_fields = ("name", "slug", "whatsapp_number", "memberships__user__email")
    readonly_fields = ("created_at", "updated_at")
    inlines = [MembershipInline, PendingInvitationInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and sent from the Team page (the link exists only in the email)."""

    list_display = ("email", "business", "role", "status", "invited_by", "created_at", "expires_at")
    list_filter = ("role",)
    search_fields = ("email", "business__name", "business__slug")
    list_select_related = ("business", "invited_by")
    raw_id_fields = ("professional",)
    autocomplete_fields = ("business",)
    readonly_fields = ("token_hash", "invited_by", "created_at", "accepted_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("status"))
    def status(self, invitation: Invitation) -> str:
        if invitation.accepted_at:
            return _("accepted")
        if invitation.revoked_at:
            return _("revoked")
        return _("expired") if invitation.is_expired else _("pending")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("-created_at",)
    list_display = ("email", "businesses", "is_verified", "is_active", "is_staff", "created_at")
    list_filter = ("is_active", "is_verified", "is_staff")
    search_fields = ("email", "memberships__business__name", "memberships__business__slug")
    readonly_fields = ("created_at", "updated_at", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Status"), {"fields": ("is_active", "is_verified", "last_business")}),
        (_("Permissions"), {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__business")

    @admin.display(description=_("businesses"))
    def businesses(self, user: User) -> str:
        """Which businesses a login belongs to, and as what: staff see it at a glance."""
        return ", ".join(f"{m.business} ({m.get_role_display()})" for m in user.memberships.all()) or "—"

    actions = ("mark_verified",)

    @admin.action(description=_("Mark selected accounts as verified"))
    def mark_verified(self, request, queryset):
        updated = queryset.update(is_verified=True)
        self.message_user(
            request,
            ngettext("%(count)d account marked as verified.", "%(count)d accounts marked as verified.", updated)
            % {"count": updated},
        )


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ("email", "ip_address", "created_at")
    search_fields = ("email", "ip_address")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RevokedAccessToken)
class RevokedAccessTokenAdmin(admin.ModelAdmin):
    list_display = ("jti", "user", "expires_at")
    search_fields = ("jti", "user__email")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
