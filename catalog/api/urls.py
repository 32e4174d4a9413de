"""Services API, meant to be included at `api/`.

The fixed paths come before `services/<uuid:service_id>` so that they are never read as an id.
"""

from agendazap.api.routing import slash_optional
from catalog.api import views

urlpatterns = [
    *slash_optional("services", views.ServiceListView.as_view(), name="service-list"),
    *slash_optional("services/stats", views.ServiceStatsView.as_view(), name="service-stats"),
    *slash_optional("services/categories", views.CategoryListView.as_view(), name="service-category-list"),
    *slash_optional(
        "services/categories/<uuid:category_id>",
        views.CategoryDetailView.as_view(),
        name="service-category-detail",
    ),
    *slash_optional("services/<uuid:service_id>", views.ServiceDetailView.as_view(), name="service-detail"),
]
