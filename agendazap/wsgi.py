import os

from django.core.wsgi import get_wsgi_application

from agendazap.checks import refuse_to_start_on_errors

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agendazap.settings")

application = get_wsgi_application()
# gunicorn runs no system checks: a worker that fails them does not boot, so gunicorn stops.
refuse_to_start_on_errors()
