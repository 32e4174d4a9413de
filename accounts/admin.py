from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, LoginAttempt, Membership, RevokedAccessToken, User


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


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "plan_type", "template_type", "timezone", "created_at")
    list_filter = ("plan_type", "template_type")
    search_fields = ("name", "slug", "whatsapp_number", "memberships__user__email")
    readonly_fields = ("created_at", "updated_at")
    inlines = [MembershipInline]


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
        self.message_user(request, _("%(count)d account(s) marked as verified.") % {"count": updated})


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
