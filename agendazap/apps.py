from django.apps import AppConfig
from django.core import checks


class AgendaZapConfig(AppConfig):
    """Project-wide pieces: the API plumbing, health and the dashboard shell."""

    name = "agendazap"
    verbose_name = "AgendaZap"

    def ready(self):
        from agendazap.checks import production_settings_check
        from agendazap.db import connect_signals

        checks.register(production_settings_check)
        connect_signals()
