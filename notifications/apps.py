from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Imported here: the reactions use models, loaded only once the registry is ready.
        from agendazap import events
        from notifications import outbox
        from notifications.services import events as reactions

        events.subscribe(events.AppointmentBooked, reactions.on_booked)
        events.subscribe(events.AppointmentMoved, reactions.on_moved)
        events.subscribe(events.AppointmentStatusChanged, reactions.on_status_changed)
        events.subscribe(events.AppointmentCancelled, reactions.on_cancelled)
        events.subscribe(events.SeriesBooked, reactions.on_series_booked)
        events.subscribe(events.SeriesCancelled, reactions.on_series_cancelled)
        events.subscribe(events.VisitBooked, reactions.on_visit_booked)
        events.subscribe(events.VisitMoved, reactions.on_visit_moved)
        events.subscribe(events.VisitCancelled, reactions.on_visit_cancelled)
        events.subscribe(events.ClientErased, reactions.on_client_erased)
        events.subscribe(events.WaitlistTimeOffered, reactions.on_waitlist_offered)
        events.subscribe(events.WaitlistOfferWithdrawn, reactions.on_waitlist_withdrawn)
        events.subscribe(events.AccountEmailRequested, outbox.account_email_requested)
