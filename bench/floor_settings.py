"""Settings of the floor: the least a Django request on this stack can cost.

One view (bench/floor_urls.py) running one indexed ORM query, no middleware, no templates, no
sessions or authentication: what is left is gunicorn, Django's request/response cycle, one
round trip to PostgreSQL and a small JSON answer. The database connection is the project's own
(`agendazap.settings.DATABASES`: the same `DATABASE_URL`, `CONN_MAX_AGE` and health checks), and
bench/run.py serves it with the project's gunicorn settings, so the project's paths can only be
slower than this by the work they do themselves. Every figure of the benchmark is a ratio to it.
"""

from agendazap.settings import ALLOWED_HOSTS, DATABASES, DEFAULT_AUTO_FIELD, SECRET_KEY, TIME_ZONE, USE_TZ

__all__ = ["ALLOWED_HOSTS", "DATABASES", "DEFAULT_AUTO_FIELD", "SECRET_KEY", "TIME_ZONE", "USE_TZ"]

DEBUG = False
# django_content_type exists in every migrated AgendaZap database: the floor needs no table of its own.
INSTALLED_APPS = ["django.contrib.contenttypes"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor_urls"
USE_I18N = False
