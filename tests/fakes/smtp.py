"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives.

    with FakeSMTPServer() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        smtp.refuse("gone@example.com")        # 550 for this recipient
        ...
        [email] = smtp.wait_for(1)
        email.message["Subject"]               # decoded str, accents intact

aiosmtpd's `Controller` binds IPv6 only when no hostname is given, and with `port=0` its
start-up probe connects to port 0: `_PortZeroController` reads the bound port from the
listening socket before that probe.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO: keep test output readable.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage  # parsed with email.policy.default: headers decoded to str
    raw: bytes
    time: float

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str | None:
        """The text/plain body, decoded (None if the message has none)."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else None

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None


class _Handler:
    def __init__(self, server: FakeSMTPServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's naming
        refused = self.server._refusal_for(address)
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        failure = self.server._take_data_failure()
        if failure:
            return failure
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        # Parse with plain newlines: the body then reads as Python text ("\n", not "\r\n").
        message = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
        self.server._record(
            ReceivedEmail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                raw=raw,
                time=time.time(),
            )
        )
        return "250 Message accepted for delivery"


class _PortZeroController(Controller):
    def _trigger_server(self):
        # The server is bound by now: learn the port the system chose, then let aiosmtpd probe it.
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        return super()._trigger_server()


class FakeSMTPServer:
    """SMTP on 127.0.0.1:<free port>. `messages`, `wait_for(n)`, `refuse(...)`, `reset()`."""

    def __init__(self, hostname: str = "127.0.0.1"):
        self.hostname = hostname
        self._lock = threading.Condition()
        self._messages: list[ReceivedEmail] = []
        self._refused: dict[str, str] = {}
        self._data_failures: list[str] = []
        self._controller: _PortZeroController | None = None

    def start(self) -> FakeSMTPServer:
        if self._controller is None:
            controller = _PortZeroController(
                _Handler(self), hostname=self.hostname, port=0, enable_SMTPUTF8=True, ready_timeout=10
            )
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> FakeSMTPServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return self.hostname

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the fake SMTP server is not started")
        return self._controller.port

    # -- programming --

    def refuse(self, *addresses: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer RCPT TO for these addresses with `reply` (a permanent failure by default)."""
        with self._lock:
            for address in addresses:
                self._refused[address.lower()] = reply

    def fail_next_data(self, times: int = 1, reply: str = "451 4.3.0 Temporary failure, try again later") -> None:
        """Answer the next `times` DATA commands with `reply` (a transient failure by default)."""
        with self._lock:
            self._data_failures.extend([reply] * times)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._refused.clear()
            self._data_failures.clear()

    # -- inspection --

    @property
    def messages(self) -> list[ReceivedEmail]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, n: int, timeout: float = 10.0) -> list[ReceivedEmail]:
        """Block until at least `n` messages arrived; return them all. TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = [(m.rcpt_tos, m.subject) for m in self._messages]
                    raise TimeoutError(f"fake SMTP: waited {timeout}s for {n} messages, got {len(got)}: {got}")
                self._lock.wait(remaining)
            return list(self._messages)

    # -- handler side --

    def _refusal_for(self, address: str) -> str | None:
        with self._lock:
            return self._refused.get(address.lower())

    def _take_data_failure(self) -> str | None:
        with self._lock:
            return self._data_failures.pop(0) if self._data_failures else None

    def _record(self, email: ReceivedEmail) -> None:
        with self._lock:
            self._messages.append(email)
            self._lock.notify_all()
