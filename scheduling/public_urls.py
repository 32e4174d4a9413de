from django.urls import path

from accounts import views as account_views
from scheduling import public_views

app_name = "public"

urlpatterns = [
    path("<slug:slug>/", public_views.business_page, name="business"),
    path("<slug:slug>/logo/<str:version>", account_views.business_logo, name="logo"),
    path("<slug:slug>/book/<uuid:service_id>/", public_views.book, name="book"),
    path("<slug:slug>/a/<str:token>/", public_views.manage, name="manage"),
    path("<slug:slug>/a/<str:token>/agendamento.ics", public_views.ics, name="ics"),
    path("<slug:slug>/book/<uuid:service_id>/waitlist/", public_views.waitlist_join, name="waitlist-join"),
    path("<slug:slug>/w/<str:token>/", public_views.waitlist_claim, name="waitlist-claim"),
]
