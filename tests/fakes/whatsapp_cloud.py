"""A local WhatsApp Cloud API: the send endpoint, answered as a test plans, and webhook helpers.

The server speaks `POST /{version}/{phone_number_id}/messages` with `Authorization: Bearer
<token>`, like graph.facebook.com, on 127.0.0.1 in a background thread::

    with FakeWhatsAppCloud() as server:
        settings.WHATSAPP_API_URL = server.url          # http://127.0.0.1:PORT/v18.0
        server.plan(rate_limited(), ok())               # first send 429, second 200
        ...
        server.wait_for_requests(2, timeout=5)

Order of checks for each request (each one records the request first):

1. path must be `/{server.version}/{server.phone_number_id}/messages` and the method POST,
   else 404 (unknown path) or 400 code 100 (unknown phone number id);
2. `Authorization: Bearer {server.token}`, else 401 with code 190;
3. the body must be JSON with `messaging_product: "whatsapp"`, a `to` and a valid `text` or
   `template` part, else 400 code 100 (a bug in the caller, never a planned answer);
4. a "mark as read" request (`status: "read"`) is answered `{"success": true}`;
5. with `server.window_closed` on, a `type: "text"` send is answered 131047;
6. otherwise the next planned reply (`server.plan(...)`), or `server.default` (ok).

Steps 1-5 never consume a planned reply.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_VERSION = "v18.0"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_DISPLAY_PHONE_NUMBER = "5511940000000"
DEFAULT_WABA_ID = "102290129340398"

# A hung request is answered after this many seconds at most, released or not: no thread of
# the fake may wait forever.
MAX_HANG_SECONDS = 60.0

_counter = itertools.count(1)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", str(number))


def _new_wamid() -> str:
    return f"wamid.TEST{next(_counter):06d}{uuid.uuid4().hex.upper()}"


def _fbtrace_id() -> str:
    return "A" + secrets.token_urlsafe(16)


# --- planned replies --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One planned answer. Build it with `ok()`, `rate_limited()`, ... rather than directly.

    `error` is the Graph error object (`{"message", "type", "code", ...}`); None means success.
    `hang`: wait until `release_hung()` or `hang_seconds` (capped at MAX_HANG_SECONDS), then
    answer with `then` (a success unless given). `delay`: sleep this long before answering.
    """

    status: int = 200
    error: dict | None = None
    hang: bool = False
    hang_seconds: float | None = None
    then: Reply | None = None
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:
        if self.hang:
            return "hang"
        return "ok" if self.error is None else f"error {self.status} #{self.error.get('code')}"


def graph_error(code: int, message: str, *, details: str | None = None, error_type: str = "OAuthException") -> dict:
    """A Graph API error object: the value of `"error"` in the response body."""
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = _fbtrace_id()
    return error


def ok(*, delay: float = 0.0) -> Reply:
    """200 with a `wamid.` message id."""
    return Reply(delay=delay)


def error_reply(status: int, code: int, message: str, details: str | None = None, **kwargs) -> Reply:
    """Any Graph-style error: HTTP `status`, body `{"error": {... "code": code ...}}`."""
    return Reply(status=status, error=graph_error(code, message, details=details), **kwargs)


def rate_limited(status: int = 429) -> Reply:
    """Throughput limit (#130429). The Cloud API has answered it as 429 and as 400."""
    return error_reply(status, 130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.")


def pair_rate_limited(status: int = 400) -> Reply:
    """Too many messages to the same recipient in a short time (#131056)."""
    return error_reply(
        status,
        131056,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number "
        "to the same phone number in a short period of time.",
    )


def server_error(status: int = 500, code: int = 2) -> Reply:
    """A transient Graph failure: 500 (or 503) with code 2 (or 1)."""
    message = "Service temporarily unavailable" if code == 2 else "An unknown error occurred"
    return error_reply(status, code, message, "Service temporarily unavailable. Please retry your request later.")


def unavailable() -> Reply:
    """503, code 2."""
    return server_error(503, 2)


def undeliverable() -> Reply:
    """Permanent failure (#131026): the number is not on WhatsApp, or cannot receive this."""
    return error_reply(400, 131026, "(#131026) Message undeliverable", "Message Undeliverable.")


permanent = undeliverable


def window_closed() -> Reply:
    """#131047: more than 24 hours since the customer last replied; only a template may go."""
    return error_reply(
        400,
        131047,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    )


def unauthorized() -> Reply:
    return Reply(
        status=401,
        error=graph_error(190, "Invalid OAuth access token - Cannot parse access token", details=None),
    )


def hang(seconds: float | None = None, then: Reply | None = None) -> Reply:
    """Take the request and answer nothing until `release_hung()` or for `seconds`.

    Then answer `then` (a success by default) — the client has usually given up by then.
    Without `seconds` the wait is still capped at MAX_HANG_SECONDS.
    """
    return Reply(hang=True, hang_seconds=seconds, then=then)


PlannedReply = Reply | Callable[["RecordedRequest"], Reply]


# --- recorded requests ------------------------------------------------------------------------


class Headers(dict):
    """Request headers with case-insensitive lookup (keys stored lower-case)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()):
        super().__init__((key.lower(), value) for key, value in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


@dataclass
class RecordedRequest:
    """One request the fake received, recorded when it arrived (before any answer)."""

    method: str
    path: str
    headers: Headers
    body: bytes
    json: Any
    time: float  # time.time() at arrival
    monotonic: float  # time.monotonic() at arrival, to measure retry intervals
    # Filled in when answered: the HTTP status, the response body and, for a successful send,
    # the message id given (a hung request keeps status None until it is answered).
    status: int | None = None
    response: Any = None
    wamid: str | None = None
    # True for an authenticated, well-formed message send on the right path: the requests that
    # the window check and the plan answer (not mark-as-read, not a caller's mistake).
    is_send: bool = False
    answered: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def to(self) -> str | None:
        return self.json.get("to") if isinstance(self.json, dict) else None

    @property
    def type(self) -> str | None:
        if not isinstance(self.json, dict):
            return None
        return self.json.get("type", "text")

    @property
    def text(self) -> str | None:
        """The text body of a `type: "text"` send."""
        if self.type != "text":
            return None
        return (self.json.get("text") or {}).get("body")

    @property
    def template_name(self) -> str | None:
        if self.type != "template":
            return None
        return (self.json.get("template") or {}).get("name")


# --- the server ------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGraph/1.0"
    # An idle keep-alive connection is dropped after this long: no thread waits forever.
    timeout = 30
    # The status line and headers go out before the body: with Nagle's algorithm the body would
    # wait for the client's delayed ACK (40 ms) on a kept-alive connection, capping a sender at
    # about 25 requests a second.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # keep test output quiet; every request is in `fake.requests`

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.server.fake._handle(self)

    def do_GET(self):  # noqa: N802
        self.server.fake._handle(self)

    do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815

    def send_json(self, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> bool:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            # The client gave up (timeout, killed worker): nothing to answer to.
            self.close_connection = True
            return False
        return True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # The default backlog of 5 drops connections under a burst; the client retries a SYN only
    # after a second, which would skew any timing a test measures.
    request_queue_size = 128
    fake: FakeWhatsAppCloud


class FakeWhatsAppCloud:
    """The Cloud API send endpoint on 127.0.0.1, answering as planned.

    Attributes and methods a test uses:

    - `url`: base URL for WHATSAPP_API_URL, with the version (`http://127.0.0.1:PORT/v18.0`);
      `base_url` without it; `phone_number_id`, `token`, `version`, `display_phone_number`,
      `waba_id`.
    - `plan(*replies)`: queue answers for the next sends (a `Reply` or a callable taking the
      `RecordedRequest` and returning one); `default`: the answer once the plan is used up.
    - `window_closed`: False, True (every recipient) or a set of numbers (digits or E.164):
      text sends to them get 131047, template sends still succeed.
    - `requests` (a copy), `sends` (the message sends among them), `wait_for_requests(n)`,
      `wait_for_sends(n)`.
    - `release_hung()`, `hung_count`; `reset()`; `start()` / `stop()` or `with`.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        version: str = DEFAULT_VERSION,
        display_phone_number: str = DEFAULT_DISPLAY_PHONE_NUMBER,
        waba_id: str = DEFAULT_WABA_ID,
    ):
        self.token = token or f"test-token-{secrets.token_hex(8)}"
        self.phone_number_id = phone_number_id
        self.version = version
        self.display_phone_number = display_phone_number
        self.waba_id = waba_id
        self.default: PlannedReply = ok()
        self.window_closed: bool | set[str] = False
        self._lock = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._plan: deque[PlannedReply] = deque()
        self._release = threading.Event()
        self._hung = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> FakeWhatsAppCloud:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="fake-whatsapp", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self.release_hung()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeWhatsAppCloud:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the fake WhatsApp server is not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """What WHATSAPP_API_URL should be: the base URL with the API version."""
        return f"{self.base_url}/{self.version}"

    @property
    def messages_url(self) -> str:
        return f"{self.url}/{self.phone_number_id}/messages"

    # -- programming --

    def plan(self, *replies: PlannedReply) -> None:
        """Queue answers for the next message sends, in order; `default` answers after them."""
        with self._lock:
            self._plan.extend(replies)

    @property
    def planned(self) -> int:
        """Planned replies not used yet."""
        with self._lock:
            return len(self._plan)

    def reset(self) -> None:
        """Forget requests and plans, release hung requests, back to defaults (same port/token)."""
        self.release_hung()
        with self._lock:
            self._requests.clear()
            self._plan.clear()
            self.default = ok()
            self.window_closed = False

    def release_hung(self) -> None:
        """Let every request hanging now be answered (with its `then` reply)."""
        with self._lock:
            released, self._release = self._release, threading.Event()
        released.set()

    @property
    def hung_count(self) -> int:
        with self._lock:
            return self._hung

    # -- inspection --

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def sends(self) -> list[RecordedRequest]:
        """Authenticated, well-formed message sends (see `RecordedRequest.is_send`)."""
        return [request for request in self.requests if request.is_send]

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until at least `n` requests arrived; return them all. TimeoutError otherwise."""
        return self._wait(lambda: self._requests, n, timeout, "requests")

    def wait_for_sends(self, n: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until at least `n` message sends arrived; return the sends."""
        return self._wait(lambda: [r for r in self._requests if r.is_send], n, timeout, "sends")

    def _wait(self, select, n: int, timeout: float, what: str) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(select()) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = [(r.method, r.path, r.status, r.json) for r in self._requests]
                    raise TimeoutError(f"fake WhatsApp: waited {timeout}s for {n} {what}, got {len(select())}: {got}")
                self._lock.wait(remaining)
            return list(select())

    # -- request handling (server threads) --

    def _handle(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = None
        request = RecordedRequest(
            method=handler.command,
            path=handler.path,
            headers=Headers(handler.headers.items()),
            body=body,
            json=parsed,
            time=time.time(),
            monotonic=time.monotonic(),
        )
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()

        status, payload, headers = self._answer(request)
        request.status, request.response = status, payload
        handler.send_json(status, payload, headers)
        request.answered.set()

    def _answer(self, request: RecordedRequest) -> tuple[int, Any, tuple[tuple[str, str], ...]]:
        prefix = f"/{self.version}/"
        path = request.path.split("?", 1)[0]
        parts = path[len(prefix) :].split("/") if path.startswith(prefix) else []
        if len(parts) != 2 or parts[1] != "messages" or request.method != "POST":
            return self._error(
                Reply(404, graph_error(2500, f"Unknown path components: {request.path}", details=None)), request
            )
        if parts[0] != self.phone_number_id:
            return self._error(
                error_reply(
                    400,
                    100,
                    f"Unsupported post request. Object with ID '{parts[0]}' does not exist, cannot be loaded "
                    "due to missing permissions, or does not support this operation.",
                ),
                request,
            )
        authorization = request.headers.get("Authorization", "")
        if not hmac.compare_digest(authorization.encode(), f"Bearer {self.token}".encode()):
            return self._error(unauthorized(), request)
        problem = self._validate(request.json)
        if problem:
            return self._error(error_reply(400, 100, f"(#100) {problem}"), request)
        if request.json.get("status") == "read":
            return 200, {"success": True}, ()
        with self._lock:
            request.is_send = True
            self._lock.notify_all()
        if request.type == "text" and self._window_closed_for(request.to):
            return self._error(window_closed(), request)

        with self._lock:
            planned = self._plan.popleft() if self._plan else self.default
        reply = planned(request) if callable(planned) else planned

        if reply.delay:
            time.sleep(reply.delay)
        if reply.hang:
            with self._lock:
                release = self._release
                self._hung += 1
            try:
                release.wait(min(reply.hang_seconds or MAX_HANG_SECONDS, MAX_HANG_SECONDS))
            finally:
                with self._lock:
                    self._hung -= 1
            reply = reply.then or ok()
        if reply.error is not None:
            return self._error(reply, request)
        wamid = _new_wamid()
        request.wamid = wamid
        message: dict[str, str] = {"id": wamid}
        if request.type == "template":
            message["message_status"] = "accepted"
        payload = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": request.to, "wa_id": _digits(request.to)}],
            "messages": [message],
        }
        return reply.status, payload, reply.headers

    @staticmethod
    def _error(reply: Reply, request: RecordedRequest) -> tuple[int, Any, tuple[tuple[str, str], ...]]:
        error = dict(reply.error or {})
        error["fbtrace_id"] = _fbtrace_id()
        return reply.status, {"error": error}, reply.headers

    def _window_closed_for(self, to: str | None) -> bool:
        closed = self.window_closed
        if isinstance(closed, bool):
            return closed
        return _digits(to or "") in {_digits(number) for number in closed}

    @staticmethod
    def _validate(body: Any) -> str | None:
        if not isinstance(body, dict):
            return "Invalid parameter: the request body must be a JSON object"
        if body.get("messaging_product") != "whatsapp":
            return "The parameter messaging_product is required."
        if body.get("status") == "read":
            return None if body.get("message_id") else "The parameter message_id is required."
        if not body.get("to"):
            return "The parameter to is required."
        kind = body.get("type", "text")
        if kind == "text":
            if not isinstance(body.get("text"), dict) or not body["text"].get("body"):
                return "The parameter text['body'] is required."
        elif kind == "template":
            template = body.get("template")
            if not isinstance(template, dict) or not template.get("name"):
                return "The parameter template['name'] is required."
            if not isinstance(template.get("language"), dict) or not template["language"].get("code"):
                return "The parameter template['language']['code'] is required."
        elif kind not in {"interactive", "image", "document", "audio", "video", "sticker", "location", "contacts"}:
            return f"Invalid parameter: unknown message type {kind!r}"
        return None


# --- webhooks --------------------------------------------------------------------------------


def signature_header(body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` value for a raw body: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signed_webhook(payload: dict, app_secret: str, *, ensure_ascii: bool = False) -> tuple[bytes, str]:
    """Serialize a webhook payload and sign it: `(raw UTF-8 body, X-Hub-Signature-256 value)`.

    Send the returned bytes unchanged: the signature covers exactly these bytes (accents
    included), so a receiver that re-serializes the JSON before checking will fail.
    """
    body = json.dumps(payload, ensure_ascii=ensure_ascii).encode("utf-8")
    return body, signature_header(body, app_secret)


def post_webhook(client, path: str, payload: dict, app_secret: str, **extra):
    """POST a signed webhook with a Django/DRF test client; returns the response."""
    body, signature = signed_webhook(payload, app_secret)
    return client.generic(
        "POST", path, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature, **extra
    )


def _timestamp(timestamp: int | float | None) -> str:
    return str(int(time.time() if timestamp is None else timestamp))


def webhook_payload(
    value: dict,
    *,
    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
    display_phone_number: str = DEFAULT_DISPLAY_PHONE_NUMBER,
    waba_id: str = DEFAULT_WABA_ID,
) -> dict:
    """Wrap a change's `value` (statuses, messages, contacts) in the Cloud API envelope."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def combine_events(*payloads: dict) -> dict:
    """One webhook delivery carrying the entries of several payloads (Meta batches them)."""
    return {
        "object": "whatsapp_business_account",
        "entry": [entry for payload in payloads for entry in payload["entry"]],
    }


def status_event(
    wamid: str,
    status: str,
    recipient: str,
    errors: list[dict] | None = None,
    *,
    timestamp: int | float | None = None,
    **envelope,
) -> dict:
    """A status update (`sent`, `delivered`, `read`, `failed`) for a message we sent.

    `recipient` may be E.164 (`+55...`): the webhook carries digits only. `errors` for a
    `failed` status, e.g. `[webhook_error(131026, "Message undeliverable")]`.
    """
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": _timestamp(timestamp),
        "recipient_id": _digits(recipient),
    }
    if status in {"sent", "delivered"}:
        item["conversation"] = {"id": uuid.uuid4().hex, "origin": {"type": "utility"}}
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "utility"}
    if errors is not None:
        item["errors"] = errors
    return webhook_payload({"statuses": [item]}, **envelope)


def webhook_error(code: int, title: str, details: str | None = None) -> dict:
    """One item of a failed status's `errors` list."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details or title},
    }


def _inbound(
    from_number: str, wamid: str, message: dict, *, profile_name: str, timestamp, context_id, **envelope
) -> dict:
    sender = _digits(from_number)
    item: dict[str, Any] = {"from": sender, "id": wamid, "timestamp": _timestamp(timestamp), **message}
    if context_id is not None:
        display = envelope.get("display_phone_number", DEFAULT_DISPLAY_PHONE_NUMBER)
        item["context"] = {"from": display, "id": context_id}
    value = {"contacts": [{"profile": {"name": profile_name}, "wa_id": sender}], "messages": [item]}
    return webhook_payload(value, **envelope)


def text_message_event(
    from_number: str,
    text: str,
    wamid: str | None = None,
    context_id: str | None = None,
    *,
    profile_name: str = "Cliente",
    timestamp: int | float | None = None,
    **envelope,
) -> dict:
    """A text the client sent (`context_id`: the wamid of our message it replies to)."""
    return _inbound(
        from_number,
        wamid or _new_wamid(),
        {"type": "text", "text": {"body": text}},
        profile_name=profile_name,
        timestamp=timestamp,
        context_id=context_id,
        **envelope,
    )


def button_reply_event(
    from_number: str,
    payload: str,
    title: str,
    wamid: str | None = None,
    context_id: str | None = None,
    *,
    interactive: bool = False,
    profile_name: str = "Cliente",
    timestamp: int | float | None = None,
    **envelope,
) -> dict:
    """A tap on a quick-reply button of our message `context_id`.

    Default: a template's quick reply, `type: "button"` with `button: {payload, text}`.
    `interactive=True`: an interactive message's reply, `type: "interactive"` with
    `interactive: {type: "button_reply", button_reply: {id, title}}`.
    """
    if interactive:
        message = {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": payload, "title": title}},
        }
    else:
        message = {"type": "button", "button": {"payload": payload, "text": title}}
    return _inbound(
        from_number,
        wamid or _new_wamid(),
        message,
        profile_name=profile_name,
        timestamp=timestamp,
        context_id=context_id,
        **envelope,
    )
