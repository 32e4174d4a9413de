from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self):
        # Imported here: models must be loaded before the reactions that use them.
        from agendazap import events
        from billing.models import Resource
        from billing.selectors import usage_counter_register
        from scheduling import activity, business_config, selectors
        from scheduling.services import waitlist

        events.subscribe(events.AccountRegistered, activity.business_agenda_setup)
        events.subscribe(events.AppointmentEvent, activity.activity_record)
        events.subscribe(events.ClientErased, activity.client_appointments_erase)
        events.subscribe(events.AppointmentCancelled, waitlist.on_appointment_cancelled)
        events.subscribe(events.AppointmentMoved, waitlist.on_appointment_moved)
        usage_counter_register(Resource.PROFESSIONALS, selectors.professional_active_count)
        usage_counter_register(Resource.APPOINTMENTS, selectors.appointments_created_count)
        business_config.connect()
