from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.permissions import public
from agendazap import views

api_patterns = [
    path("", include("accounts.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("crm.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("catalog.api.urls")),
    path("schema/", public(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", public(SpectacularSwaggerView.as_view(url_name="schema")), name="swagger-ui"),
]

urlpatterns = [
    re_path(r"^health/?$", views.health, name="health"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("dashboard/plan/", include("billing.urls")),
    path("dashboard/", include("agendazap.dashboard_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("b/", include("scheduling.public_urls")),
    path("", views.landing, name="landing"),
]

handler404 = "agendazap.views.page_not_found"
handler500 = "agendazap.views.server_error"
