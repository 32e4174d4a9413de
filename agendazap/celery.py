"""The Celery app. Settings come from Django's settings under the CELERY_ namespace."""

import os
import sys

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agendazap.settings")

app = Celery("agendazap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_to_start_on_check_errors(**kwargs) -> None:
    """Production settings that fail the system checks stop the worker and beat, as they stop the web."""
    import django
    from django.core.management.base import SystemCheckError

    from agendazap.checks import refuse_to_start_on_errors

    django.setup()
    try:
        refuse_to_start_on_errors()
    except SystemCheckError as exc:
        # Celery logs and ignores exceptions from signal handlers, not SystemExit. The real stderr:
        # Celery redirects sys.stderr into its log, which beat exits without writing.
        print(exc, file=sys.__stderr__)
        raise SystemExit(1) from exc
