"""WhatsApp backends: the Cloud API, and console / file / in-memory ones for development and tests."""

import json
import logging
import os
import threading
import uuid
from pathlib import Path

import requests
from django.conf import settings

from notifications.backends import PermanentSendError, TransientSendError, WindowClosedError
from notifications.backends.throttle import throughput_slot

logger = logging.getLogger(__name__)
# One HTTP session per thread (and process: a forked child never shares its parent's socket); its
# kept-alive connection spares each send a TCP and TLS handshake.
_sessions = threading.local()

# Cloud API error codes: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
RATE_LIMIT_CODES = {4, 80007, 130429, 131048, 131056}
WINDOW_CLOSED_CODES = {131047}
TRANSIENT_CODES = {1, 2, 131000, 131016, 133004} | RATE_LIMIT_CODES
CONNECT_TIMEOUT_SECONDS = 5


def payload_for(message, *, as_template: bool) -> dict:
    """The Cloud API request body: a template (with quick replies) or free text."""
    to = message.recipient.lstrip("+")
    if not as_template:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": message.body},
        }
    components = []
    if message.template_params:
        components.append(
            {"type": "body", "parameters": [{"type": "text", "text": str(value)} for value in message.template_params]}
        )
    for index, payload in enumerate(message.buttons):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": payload}],
            }
        )
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": message.template_name,
            "language": {"code": message.template_language or settings.WHATSAPP_TEMPLATE_LANGUAGE},
            "components": components,
        },
    }


class BaseBackend:
    def send(self, message, *, as_template: bool) -> str:
        """Send `message`; return the provider's message id or raise a SendError."""
        raise NotImplementedError


class CloudAPIBackend(BaseBackend):
    def __init__(self):
        self.url = f"{settings.WHATSAPP_API_URL}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        self.headers = {"Authorization": f"Bearer {settings.WHATSAPP_API_TOKEN}"}

    def send(self, message, *, as_template: bool) -> str:
        timeouts = (CONNECT_TIMEOUT_SECONDS, settings.WHATSAPP_TIMEOUT_SECONDS)
        # The request reaches the API within its timeouts (or never does): the throttle counts it
        # that long at most, and from its answer on, only until a second after the answer.
        with throughput_slot(settings.WHATSAPP_PHONE_NUMBER_ID, in_flight_seconds=sum(timeouts) + 1):
            try:
                response = _session().post(
                    self.url, json=payload_for(message, as_template=as_template), headers=self.headers, timeout=timeouts
                )
            except requests.RequestException as exc:  # timeouts and refused connections
                raise TransientSendError(f"WhatsApp API unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 200:
            try:
                return response.json()["messages"][0]["id"]
            except (ValueError, KeyError, IndexError) as exc:
                raise TransientSendError("WhatsApp API answered 200 without a message id") from exc
        error = _error_of(response)
        code = error.get("code")
        text = f"HTTP {response.status_code}, code {code}: {error.get('message', '')}".strip()
        if code in WINDOW_CLOSED_CODES:
            raise WindowClosedError(text)
        retry_after = _int_or_none(response.headers.get("Retry-After"))
        if response.status_code == 429 or response.status_code >= 500 or code in TRANSIENT_CODES:
            raise TransientSendError(text, retry_after=retry_after)
        raise PermanentSendError(text)


def _session() -> requests.Session:
    if getattr(_sessions, "pid", None) != os.getpid():
        _sessions.session, _sessions.pid = requests.Session(), os.getpid()
    return _sessions.session


def _error_of(response) -> dict:
    try:
        return response.json().get("error") or {}
    except ValueError:
        return {}


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ConsoleBackend(BaseBackend):
    """Write each message to the log (the embedded default)."""

    def send(self, message, *, as_template: bool) -> str:
        provider_id = f"console.{uuid.uuid4().hex}"
        logger.info("WhatsApp to %s (%s):\n%s", message.recipient, message.kind, message.body)
        return provider_id


class FileBackend(BaseBackend):
    """Append each message as a JSON line to settings.WHATSAPP_FILE_PATH."""

    _lock = threading.Lock()

    def send(self, message, *, as_template: bool) -> str:
        provider_id = f"file.{uuid.uuid4().hex}"
        path = Path(settings.WHATSAPP_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"id": provider_id, "payload": payload_for(message, as_template=as_template), "body": message.body},
            ensure_ascii=False,
        )
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return provider_id


# Like django.core.mail.outbox: tests read what was "sent".
outbox: list[dict] = []


class InMemoryBackend(BaseBackend):
    def send(self, message, *, as_template: bool) -> str:
        provider_id = f"memory.{uuid.uuid4().hex}"
        outbox.append(
            {
                "id": provider_id,
                "to": message.recipient,
                "kind": message.kind,
                "body": message.body,
                "payload": payload_for(message, as_template=as_template),
            }
        )
        return provider_id
