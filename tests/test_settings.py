"""Settings read from the environment, and the production mode's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from agendazap.env import env_bool, env_list

ROOT = Path(__file__).resolve().parent.parent


TEST_ONLY_ENV = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}

# A production environment that must start: nothing here is contacted by the checks.
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "agenda.exemplo.com.br",
    "DATABASE_URL": "postgresql://agendazap:senha@db.invalid:5432/agendazap",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "WHATSAPP_API_TOKEN": "token",
    "WHATSAPP_PHONE_NUMBER_ID": "123",
    "SMTP_SERVER": "smtp.exemplo.com.br",
}


def run(*command: str, timeout: int = 120, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own entry points
        list(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, **env_overrides)


def test_production_mode_passes_the_deploy_checks_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("key", ["", "insecure-dev-key-never-use-in-production"], ids=["missing", "dev-key"])
def test_production_mode_refuses_to_start_without_a_secret_key(key):
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("override", "check_id"),
    [
        pytest.param({"DEBUG": "1"}, "agendazap.E001", id="debug"),
        pytest.param({"DATABASE_URL": ""}, "agendazap.E002", id="sqlite"),
        pytest.param({"REDIS_URL": ""}, "agendazap.E003", id="no-redis"),
        pytest.param({"WHATSAPP_API_TOKEN": ""}, "agendazap.E004", id="whatsapp-console"),
        pytest.param(
            {"WHATSAPP_BACKEND": "notifications.backends.whatsapp.FileBackend"}, "agendazap.E004", id="whatsapp-file"
        ),
        pytest.param(
            {"WHATSAPP_BACKEND": "notifications.backends.whatsapp.InMemoryBackend"},
            "agendazap.E004",
            id="whatsapp-memory",
        ),
        pytest.param({"SMTP_SERVER": ""}, "agendazap.E005", id="email-console"),
        pytest.param(
            {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}, "agendazap.E005", id="email-file"
        ),
        pytest.param(
            {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}, "agendazap.E005", id="email-locmem"
        ),
    ],
)
def test_production_mode_refuses_to_start_on_settings_that_fail_open(override, check_id):
    result = manage("check", **{**PRODUCTION, **override})

    assert result.returncode != 0
    assert check_id in result.stderr, result.stderr


def test_fake_message_backends_start_in_production_only_when_allowed_on_purpose():
    fake = {**PRODUCTION, "WHATSAPP_API_TOKEN": "", "SMTP_SERVER": "", "ALLOW_FAKE_MESSAGE_BACKENDS": "1"}

    result = manage("check", **fake)

    assert result.returncode == 0, result.stderr
    assert "agendazap.W004" in result.stderr and "agendazap.W005" in result.stderr


def test_gunicorn_does_not_load_the_app_on_production_errors():
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "--check-config", "-c", "docker/gunicorn.conf.py"]

    refused = run(*gunicorn, "agendazap.wsgi:application", **{**PRODUCTION, "DEBUG": "1"})
    started = run(*gunicorn, "agendazap.wsgi:application", **PRODUCTION)

    assert refused.returncode != 0 and "agendazap.E001" in refused.stderr
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    "command",
    [["worker", "--pool", "solo"], ["beat", "--scheduler", "celery.beat:PersistentScheduler"]],
    ids=["worker", "beat"],
)
def test_celery_does_not_start_on_production_errors(command, tmp_path):
    # No REDIS_URL: the in-memory broker would let it run (and the test time out) were it not stopped.
    celery = str(Path(sys.executable).with_name("celery"))
    extra = ["--schedule", str(tmp_path / "beat")] if command[0] == "beat" else []

    result = run(celery, "-A", "agendazap", *command, *extra, timeout=60, **{**PRODUCTION, "REDIS_URL": ""})

    assert result.returncode != 0
    assert "agendazap.E003" in result.stderr


def test_hsts_reaches_subdomains_and_the_preload_list_only_when_asked():
    show = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    opted_in = {**PRODUCTION, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "1"}

    assert manage("shell", "--no-imports", "-c", show, **PRODUCTION).stdout.split() == ["31536000", "False", "False"]
    assert manage("shell", "--no-imports", "-c", show, **opted_in).stdout.split() == ["31536000", "True", "True"]
    assert manage("check", "--deploy", "--fail-level", "WARNING", **opted_in).returncode == 0


def test_sessions_are_read_from_the_cache_only_when_the_cache_is_shared():
    show = "from django.conf import settings as s; print(s.SESSION_ENGINE)"
    with_redis = manage("shell", "--no-imports", "-c", show, REDIS_URL="redis://127.0.0.1:6379/0")
    without = manage("shell", "--no-imports", "-c", show, REDIS_URL="")
    assert with_redis.stdout.split() == ["django.contrib.sessions.backends.cached_db"]
    assert without.stdout.split() == ["django.contrib.sessions.backends.db"]


def test_lists_accept_commas_or_a_json_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", '["localhost", "agenda.exemplo.com.br"]')
    assert env_list("ALLOWED_HOSTS") == ["localhost", "agenda.exemplo.com.br"]
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost, agenda.exemplo.com.br,")
    assert env_list("ALLOWED_HOSTS") == ["localhost", "agenda.exemplo.com.br"]


def test_a_malformed_boolean_is_a_clear_configuration_error(monkeypatch):
    monkeypatch.setenv("DEBUG", "talvez")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG")


def test_a_worker_started_without_queues_consumes_every_message_queue():
    from agendazap.celery import app
    from notifications.models import Queue

    assert set(app.amqp.queues) == {"celery", *Queue.values}
