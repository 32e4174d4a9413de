from agendazap.api.routing import slash_optional
from crm.api import views

urlpatterns = [
    *slash_optional("clients", views.ClientListView.as_view(), name="client-list"),
    *slash_optional("clients/bulk-update", views.ClientBulkUpdateView.as_view(), name="client-bulk-update"),
    *slash_optional("clients/analytics/overview", views.ClientAnalyticsView.as_view(), name="client-analytics"),
    *slash_optional("clients/<uuid:client_id>", views.ClientDetailView.as_view(), name="client-detail"),
]
