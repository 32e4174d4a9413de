from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agendazap.events import Actor, Via
from crm import services
from crm.models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "whatsapp",
        "business",
        "is_active",
        "is_vip",
        "total_appointments",
        "frequency_score",
        "last_appointment_at",
    )
    list_filter = ("is_active", "is_vip", "communication_preference")
    search_fields = ("name", "whatsapp", "email", "business__name", "business__slug")
    list_select_related = ("business",)
    autocomplete_fields = ("business",)
    readonly_fields = (*services.METRIC_FIELDS, "erased_at", "created_at", "updated_at")
    actions = ("refresh_figures", "erase_personal_data")

    @admin.action(description=_("Recompute the figures of the selected clients"))
    def refresh_figures(self, request, queryset):
        for client in queryset.select_related("business"):
            services.client_metrics_refresh(client=client)
        self.message_user(request, _("Figures recomputed."))

    @admin.action(description=_("Erase personal data of the selected clients (LGPD)"))
    def erase_personal_data(self, request, queryset):
        actor = Actor.business(request.user, via=Via.ADMIN)
        for client in queryset:
            services.client_erase(client=client, actor=actor)
        self.message_user(request, _("Personal data erased; the figures stay."))
