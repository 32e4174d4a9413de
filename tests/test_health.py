"""GET /health, against the real database and Redis, and against ones that do not answer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Runs the health view in a fresh process whose settings point wherever the test says.
PROBE = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "agendazap.settings"
django.setup()
from django.test import Client
response = Client().get("/health")
print(json.dumps({"status_code": response.status_code, "body": response.json()}))
"""


def probe_health(**env_overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ALLOWED_HOSTS="testserver", **env_overrides)
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_health_is_ok_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert client.get("/health/").status_code == 200


def test_health_is_503_naming_the_database_when_sqlite_file_cannot_open():
    result = probe_health(DATABASE_URL="sqlite:////nonexistent-dir/agendazap.sqlite3")
    assert result["status_code"] == 503
    assert result["body"]["database"] == "unavailable"
    assert result["body"]["redis"] == "not configured"


def test_health_is_503_naming_the_database_when_postgres_is_unreachable():
    # Port 9 (discard) is closed here: the connection is refused, as when the server is down.
    result = probe_health(DATABASE_URL="postgresql://postgres@127.0.0.1:9/agendazap")
    assert result["status_code"] == 503
    assert result["body"]["database"] == "unavailable"


def test_health_is_503_naming_redis_when_it_is_configured_but_down(tmp_path):
    result = probe_health(REDIS_URL="redis://127.0.0.1:9/0", DATABASE_URL=f"sqlite:///{tmp_path}/health.sqlite3")
    assert result["status_code"] == 503
    assert result["body"] == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


@pytest.mark.redis
@pytest.mark.django_db
def test_health_reports_a_running_redis(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["redis"] == "ok"
