import logging
import re
import time
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.urls import resolve
from django.utils import timezone

logger = logging.getLogger("agendazap.requests")

# URL keyword arguments that carry secrets (signed links, reset tokens): never logged.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """Log one line per request: method, path, status, duration and request id.

    The path is logged without its query string (which may hold phone numbers or emails)
    and with secret URL segments masked; headers and bodies are never logged.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = request.request_id
        logger.info(
            "%s %s %s %.1fms request_id=%s",
            request.method,
            _loggable_path(request),
            response.status_code,
            duration_ms,
            request.request_id,
        )
        return response


def _loggable_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and value:
                path = path.replace(str(value), "***")
    return path


class BusinessTimezoneMiddleware:
    """Show dashboard datetimes in the time zone of the business the request works in.

    Activated for the request of a logged-in member and deactivated afterwards, so a worker
    thread never carries one business's zone into the next request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        business = getattr(request, "business", None)
        if business:
            try:
                timezone.activate(ZoneInfo(business.timezone))
            except (ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()  # an unknown name: the default zone, not a 500
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class LeanPathMiddleware:
    """Answer the paths in `settings.LEAN_PATHS` (the health probe) from their view at once, past
    the rest of the stack: they need no session, login, business, locale, CSRF or messages.

    Placed after the request log and the security middleware, so such a request is still logged
    and still gets the security headers (and the HTTPS redirect, unless exempt).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = frozenset(settings.LEAN_PATHS)

    def __call__(self, request):
        if request.path_info not in self.paths:
            return self.get_response(request)
        match = resolve(request.path_info)
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
