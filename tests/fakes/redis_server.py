"""A dedicated `redis-server` on a free 127.0.0.1 port, which a test may stop and start again.

Example::

    with DedicatedRedis() as redis_server:
        redis_server.url            # redis://127.0.0.1:PORT/0
        redis_server.stop()         # Redis is down: connections are refused
        redis_server.start()        # back, on the same port, empty (no persistence)
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DedicatedRedis:
    def __init__(self, port: int | None = None, *, binary: str | None = None, workdir: str | Path | None = None):
        self.binary = binary or redis_server_binary()
        if not self.binary:
            raise RuntimeError("redis-server is not on PATH")
        self.port = port or free_port()
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="agendazap-redis-"))
        self.log_path = self.workdir / f"redis-{self.port}.log"
        self._process: subprocess.Popen | None = None
        self._log_file = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def url_for(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0, **kwargs) -> redis.Redis:
        """A client that fails at once when the server is down (no retries unless given)."""
        kwargs.setdefault("socket_connect_timeout", 1)
        kwargs.setdefault("socket_timeout", 2)
        kwargs.setdefault("retry", Retry(NoBackoff(), 0))
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, **kwargs)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def ping(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self, timeout: float = 10.0) -> DedicatedRedis:
        """Start (again) on the same port; wait until it answers PING."""
        if self.running:
            return self
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
                "--protected-mode",
                "yes",
            ],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self.ping():
                return self
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"redis-server on port {self.port} did not start within {timeout}s; log:\n{self.log}")

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down (SIGTERM; SIGKILL after `timeout`). Connections are refused afterwards."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._close()

    def kill(self) -> None:
        """Die at once (SIGKILL), as on a crash."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(5)
        self._close()

    def restart(self) -> DedicatedRedis:
        self.stop()
        return self.start()

    def _close(self) -> None:
        self._process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self) -> None:
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> DedicatedRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.cleanup()
