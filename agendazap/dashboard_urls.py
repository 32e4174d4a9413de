from django.urls import path

from agendazap import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard_home, name="home"),
]
