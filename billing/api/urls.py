from agendazap.api.routing import slash_optional
from billing.api import views

urlpatterns = [
    *slash_optional("users/usage", views.UsageView.as_view(), name="users-usage"),
    *slash_optional("users/upgrade-plan", views.UpgradePlanView.as_view(), name="users-upgrade-plan"),
]
