"""Domain errors raised by services and mapped to HTTP answers in one place.

Services raise `django.core.exceptions.ValidationError` for bad input (400) and these for
the other outcomes a client must be able to tell apart.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    default_detail = _("The request could not be processed.")

    def __init__(self, detail=None, **extra):
        self.detail = detail if detail is not None else self.default_detail
        self.extra = extra
        super().__init__(str(self.detail))


class InvalidCredentials(DomainError):
    status_code = 401
    default_detail = _("Invalid email or password.")


class InvalidToken(DomainError):
    status_code = 401
    default_detail = _("Token is invalid or expired.")


class TooManyAttempts(DomainError):
    """Too many attempts; `retry_after` says in how many seconds to try again."""

    status_code = 429
    default_detail = _("Too many failed attempts. Try again later.")

    def __init__(self, detail=None, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class Conflict(DomainError):
    """The request collides with existing rows; `conflicts` lists them for the client."""

    status_code = 409
    default_detail = _("This time conflicts with another appointment.")


class PlanLimitExceeded(DomainError):
    """The business's plan does not allow this; `extra` carries limit, used, plan_type, resource."""

    status_code = 402
    default_detail = _("Your plan's limit has been reached.")


class Forbidden(DomainError, PermissionDenied):
    """The login's role in the business does not allow this (docs/domain.md, "Roles and permissions").

    Also a Django `PermissionDenied`, so a dashboard page that does not catch it shows the 403 page.
    """

    status_code = 403
    default_detail = _("Your role in this business does not allow this.")


class Gone(DomainError):
    """What the request names existed but is over (an expired offer)."""

    status_code = 410
    default_detail = _("This is no longer available.")
