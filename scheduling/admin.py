from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from agendazap.events import Actor, Via
from scheduling.models import Appointment, BookingRules, Professional, TimeOff, WorkingHours
from scheduling.services import appointment_cancel


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_owner", "is_active", "created_at")
    list_filter = ("is_active", "is_owner")
    search_fields = ("name", "owner__email", "owner__business_name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    filter_horizontal = ("services",)
    inlines = [WorkingHoursInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("owner", "professional", "start_time", "end_time", "reason")
    search_fields = ("reason", "owner__email", "owner__business_name", "professional__name")
    list_select_related = ("owner", "professional")
    date_hierarchy = "start_time"
    autocomplete_fields = ("owner", "professional")


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):
    list_display = (
        "owner",
        "slot_interval_minutes",
        "buffer_minutes",
        "min_notice_minutes",
        "max_days_ahead",
        "online_booking_status",
    )
    search_fields = ("owner__email", "owner__business_name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("start_time", "client_name", "client_whatsapp", "service", "professional", "status", "owner")
    list_filter = ("status", "source")
    search_fields = ("client_name", "client_whatsapp", "client_email", "owner__email", "owner__business_name")
    list_select_related = ("owner", "service", "professional")
    date_hierarchy = "start_time"
    autocomplete_fields = ("owner", "service", "professional")
    readonly_fields = ("end_time", "blocks_until", "created_at", "updated_at", "cancelled_at")
    actions = ("mark_cancelled",)

    @admin.action(description=_("Cancel selected appointments (keeps the rows)"))
    def mark_cancelled(self, request, queryset):
        # Through the service, so a cancellation by staff is the same event as any other.
        cancelled = 0
        for appointment in queryset.select_related("owner").filter(status__in=("pending", "confirmed")):
            appointment_cancel(
                appointment=appointment,
                actor=Actor.business(request.user, via=Via.ADMIN),
                reason=str(_("Cancelled by AgendaZap staff")),
            )
            cancelled += 1
        self.message_user(request, _("%(count)d appointment(s) cancelled.") % {"count": cancelled})
