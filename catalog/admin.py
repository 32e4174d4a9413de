from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agendazap.business_cache import business_changed
from catalog.models import Service, ServiceCategory


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return (("no", _("No")), ("yes", _("Yes")))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "category", "duration", "price", "is_active", "archived_at", "created_at")
    list_filter = ("is_active", ArchivedFilter, "business__template_type", "created_at")
    search_fields = ("name", "description", "business__name", "business__slug", "business__slug")
    list_select_related = ("business", "category")
    raw_id_fields = ("business", "category")
    readonly_fields = ("archived_at", "created_at", "updated_at")
    date_hierarchy = "created_at"
    ordering = ("business", "name")
    actions = ("activate", "deactivate")
    fieldsets = (
        (None, {"fields": ("business", "name", "description", "category")}),
        (_("Booking"), {"fields": ("duration", "price", "is_active", "archived_at")}),
        (_("Details"), {"fields": ("images", "credentials", "promotions", "custom_fields")}),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.action(description=_("Activate selected services (bookable again)"))
    def activate(self, request, queryset):
        updated = queryset.filter(archived_at__isnull=True).update(is_active=True, updated_at=timezone.now())
        _business_changed(queryset)
        self.message_user(
            request,
            ngettext("%(count)d service activated.", "%(count)d services activated.", updated) % {"count": updated},
        )

    @admin.action(description=_("Deactivate selected services (no new bookings)"))
    def deactivate(self, request, queryset):
        updated = queryset.update(is_active=False, updated_at=timezone.now())
        _business_changed(queryset)
        self.message_user(
            request,
            ngettext("%(count)d service deactivated.", "%(count)d services deactivated.", updated) % {"count": updated},
        )


def _business_changed(services) -> None:
    # QuerySet.update sends no signal: end the cached set-up of each business touched.
    for business_id in set(services.values_list("business_id", flat=True)):
        business_changed(business_id)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "services_count", "created_at")
    search_fields = ("name", "description", "business__name", "business__slug", "business__slug")
    list_filter = ("created_at",)
    list_select_related = ("business",)
    raw_id_fields = ("business",)
    readonly_fields = ("created_at", "updated_at")
    ordering = ("business", "name")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(services_count=Count("services", filter=Q(services__archived_at__isnull=True)))
        )

    @admin.display(description=_("services"), ordering="services_count")
    def services_count(self, category):
        return category.services_count
