from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Clients")

    def ready(self):
        # Imported here: the reactions use models, loaded only once the registry is ready.
        from agendazap import events
        from billing.models import Resource
        from billing.selectors import usage_counter_register
        from crm import selectors, services

        events.subscribe(events.AppointmentEvent, services.client_figures_on_appointment)
        usage_counter_register(Resource.CLIENTS, selectors.client_active_count)
        services.connect_cached_answers()
