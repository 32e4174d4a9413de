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


def manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    test_only = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_mode_passes_the_deploy_checks_without_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="agenda.exemplo.com.br",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = manage("check", ENVIRONMENT="production", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_lists_accept_commas_or_a_json_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", '["localhost", "agenda.exemplo.com.br"]')
    assert env_list("ALLOWED_HOSTS") == ["localhost", "agenda.exemplo.com.br"]
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost, agenda.exemplo.com.br,")
    assert env_list("ALLOWED_HOSTS") == ["localhost", "agenda.exemplo.com.br"]


def test_a_malformed_boolean_is_a_clear_configuration_error(monkeypatch):
    monkeypatch.setenv("DEBUG", "talvez")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG")
