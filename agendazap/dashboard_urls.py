from django.urls import path

from accounts import team_views
from agendazap import profile_views, views
from catalog import views as catalog_views
from crm import views as crm_views
from notifications import views as notification_views
from scheduling import views as scheduling_views

app_name = "dashboard"

messages_patterns = [
    path("messages/", notification_views.message_log, name="messages"),
    path("messages/retry/", notification_views.retry_failed, name="messages-retry"),
    path("messages/settings/", notification_views.notification_settings, name="messages-settings"),
    path("messages/texts/<str:kind>/<str:channel>/", notification_views.template_edit, name="messages-template"),
]

agenda_patterns = [
    path("agenda/", scheduling_views.agenda, name="agenda"),
    path("agenda/new/", scheduling_views.appointment_new, name="agenda-new"),
    path("agenda/slot/", scheduling_views.agenda_slot, name="agenda-slot"),
    path("agenda/block/", scheduling_views.agenda_block, name="agenda-block"),
    path("agenda/waitlist/", scheduling_views.waitlist, name="waitlist"),
    path("agenda/waitlist/<uuid:entry_id>/remove/", scheduling_views.waitlist_remove, name="waitlist-remove"),
    path("agenda/block/<uuid:time_off_id>/delete/", scheduling_views.agenda_unblock, name="agenda-unblock"),
    path("agenda/<uuid:appointment_id>/move/", scheduling_views.appointment_move, name="agenda-move"),
    path("agenda/<uuid:appointment_id>/", scheduling_views.appointment_detail, name="agenda-detail"),
    path("agenda/<uuid:appointment_id>/edit/", scheduling_views.appointment_edit, name="agenda-edit"),
    path("agenda/<uuid:appointment_id>/status/", scheduling_views.appointment_status, name="agenda-status"),
    path("agenda/<uuid:appointment_id>/cancel/", scheduling_views.appointment_cancel, name="agenda-cancel"),
    path("agenda/visit/<uuid:visit_id>/cancel/", scheduling_views.visit_cancel, name="visit-cancel"),
    path(
        "agenda/<uuid:appointment_id>/reschedule/",
        scheduling_views.appointment_reschedule,
        name="agenda-reschedule",
    ),
]

settings_patterns = [
    path("settings/profile/", profile_views.business_profile, name="settings-profile"),
    path("settings/agenda/", scheduling_views.agenda_settings, name="settings-agenda"),
    path(
        "settings/agenda/professionals/new/",
        scheduling_views.professional_create,
        name="settings-professional-new",
    ),
    path(
        "settings/agenda/professionals/<uuid:professional_id>/",
        scheduling_views.professional_detail,
        name="settings-professional",
    ),
    path(
        "settings/agenda/professionals/<uuid:professional_id>/active/",
        scheduling_views.professional_active,
        name="settings-professional-active",
    ),
    path(
        "settings/agenda/professionals/<uuid:professional_id>/hours/",
        scheduling_views.professional_hours,
        name="settings-professional-hours",
    ),
    path("settings/agenda/time-off/new/", scheduling_views.time_off_create, name="settings-time-off-new"),
    path(
        "settings/agenda/time-off/<uuid:time_off_id>/delete/",
        scheduling_views.time_off_delete,
        name="settings-time-off-delete",
    ),
    path("settings/agenda/rules/", scheduling_views.booking_rules, name="settings-rules"),
]

service_patterns = [
    path("services/", catalog_views.service_list, name="services"),
    path("services/new/", catalog_views.service_create, name="services-new"),
    path("services/<uuid:service_id>/", catalog_views.service_edit, name="services-edit"),
    path("services/<uuid:service_id>/delete/", catalog_views.service_delete, name="services-delete"),
    path("services/categories/", catalog_views.categories, name="services-categories"),
    path(
        "services/categories/<uuid:category_id>/",
        catalog_views.category_edit,
        name="services-category-edit",
    ),
    path(
        "services/categories/<uuid:category_id>/delete/",
        catalog_views.category_delete,
        name="services-category-delete",
    ),
]

client_patterns = [
    path("clients/", crm_views.client_list, name="clients"),
    path("clients/new/", crm_views.client_new, name="clients-new"),
    path("clients/import/", crm_views.client_import, name="clients-import"),
    path("clients/export.csv", crm_views.client_export, name="clients-export"),
    path("clients/<uuid:client_id>/", crm_views.client_detail, name="clients-detail"),
    path("clients/<uuid:client_id>/edit/", crm_views.client_edit, name="clients-edit"),
    path("clients/<uuid:client_id>/active/", crm_views.client_active, name="clients-active"),
    path("clients/<uuid:client_id>/erase/", crm_views.client_erase, name="clients-erase"),
]

report_patterns = [
    path("reports/", scheduling_views.reports_page, name="reports"),
    path("reports/appointments.csv", scheduling_views.reports_csv, name="reports-csv"),
]

team_patterns = [
    path("team/", team_views.team_page, name="team"),
    path("team/invite/", team_views.team_invite, name="team-invite"),
    path("team/<str:member_id>/role/", team_views.team_member_role, name="team-role"),
    path("team/<str:member_id>/resend/", team_views.team_member_resend, name="team-resend"),
    path("team/<str:member_id>/remove/", team_views.team_member_remove, name="team-remove"),
    path("team/<str:member_id>/make-owner/", team_views.team_member_make_owner, name="team-owner"),
]

urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("booking-link/qr.svg", views.booking_link_qr, name="booking-link-qr"),
    path("booking-link/print/", views.booking_link_print, name="booking-link-print"),
    *agenda_patterns,
    *settings_patterns,
    *service_patterns,
    *client_patterns,
    *messages_patterns,
    *team_patterns,
    *report_patterns,
]
