from agendazap.api.routing import slash_optional
from notifications.api import views

urlpatterns = [
    *slash_optional("queues/status", views.QueueStatusView.as_view(), name="queues-status"),
    *slash_optional("queues/messages", views.MessageLogView.as_view(), name="queues-messages"),
    *slash_optional("queues/failed/<str:queue_name>", views.FailedMessagesView.as_view(), name="queues-failed"),
    *slash_optional(
        "queues/failed/<str:queue_name>/retry", views.RetryFailedView.as_view(), name="queues-failed-retry"
    ),
    *slash_optional("queues/test/whatsapp", views.TestWhatsAppView.as_view(), name="queues-test-whatsapp"),
    *slash_optional("queues/test/email", views.TestEmailView.as_view(), name="queues-test-email"),
    *slash_optional("queues/workers/status", views.WorkersStatusView.as_view(), name="queues-workers-status"),
    *slash_optional("queues/workers/start", views.WorkersStartView.as_view(), name="queues-workers-start"),
    *slash_optional("queues/workers/stop", views.WorkersStopView.as_view(), name="queues-workers-stop"),
    *slash_optional("notifications/templates", views.TemplateListView.as_view(), name="notification-templates"),
    *slash_optional(
        "notifications/templates/<str:kind>/<str:channel>",
        views.TemplateDetailView.as_view(),
        name="notification-template",
    ),
    *slash_optional(
        "notifications/templates/<str:kind>/<str:channel>/preview",
        views.TemplatePreviewView.as_view(),
        name="notification-template-preview",
    ),
    *slash_optional("notifications/settings", views.NotificationSettingsView.as_view(), name="notification-settings"),
    *slash_optional("webhooks/whatsapp", views.WhatsAppWebhookView.as_view(), name="webhook-whatsapp"),
]
