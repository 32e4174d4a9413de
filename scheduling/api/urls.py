from agendazap.api.routing import slash_optional
from scheduling.api import views

urlpatterns = [
    *slash_optional("appointments", views.AppointmentListView.as_view(), name="appointment-list"),
    *slash_optional("appointments/availability", views.AvailabilityView.as_view(), name="appointment-availability"),
    *slash_optional("appointments/stats", views.AppointmentStatsView.as_view(), name="appointment-stats"),
    *slash_optional("appointments/public", views.PublicBookingView.as_view(), name="appointment-public"),
    *slash_optional(
        "appointments/<uuid:appointment_id>", views.AppointmentDetailView.as_view(), name="appointment-detail"
    ),
    *slash_optional("professionals", views.ProfessionalListView.as_view(), name="professional-list"),
    *slash_optional(
        "professionals/<uuid:professional_id>", views.ProfessionalDetailView.as_view(), name="professional-detail"
    ),
    *slash_optional(
        "professionals/<uuid:professional_id>/hours", views.WorkingHoursView.as_view(), name="professional-hours"
    ),
    *slash_optional("time-off", views.TimeOffListView.as_view(), name="time-off-list"),
    *slash_optional("time-off/<uuid:time_off_id>", views.TimeOffDetailView.as_view(), name="time-off-detail"),
    *slash_optional("booking-rules", views.BookingRulesView.as_view(), name="booking-rules"),
    *slash_optional("clients/<uuid:client_id>/history", views.ClientHistoryView.as_view(), name="client-history"),
    *slash_optional(
        "appointments/<uuid:appointment_id>/activity",
        views.AppointmentActivityView.as_view(),
        name="appointment-activity",
    ),
    *slash_optional("visits/<uuid:visit_id>", views.VisitDetailView.as_view(), name="visit-detail"),
    *slash_optional("waitlist", views.WaitlistView.as_view(), name="waitlist"),
    *slash_optional("waitlist/claim", views.WaitlistClaimView.as_view(), name="waitlist-claim"),
    *slash_optional("waitlist/<uuid:entry_id>", views.WaitlistEntryView.as_view(), name="waitlist-entry"),
    *slash_optional("reports/overview", views.ReportOverviewView.as_view(), name="report-overview"),
]
