"""Sending backends, pluggable like Django's email backends (settings.WHATSAPP_BACKEND)."""

from django.conf import settings
from django.utils.module_loading import import_string


class SendError(Exception):
    """A send that did not happen."""


class TransientSendError(SendError):
    """Try again later (rate limit, 5xx, timeout); `retry_after` seconds when the provider said."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Will never succeed (undeliverable number, refused address): fail at once."""


class WindowClosedError(SendError):
    """Free text refused: more than 24 hours since the client last wrote. Send the template."""


def whatsapp_backend():
    return import_string(settings.WHATSAPP_BACKEND)()
