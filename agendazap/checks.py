"""Production refuses to start on settings that fail open.

Registered as system checks (agendazap.apps), so `manage.py check` and every command that runs
the checks report them. gunicorn and Celery run no checks of their own: wsgi.py and
agendazap/celery.py call `refuse_to_start_on_errors` at start-up.
"""

import io

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.utils.module_loading import import_string

# Backends that report a message as sent though nobody receives it.
FAKE_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",  # filebased subclasses it
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)
FAKE_WHATSAPP_BACKENDS = (
    "notifications.backends.whatsapp.ConsoleBackend",
    "notifications.backends.whatsapp.FileBackend",
    "notifications.backends.whatsapp.InMemoryBackend",
)


def production_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.IS_PRODUCTION:
        return []
    problems = []
    if settings.DEBUG:
        problems.append(
            checks.Error(
                "DEBUG is on in production: error pages would show settings and code to anyone.",
                hint="Unset DEBUG or set DEBUG=0.",
                id="agendazap.E001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append(
            checks.Error(
                "The database is SQLite in production: every write waits for the one before, and the data "
                "is a file on this machine.",
                hint="Set DATABASE_URL=postgresql://user:password@host:5432/name.",
                id="agendazap.E002",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            checks.Error(
                "REDIS_URL is not set in production: tasks would run inline in web requests, no reminder "
                "would be sent on time and every process would keep its own throttle counters and cached answers, "
                "blind to the other processes' changes.",
                hint="Set REDIS_URL=redis://host:6379/0.",
                id="agendazap.E003",
            )
        )
    problems += _fake_backend_problems("WHATSAPP_BACKEND", FAKE_WHATSAPP_BACKENDS, "agendazap.E004")
    problems += _fake_backend_problems("EMAIL_BACKEND", FAKE_EMAIL_BACKENDS, "agendazap.E005")
    return problems


def _fake_backend_problems(setting: str, fakes: tuple[str, ...], check_id: str) -> list[checks.CheckMessage]:
    path = getattr(settings, setting)
    try:
        backend = import_string(path)
    except ImportError:
        return [checks.Error(f"{setting} {path!r} cannot be imported.", id=check_id)]
    if not issubclass(backend, tuple(import_string(fake) for fake in fakes)):
        return []
    text = f"{setting} is {path} in production: messages are marked sent but nobody receives them."
    if settings.ALLOW_FAKE_MESSAGE_BACKENDS:
        return [checks.Warning(text, hint="Allowed by ALLOW_FAKE_MESSAGE_BACKENDS=1.", id=check_id.replace("E", "W"))]
    hint = (
        "Set WHATSAPP_API_TOKEN and WHATSAPP_PHONE_NUMBER_ID (the Cloud API)"
        if setting == "WHATSAPP_BACKEND"
        else "Set SMTP_SERVER (and SMTP_USERNAME, SMTP_PASSWORD)"
    )
    return [
        checks.Error(text, hint=f"{hint}, or ALLOW_FAKE_MESSAGE_BACKENDS=1 for a staging or demo server.", id=check_id)
    ]


def refuse_to_start_on_errors() -> None:
    """In production, run the system checks as `manage.py check` does: SystemCheckError on any error."""
    if settings.IS_PRODUCTION:
        # Warnings still go to stderr; only the "no issues" line each process would print is dropped.
        call_command("check", stdout=io.StringIO())
