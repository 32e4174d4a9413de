"""A real `celery worker` subprocess for end-to-end notification tests, and its Redis broker DB.

The worker runs the project's Celery app with the real settings (`agendazap.settings`, not the
test settings) and reaches the test's PostgreSQL database through DATABASE_URL, built from
the test connection's `settings_dict` (see `database_url_for`). Everything the test process
committed is visible to it, so tests that use it must be transactional
(`@pytest.mark.django_db(transaction=True)`) and run on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Every queue the project routes to (notifications.models.Queue) plus the default one.
WORKER_QUEUES = (
    "celery",
    "appointment_confirmations",
    "appointment_reminders",
    "appointment_cancellations",
    "appointment_follow_ups",
    "whatsapp_messages",
    "email_notifications",
)

# Short delays so retries and claim expiry happen within a test (the same values go to the
# in-process settings through the `whatsapp_settings` fixture).
NOTIFICATION_TEST_SETTINGS: dict[str, int] = {
    "NOTIFICATIONS_RETRY_BASE_SECONDS": 1,
    "NOTIFICATIONS_RETRY_MAX_SECONDS": 2,
    "NOTIFICATIONS_CLAIM_SECONDS": 3,
    "WHATSAPP_TIMEOUT_SECONDS": 5,
}
WHATSAPP_BACKEND_PATH = "notifications.backends.whatsapp.CloudAPIBackend"
TEST_APP_SECRET = "test-app-secret"
TEST_VERIFY_TOKEN = "test-verify-token"

# Inherited variables that would point the worker elsewhere than the fakes.
_DROPPED_PREFIXES = ("WHATSAPP_", "NOTIFICATIONS_", "SMTP_", "CELERY_", "PYTEST_")
_DROPPED_NAMES = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "ENVIRONMENT",
    "EMAIL_BACKEND",
    "AGENDAZAP_TEST_VISIBILITY_TIMEOUT",
}


# --- the database ----------------------------------------------------------------------------


def database_url_for(settings_dict: Mapping) -> str:
    """A DATABASE_URL (for dj_database_url) reaching the database of a Django connection.

    Pass `django.db.connection.settings_dict` once the test database exists: its NAME is then
    the test database (`test_agendazap`, or `test_agendazap_gw0` under xdist).
    """
    engine = settings_dict["ENGINE"]
    if engine != "django.db.backends.postgresql":
        raise ValueError(f"a worker can share only a PostgreSQL test database, not {engine}")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    if host.startswith("/"):
        host = quote(host, safe="")  # a Unix socket directory
    port = settings_dict.get("PORT")
    netloc = f"{credentials}{host}{f':{port}' if port else ''}"
    options = {
        key: str(value)
        for key, value in (settings_dict.get("OPTIONS") or {}).items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    query = f"?{urlencode(options)}" if options else ""
    return f"postgresql://{netloc}/{quote(str(settings_dict['NAME']), safe='')}{query}"


# --- the broker ------------------------------------------------------------------------------


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return urlunsplit(parts._replace(query=urlencode(query)))
    return urlunsplit(parts._replace(path=f"/{db}"))


def redis_db_of(url: str) -> int:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "db" in query:
        return int(query["db"])
    path = parts.path.strip("/")
    return int(path) if path.isdigit() else 0


class BrokerDatabase:
    """A Redis database number this test session holds as its Celery broker.

    Claimed with `SET NX EX` on a key inside it, so parallel sessions (xdist workers, another
    engineer's run on the same Redis) each get their own database and never flush another's.
    """

    LOCK_KEY = "agendazap-tests:broker-claim"
    TTL_SECONDS = 3600

    def __init__(self, url: str, token: str):
        self.url = url
        self.db = redis_db_of(url)
        self.token = token

    @classmethod
    def claim(cls, base_url: str, candidates: list[int] | None = None) -> BrokerDatabase:
        """Claim the first free database among `candidates` (default 14, 13, ... 1).

        AGENDAZAP_TEST_BROKER_DB=N restricts the choice to N. The database of `base_url`
        (REDIS_URL, which other tests may use) is never taken.
        """
        pinned = os.environ.get("AGENDAZAP_TEST_BROKER_DB")
        if candidates is None:
            candidates = [int(pinned)] if pinned else list(range(14, 0, -1))
        own = redis_db_of(base_url)
        token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        tried = []
        for db in candidates:
            if db == own:
                continue
            url = redis_url_with_db(base_url, db)
            try:
                with redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5) as client:
                    if client.set(cls.LOCK_KEY, token, nx=True, ex=cls.TTL_SECONDS):
                        claimed = cls(url, token)
                        claimed.flush()
                        return claimed
                    tried.append(f"{db} (held by {client.get(cls.LOCK_KEY)!r})")
            except redis.ResponseError as exc:  # e.g. "DB index is out of range"
                tried.append(f"{db} ({exc})")
        raise RuntimeError(f"no free Redis database for the test broker on {base_url}; tried: {', '.join(tried)}")

    def flush(self) -> None:
        """Empty the database (queues, unacked messages, cache) and keep holding it."""
        with redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5) as client:
            holder = client.get(self.LOCK_KEY)
            if holder not in (None, self.token.encode()):
                raise RuntimeError(f"Redis db {self.db} was claimed by another test session ({holder!r})")
            pipe = client.pipeline(transaction=True)
            pipe.flushdb()
            pipe.set(self.LOCK_KEY, self.token, ex=self.TTL_SECONDS)
            pipe.execute()

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):
            with redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5) as client:
                if client.get(self.LOCK_KEY) == self.token.encode():
                    client.flushdb()


class CeleryBroker:
    """Points the in-process Celery app (and Django settings) at a broker URL.

    Tests enqueue with the project's app (`agendazap.celery.app`); it read its broker from the
    settings once, so changing `settings.CELERY_BROKER_URL` alone does not move it. `use(url)`
    changes both and drops the app's connection pools; `restore()` puts the app back.
    """

    def __init__(self, app, settings, url: str):
        self.app = app
        self.settings = settings
        self._original = {
            "broker_url": app.conf.broker_url,
            "task_always_eager": app.conf.task_always_eager,
        }
        self.url = url
        self.use(url)

    def use(self, url: str) -> None:
        self.url = url
        self.settings.CELERY_BROKER_URL = url
        self.settings.CELERY_TASK_ALWAYS_EAGER = False
        self.settings.REDIS_URL = url
        self.app.conf.broker_url = url
        self.app.conf.task_always_eager = False
        self._drop_pools()

    def restore(self) -> None:
        for key, value in self._original.items():
            setattr(self.app.conf, key, value)
        self._drop_pools()

    def _drop_pools(self) -> None:
        # Forget the app's pools so the next send builds them for the new URL. Never close them:
        # kombu keeps one pool per URL process-wide and would hand the closed one out again.
        self.app._pool = None
        amqp = self.app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None


# --- the worker ------------------------------------------------------------------------------


def worker_environment(
    *,
    database_url: str,
    redis_url: str,
    whatsapp=None,
    smtp=None,
    extra: Mapping[str, object | None] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The worker's environment: ours, minus anything that would point it elsewhere, plus the fakes.

    `whatsapp`: a FakeWhatsAppCloud (url, token, phone_number_id); `smtp`: a FakeSMTPServer
    (host, port). `extra` is applied last; a None value removes the variable.
    """
    env = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if key not in _DROPPED_NAMES and not key.startswith(_DROPPED_PREFIXES)
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "agendazap.settings",
            "ENVIRONMENT": "test",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "WHATSAPP_BACKEND": WHATSAPP_BACKEND_PATH,
            "WHATSAPP_APP_SECRET": TEST_APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": TEST_VERIFY_TOKEN,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        }
    )
    env.update({key: str(value) for key, value in NOTIFICATION_TEST_SETTINGS.items()})
    if whatsapp is not None:
        env.update(
            {
                "WHATSAPP_API_URL": whatsapp.url,
                "WHATSAPP_API_TOKEN": whatsapp.token,
                "WHATSAPP_PHONE_NUMBER_ID": whatsapp.phone_number_id,
            }
        )
    if smtp is not None:
        env.update({"SMTP_SERVER": smtp.host, "SMTP_PORT": str(smtp.port), "SMTP_USE_TLS": "0", "SMTP_USE_SSL": "0"})
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


class CeleryWorker:
    """One `celery worker` process group (main process + prefork pool children).

    `start()` waits until the log says "<name> ready." and the worker answers a ping.
    `kill()` SIGKILLs the whole group (a crash: nothing is acknowledged or requeued by it);
    `kill_pool_children()` kills only the pool processes (the main process survives and, with
    `task_reject_on_worker_lost`, requeues the task); `stop()` is a warm shutdown.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        log_dir: Path,
        *,
        app: str = "agendazap",
        queues: tuple[str, ...] | list[str] = WORKER_QUEUES,
        concurrency: int = 1,
        loglevel: str = "INFO",
    ):
        self.env = dict(env)
        self.redis_url = self.env["REDIS_URL"]
        self.node = f"test-{uuid.uuid4().hex[:12]}"
        self.name = f"{self.node}@{socket.gethostname()}"  # what Celery expands %h to
        self.log_path = Path(log_dir) / f"celery-{self.node}.log"
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "-Q",
            ",".join(queues),
            f"--hostname={self.node}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
        self.process: subprocess.Popen | None = None
        self._log_file = None

    # -- lifecycle --

    def start(self, ready_timeout: float = 60.0) -> CeleryWorker:
        if self.process is not None:
            raise RuntimeError(f"worker {self.name} was already started")
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed when the process ends
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the pool children
        )
        try:
            self._wait_ready(ready_timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        marker = f"{self.name} ready."
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"celery worker {self.name} exited with {self.process.returncode} before it was ready; "
                    f"log ({self.log_path}):\n{self.log}"
                )
            if marker in self.log:
                break
            time.sleep(0.1)
        else:
            raise TimeoutError(
                f"celery worker {self.name} not ready within {timeout}s; log ({self.log_path}):\n{self.log}"
            )
        while time.monotonic() < deadline:
            if self.ping(timeout=1.0):
                return
        raise TimeoutError(f"celery worker {self.name} logged ready but did not answer ping; log:\n{self.log}")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group at once, as if the machine lost the worker."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self._close_log()

    def stop(self, timeout: float = 20.0) -> int | None:
        """Warm shutdown (SIGTERM: finish the running task, then exit); SIGKILL after `timeout`."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()  # whatever of the group is left
        return self.process.returncode

    def pool_pids(self) -> list[int]:
        """PIDs of the prefork pool processes (children of the main process)."""
        if not self.alive:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            pids = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.process.pid:
                        pids.append(int(stat.parent.name))
            return pids

    def kill_pool_children(self) -> list[int]:
        """SIGKILL the pool processes only; the main process stays up and replaces them."""
        pids = self.pool_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return pids

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # -- observing --

    @property
    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern: str, timeout: float = 15.0, *, count: int = 1, regex: bool = False) -> str:
        """Block until `pattern` (a substring, or a regex) appears `count` times in the log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log
            found = len(re.findall(pattern, log)) if regex else log.count(pattern)
            if found >= count:
                return log
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"{pattern!r} seen {found} of {count} times in {timeout}s in worker {self.name}'s log:\n{log}"
                )
            time.sleep(0.1)

    def ping(self, timeout: float = 1.0) -> bool:
        """Whether the worker answers a remote-control ping through the broker."""
        from celery import Celery

        app = Celery("agendazap-test-ping", broker=self.redis_url, set_as_current=False, fixups=[])
        app.conf.broker_connection_retry_on_startup = False
        app.conf.broker_transport_options = {"max_retries": 1}
        try:
            replies = app.control.ping(destination=[self.name], timeout=timeout) or []
        except Exception:  # noqa: BLE001 - Redis down, connection refused...: not answering
            return False
        finally:
            app.close()
        return any(self.name in reply for reply in replies)

    def __repr__(self) -> str:
        return f"<CeleryWorker {self.name} pid={self.pid} alive={self.alive}>"
