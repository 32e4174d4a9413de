from django.contrib import admin

from billing.models import MonthlyUsage, PlanChange, PlanLimits, UsageAlert


@admin.register(PlanLimits)
class PlanLimitsAdmin(admin.ModelAdmin):
    list_display = (
        "plan_type",
        "services",
        "professionals",
        "appointments",
        "whatsapp_messages",
        "clients",
        "updated_at",
    )
    list_editable = ("services", "professionals", "appointments", "whatsapp_messages", "clients")

    def has_add_permission(self, request):
        return False  # one row per plan, created by migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanChange)
class PlanChangeAdmin(admin.ModelAdmin):
    list_display = ("business", "from_plan", "to_plan", "changed_by", "created_at")
    list_filter = ("to_plan", "from_plan")
    search_fields = ("business__name", "business__slug")
    list_select_related = ("business", "changed_by")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UsageAlert)
class UsageAlertAdmin(admin.ModelAdmin):
    list_display = ("business", "resource", "threshold", "used", "limit", "period", "created_at")
    list_filter = ("resource", "threshold")
    search_fields = ("business__name", "business__slug")
    list_select_related = ("business",)


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(admin.ModelAdmin):
    list_display = ("business", "resource", "period", "used")
    list_filter = ("resource",)
    search_fields = ("business__name", "business__slug")
    list_select_related = ("business",)
