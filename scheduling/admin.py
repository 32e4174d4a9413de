from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agendazap.errors import DomainError
from agendazap.events import Actor, Via
from scheduling import selectors, services
from scheduling.models import (
    Appointment,
    AppointmentActivity,
    AppointmentStatus,
    BookingRules,
    Professional,
    Series,
    TimeOff,
    Visit,
    WaitlistEntry,
    WaitlistOffer,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "is_owner", "is_active", "created_at")
    list_filter = ("is_active", "is_owner")
    search_fields = ("name", "business__name", "business__slug")
    list_select_related = ("business",)
    autocomplete_fields = ("business",)
    filter_horizontal = ("services",)
    inlines = [WorkingHoursInline]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("business", "professional", "start_time", "end_time", "reason")
    search_fields = ("reason", "business__name", "business__slug", "professional__name")
    list_select_related = ("business", "professional")
    date_hierarchy = "start_time"
    autocomplete_fields = ("business", "professional")


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):
    list_display = (
        "business",
        "slot_interval_minutes",
        "buffer_minutes",
        "min_notice_minutes",
        "max_days_ahead",
        "online_booking_status",
    )
    search_fields = ("business__name", "business__slug")
    list_select_related = ("business",)
    autocomplete_fields = ("business",)


def _row_name(appointment: Appointment) -> str:
    """The client and the start in the business's zone, as its owner would name the booking."""
    start = appointment.start_time.astimezone(selectors.business_timezone(appointment.business))
    return f"{appointment.client_name} ({start:%d/%m/%Y %H:%M})"


class AppointmentActivityInline(admin.TabularInline):
    """The appointment's history, read-only: it is written by the events, never by hand."""

    model = AppointmentActivity
    fields = ("created_at", "kind", "actor_kind", "actor_via", "actor_name", "details")
    readonly_fields = fields
    ordering = ("created_at", "id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Staff read appointments and change their status through the services' actions.

    Time, length, professional, service, status, price and whose booking it is are read-only
    here: a direct edit would skip the overlap guard, the status rules and the events (messages,
    client figures, history). The client's name and email and the notes are edited through the
    booking service, so the history says staff changed them. New bookings are made by the
    business, not in the admin.
    """

    list_display = ("start_time", "client_name", "client_whatsapp", "service", "professional", "status", "business")
    list_filter = ("status", "source", ("series", admin.EmptyFieldListFilter))
    search_fields = ("client_name", "client_whatsapp", "client_email", "business__name", "business__slug")
    list_select_related = ("business", "service", "professional")
    date_hierarchy = "start_time"
    readonly_fields = (
        "business",
        "series",
        "visit",
        "client",
        "client_whatsapp",
        "service",
        "professional",
        "start_time",
        "end_time",
        "duration_minutes",
        "buffer_minutes",
        "blocks_until",
        "status",
        "price",
        "whatsapp_consent",
        "source",
        "client_confirmed_at",
        "cancellation_reason",
        "cancelled_at",
        "created_at",
        "updated_at",
    )
    inlines = [AppointmentActivityInline]
    actions = ("confirm", "mark_completed", "mark_no_show", "mark_cancelled")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        stored = Appointment.objects.select_related("business", "service", "professional", "client").get(pk=obj.pk)
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        if changes:
            services.appointment_update(
                appointment=stored, actor=Actor.business(request.user, via=Via.ADMIN), data=changes
            )

    @admin.action(description=_("Confirm selected appointments"))
    def confirm(self, request, queryset):
        self._set_status(request, queryset, AppointmentStatus.CONFIRMED)

    @admin.action(description=_("Mark selected appointments as completed"))
    def mark_completed(self, request, queryset):
        self._set_status(request, queryset, AppointmentStatus.COMPLETED)

    @admin.action(description=_("Mark selected appointments as no-show"))
    def mark_no_show(self, request, queryset):
        self._set_status(request, queryset, AppointmentStatus.NO_SHOW)

    @admin.action(description=_("Cancel selected appointments (keeps the rows)"))
    def mark_cancelled(self, request, queryset):
        self._set_status(request, queryset, AppointmentStatus.CANCELLED, reason=str(_("Cancelled by AgendaZap staff")))

    def _set_status(self, request, queryset, status: str, *, reason: str = "") -> None:
        """Each row through the service, as staff; a refusal is reported for its row and the rest go on."""
        actor = Actor.business(request.user, via=Via.ADMIN)
        changed = 0
        for appointment in queryset.select_related("business", "service", "professional", "client"):
            try:
                services.appointment_set_status(appointment=appointment, actor=actor, status=status, reason=reason)
            except (ValidationError, DomainError) as exc:
                refusal = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.detail)
                self.message_user(
                    request,
                    _("%(appointment)s: not changed. %(reason)s")
                    % {"appointment": _row_name(appointment), "reason": refusal},
                    messages.WARNING,
                )
            else:
                changed += 1
        if changed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d appointment changed to “%(status)s”.",
                    "%(count)d appointments changed to “%(status)s”.",
                    changed,
                )
                % {"count": changed, "status": AppointmentStatus(status).label},
                messages.SUCCESS,
            )


class SeriesOccurrenceInline(admin.TabularInline):
    """A series' occurrences, read-only: each is changed on its own appointment page."""

    model = Appointment
    fields = ("start_time", "status", "professional", "service", "cancelled_at")
    readonly_fields = fields
    show_change_link = True
    ordering = ("start_time",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VisitPartInline(admin.TabularInline):
    """The visit's parts, read-only: each is an appointment, changed on its own page."""

    model = Appointment
    fields = ("start_time", "end_time", "service", "professional", "status", "price")
    readonly_fields = fields
    ordering = ("start_time",)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    """Recurring series as booked, with their occurrences: read-only (they are booked and
    cancelled through the services, by the business)."""

    list_display = ("created_at", "client", "every_weeks", "count", "until", "business")
    search_fields = ("client__name", "client__whatsapp", "business__name", "business__slug")
    list_select_related = ("business", "client")
    date_hierarchy = "created_at"
    readonly_fields = ("business", "client", "every_weeks", "count", "until", "created_by", "created_at")
    inlines = [SeriesOccurrenceInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Visits of several services: read here with their parts; staff cancel one as a whole."""

    list_display = ("created_at", "client", "business", "cancelled_at")
    search_fields = ("client__name", "client__whatsapp", "business__name", "business__slug")
    list_select_related = ("business", "client")
    readonly_fields = ("business", "client", "cancelled_at", "created_at")
    inlines = [VisitPartInline]
    actions = ("cancel_visits",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Cancel selected visits (every part, one message to the client)"))
    def cancel_visits(self, request, queryset):
        actor = Actor.business(request.user, via=Via.ADMIN)
        cancelled = 0
        for visit in queryset.select_related("business"):
            visit = selectors.visit_get(business=visit.business, visit_id=visit.pk)
            try:
                services.visit_cancel(visit=visit, actor=actor, reason=str(_("Cancelled by AgendaZap staff")))
            except (ValidationError, DomainError) as exc:
                refusal = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.detail)
                self.message_user(
                    request,
                    _("%(visit)s: not changed. %(reason)s") % {"visit": visit, "reason": refusal},
                    messages.WARNING,
                )
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                ngettext("%(count)d visit cancelled.", "%(count)d visits cancelled.", cancelled) % {"count": cancelled},
                messages.SUCCESS,
            )


class WaitlistOfferInline(admin.TabularInline):
    """The times offered to the entry, read-only: offers are made by cancellations and moves, never by hand."""

    model = WaitlistOffer
    fields = ("start_time", "professional", "status", "expires_at", "appointment", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ("client_name", "business", "date", "service", "professional", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("client_name", "client_whatsapp", "business__name", "business__slug")
    list_select_related = ("business", "service", "professional")
    date_hierarchy = "date"
    autocomplete_fields = ("business", "client", "professional")
    raw_id_fields = ("service",)
    readonly_fields = ("created_at",)
    inlines = [WaitlistOfferInline]
    actions = ["remove_from_waitlist"]

    @admin.action(description=_("Take off the waitlist"))
    def remove_from_waitlist(self, request, queryset) -> None:
        for entry in queryset:
            services.waitlist_remove(entry=entry)
        self.message_user(request, _("Taken off the waitlist."), messages.SUCCESS)
