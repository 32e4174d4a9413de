"""Gunicorn settings for the container, read from the environment.

GUNICORN_WORKERS (default 3), GUNICORN_THREADS (default 2), GUNICORN_TIMEOUT (default 30 s)
and GUNICORN_BIND (default 0.0.0.0:8000). FORWARDED_ALLOW_IPS is read by gunicorn itself.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container
workers = _int("GUNICORN_WORKERS", 3)
threads = _int("GUNICORN_THREADS", 2)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = timeout
# Heartbeat files on tmpfs: a container's overlay filesystem can stall them and get workers killed.
worker_tmp_dir = "/dev/shm"  # noqa: S108
accesslog = "-"  # stdout
errorlog = "-"  # stderr
