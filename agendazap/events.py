"""Domain events: the app that owns a change says once what happened; other apps react.

A service emits one event inside the transaction that made the change. Apps subscribe in their
`AppConfig.ready()`. Handlers run at once, in registration order, inside that transaction: what
they write commits or rolls back with the change, and a handler that sends or enqueues defers
that with `transaction.on_commit`. A handler subscribed to a base class hears every subclass.

The events are the published language between the apps, so they live here, below all of them:
crm and billing react to scheduling without importing it, and scheduling says "booked" without
knowing who listens. The rules of who may emit what are in docs/architecture.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

Event = TypeVar("Event")
_handlers: defaultdict[type, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[Event], handler: Callable[[Event], None]) -> None:
    """Call `handler` for every `event_type` (and subclass) emitted; once, however often ready() runs."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def emit(event: object) -> None:
    """Hand `event` to its subscribers, most specific type first, inside the caller's transaction."""
    for event_type in type(event).__mro__:
        for handler in tuple(_handlers.get(event_type, ())):
            handler(event)


# --- Who did it ------------------------------------------------------------------------------------
class ActorKind(StrEnum):
    OWNER = "owner"
    MEMBER = "member"
    CLIENT = "client"
    STAFF = "staff"
    SYSTEM = "system"


class Via(StrEnum):
    DASHBOARD = "dashboard"
    API = "api"
    ADMIN = "admin"
    PUBLIC_PAGE = "public_page"
    PUBLIC_API = "public_api"
    MANAGE_LINK = "manage_link"
    WHATSAPP = "whatsapp"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who made a change and through what: recorded in the activity log, read by the reactions."""

    kind: ActorKind
    via: Via
    user_id: int | None = None
    name: str = ""

    @classmethod
    def business(cls, user: Any, *, via: Via, role: str = "owner") -> Actor:
        """A login acting for its business with its `role` there: the owner, a member of the team,
        or staff in the admin."""
        if via == Via.ADMIN and getattr(user, "is_staff", False):
            kind = ActorKind.STAFF
        else:
            kind = ActorKind.OWNER if role == "owner" else ActorKind.MEMBER
        return cls(kind=kind, via=via, user_id=user.pk, name=user.email)

    @classmethod
    def client(cls, *, via: Via, name: str = "") -> Actor:
        return cls(kind=ActorKind.CLIENT, via=via, name=name)

    @classmethod
    def system(cls) -> Actor:
        return cls(kind=ActorKind.SYSTEM, via=Via.SYSTEM)

    @property
    def is_client(self) -> bool:
        return self.kind == ActorKind.CLIENT


# --- Appointments (emitted by scheduling) --------------------------------------------------------------
class AppointmentStatus(models.TextChoices):
    """An appointment's status: the API's vocabulary, shared by every app that counts appointments."""

    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


@dataclass(frozen=True)
class AppointmentEvent:
    """Something happened to an appointment (a `scheduling.models.Appointment`, saved)."""

    appointment: Any
    actor: Actor


@dataclass(frozen=True)
class AppointmentBooked(AppointmentEvent):
    pass


@dataclass(frozen=True)
class AppointmentMoved(AppointmentEvent):
    previous_start: datetime
    previous_professional_id: Any
    previous_service_id: Any
    # Moved with the rest of its visit: `VisitMoved` follows and says it once for all the parts.
    whole_visit: bool = False


@dataclass(frozen=True)
class AppointmentDetailsChanged(AppointmentEvent):
    """Client details or notes changed; `previous_client_id` differs when the number moved it to another client."""

    fields: tuple[str, ...]
    previous_client_id: Any


@dataclass(frozen=True)
class AppointmentStatusChanged(AppointmentEvent):
    """The business confirmed, completed or marked a no-show (cancellations are `AppointmentCancelled`)."""

    previous_status: str


@dataclass(frozen=True)
class AppointmentCancelled(AppointmentEvent):
    previous_status: str
    reason: str
    # Cancelled with the rest of its visit: `VisitCancelled` follows and says it once for all the parts.
    whole_visit: bool = False


@dataclass(frozen=True)
class AppointmentClientConfirmed(AppointmentEvent):
    """The client said they will come; the status is the business's and does not change."""


# --- Clients (emitted by crm) --------------------------------------------------------------------------
@dataclass(frozen=True)
class ClientErased:
    """A client's personal data was erased (LGPD); the former values let others find their copies."""

    client: Any
    actor: Actor
    former_name: str
    former_whatsapp: str
    former_email: str


# --- Accounts (emitted by accounts and billing) ---------------------------------------------------------
@dataclass(frozen=True)
class AccountRegistered:
    """A business signed up: `business` is new, `user` its owner's login."""

    user: Any
    business: Any


@dataclass(frozen=True)
class AccountEmailRequested:
    """An email to a login about its account (verification, password reset, plan alerts).

    `business` is the one the email is about (it is logged with that business's messages).
    `to` is the recipient when it is not `user` (an invitation goes to an email that may have no
    login yet; `user` is then who invited it).
    """

    user: Any
    business: Any
    subject: str
    body: str
    to: str = ""


# --- Recurring series (emitted by scheduling) ------------------------------------------------------------
@dataclass(frozen=True)
class SeriesOccurrenceBooked(AppointmentBooked):
    """One occurrence of a series booked: heard as a booking; the client is told once, by `SeriesBooked`."""


@dataclass(frozen=True)
class SeriesBooked:
    """A recurring series was booked: `appointments` are the occurrences booked, in time order."""

    series: Any
    appointments: tuple[Any, ...]
    actor: Actor


@dataclass(frozen=True)
class SeriesOccurrenceCancelled(AppointmentCancelled):
    """One occurrence cancelled with the following ones: the client is told once, by `SeriesCancelled`."""


@dataclass(frozen=True)
class SeriesCancelled:
    """An occurrence and the following ones of a series were cancelled: `appointments`, in time order."""

    series: Any
    appointments: tuple[Any, ...]
    actor: Actor
    reason: str


# --- Visits: several appointments back to back (emitted by scheduling) ------------------------------------
@dataclass(frozen=True)
class VisitEvent:
    """Something happened to a whole visit (a `scheduling.models.Visit`); `appointments` are its
    parts concerned, in order, each of which has had its own appointment event already."""

    visit: Any
    appointments: tuple
    actor: Actor


@dataclass(frozen=True)
class VisitBooked(VisitEvent):
    pass


@dataclass(frozen=True)
class VisitMoved(VisitEvent):
    previous_start: datetime


@dataclass(frozen=True)
class VisitCancelled(VisitEvent):
    reason: str


# --- Waitlist (emitted by scheduling) ---------------------------------------------------------------
@dataclass(frozen=True)
class WaitlistTimeOffered:
    """A freed time was offered to a waiting client (`offer`: a `scheduling.models.WaitlistOffer`, saved)."""

    offer: Any


@dataclass(frozen=True)
class WaitlistOfferWithdrawn:
    """An open offer's time was taken by another client: the offer can no longer be claimed."""

    offer: Any
