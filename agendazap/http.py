import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token


def client_ip(request: HttpRequest) -> str:
    """Return the client's address, trusting X-Forwarded-For only for known proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a placeholder, never bound


# A page shared between visitors (kept in the cache) holds this where each visitor's CSRF token goes.
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
_CSRF_FIELD_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]*)(")')


def shareable_page(response: HttpResponse) -> str:
    """The page of `response` with its CSRF token (every form renders the same one) replaced by a
    placeholder, so that another visitor can be served it with theirs (`page_for`)."""
    return _CSRF_FIELD_VALUE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<3>", response.content.decode(response.charset))


def page_for(request: HttpRequest, page: str) -> HttpResponse:
    """A shared page with `request`'s own CSRF token in its forms (and its cookie set, when new)."""
    return HttpResponse(page.replace(CSRF_PLACEHOLDER, get_token(request)))
