from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import InboundMessage, Message, MessageTemplate, NotificationSettings
from notifications.models import Status as MessageStatus
from notifications.services import messages_send_again


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "business", "kind", "channel", "recipient", "status", "attempts", "scheduled_at")
    list_filter = ("status", "channel", "kind", "queue")
    search_fields = ("recipient", "provider_message_id", "business__name", "business__slug", "body")
    list_select_related = ("business",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Message._meta.fields]
    actions = ("send_again", "cancel")

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected failed or cancelled messages again"))
    def send_again(self, request, queryset):
        sent_again = messages_send_again(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", sent_again)
            % {"count": sent_again},
        )

    @admin.action(description=_("Cancel the selected messages that were not sent yet"))
    def cancel(self, request, queryset):
        cancelled = queryset.filter(status__in=(MessageStatus.PENDING, MessageStatus.QUEUED)).update(
            status=MessageStatus.CANCELLED, claimed_until=None
        )
        self.message_user(
            request,
            ngettext("%(count)d message cancelled.", "%(count)d messages cancelled.", cancelled) % {"count": cancelled},
        )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("business", "kind", "channel", "updated_at")
    list_filter = ("kind", "channel")
    search_fields = ("business__name", "business__slug", "body")
    list_select_related = ("business",)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("business", "reminder_offsets_minutes", "follow_up_enabled", "notify_owner")
    search_fields = ("business__name", "business__slug")
    list_select_related = ("business",)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_number", "text", "payload", "action", "appointment")
    list_filter = ("action",)
    search_fields = ("from_number", "text", "wamid")
    list_select_related = ("appointment",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
