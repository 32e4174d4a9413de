from django.apps import AppConfig


class AgendaZapConfig(AppConfig):
    """Project-wide pieces: the API plumbing, health and the dashboard shell."""

    name = "agendazap"
    verbose_name = "AgendaZap"
