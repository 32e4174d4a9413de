"""Notifications' writes, by concern: reactions to events, delivery, and texts.

Callers use `from notifications import services` and the names below; the modules are the
implementation's layout, not its interface.
"""

from notifications.services.delivery import (
    message_create,
    message_send,
    message_send_test,
    messages_clear_failed,
    messages_hand_over,
    messages_hand_over_all,
    messages_retry_failed,
    messages_send_again,
)
from notifications.services.events import (
    DEFAULT_REMINDER_OFFSETS,
    REMINDER_MAX_MINUTES,
    notification_settings_get,
    notification_settings_update,
)
from notifications.services.texts import (
    PLACEHOLDERS,
    appointment_context,
    appointment_manage_url,
    template_get,
    template_preview,
    template_reset,
    template_save,
    template_validate,
)

__all__ = [
    "DEFAULT_REMINDER_OFFSETS",
    "PLACEHOLDERS",
    "REMINDER_MAX_MINUTES",
    "appointment_context",
    "appointment_manage_url",
    "message_create",
    "message_send",
    "message_send_test",
    "messages_clear_failed",
    "messages_hand_over",
    "messages_hand_over_all",
    "messages_retry_failed",
    "messages_send_again",
    "notification_settings_get",
    "notification_settings_update",
    "template_get",
    "template_preview",
    "template_reset",
    "template_save",
    "template_validate",
]
