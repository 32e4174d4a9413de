"""Notifications' reactions to appointment events: what the client and the owner are told, and when;
and to an erased client: nothing more goes to them, and the messages kept no longer say who they were.

Registered in `NotificationsConfig.ready()`. Each runs inside the transaction of the change, so
the message rows commit or roll back with it; a message due now is handed over after commit.
Nothing is sent about the past: a visit recorded after the fact, or confirmed once it has
started, tells the client nothing.
"""

from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap import events
from notifications.models import Channel, InboundMessage, Kind, Message, NotificationSettings
from notifications.models import Status as MessageStatus
from notifications.services.delivery import ACTIVE, Draft, messages_create
from notifications.services.texts import (
    BusinessTexts,
    appointment_context,
    series_when_context,
    visit_context,
    waitlist_offer_context,
)
from scheduling.models import Appointment

ACTIVE_APPOINTMENT_STATUSES = (events.AppointmentStatus.PENDING, events.AppointmentStatus.CONFIRMED)
DEFAULT_REMINDER_OFFSETS = [24 * 60, 2 * 60]
REMINDER_MAX_MINUTES = 14 * 24 * 60  # a reminder at most two weeks before the start


# --- Settings ------------------------------------------------------------------------------------------
def notification_settings_get(*, business: Business) -> NotificationSettings:
    row, _created = NotificationSettings.objects.get_or_create(
        business=business, defaults={"reminder_offsets_minutes": DEFAULT_REMINDER_OFFSETS}
    )
    return row


SETTINGS_FIELDS = ("reminder_offsets_minutes", "follow_up_delay_minutes", "follow_up_enabled", "notify_owner")
TEMPLATE_FIELDS = ("kind", "channel", "subject", "body")


def notification_configuration_get(*, business: Business) -> tuple[NotificationSettings, BusinessTexts]:
    """The business's notification settings and its own texts, in one query (two the first time)."""
    rows = NotificationSettings.objects.filter(business=business).values_list(
        *SETTINGS_FIELDS, *(f"business__message_templates__{field}" for field in TEMPLATE_FIELDS)
    )
    if not rows:
        return notification_settings_get(business=business), BusinessTexts.of(business)
    settings_row = NotificationSettings(
        business=business, **dict(zip(SETTINGS_FIELDS, rows[0][: len(SETTINGS_FIELDS)], strict=True))
    )
    # Settings joined to each of the business's texts: one row per text, one row of nothing without any.
    texts = {(kind, channel): (subject, body) for *_settings, kind, channel, subject, body in rows if kind}
    return settings_row, BusinessTexts(texts)


@transaction.atomic
def notification_settings_update(*, business: Business, data: dict[str, Any]) -> NotificationSettings:
    row = notification_settings_get(business=business)
    if "reminder_offsets_minutes" in data:
        offsets = data["reminder_offsets_minutes"]
        if not isinstance(offsets, list) or not all(
            isinstance(n, int) and 0 < n <= REMINDER_MAX_MINUTES for n in offsets
        ):
            raise ValidationError(
                {"reminder_offsets_minutes": [_("A list of minutes before the start, each up to 14 days.")]}
            )
        row.reminder_offsets_minutes = sorted(set(offsets), reverse=True)[:5]
    for field in ("follow_up_delay_minutes", "follow_up_enabled", "notify_owner"):
        if field in data:
            setattr(row, field, data[field])
    row.save()
    return row


# --- Reactions -----------------------------------------------------------------------------------------
def on_booked(event: events.AppointmentBooked) -> None:
    """Confirmation now and reminders before the start; the owner told of a client's booking."""
    appointment = event.appointment
    if appointment.visit_id is not None or not _ahead(appointment):
        return  # a part of a visit: `on_visit_booked` tells the client once
    outbox = _Outbox(appointment)
    # An occurrence of a series has its reminders; its confirmation is the series' one (`on_series_booked`).
    if not isinstance(event, events.SeriesOccurrenceBooked):
        outbox.to_client(Kind.CONFIRMATION)
    outbox.reminders()
    if event.actor.is_client:
        outbox.to_owner(Kind.OWNER_NEW_BOOKING)
    outbox.write()


def on_series_booked(event: events.SeriesBooked) -> None:
    """One confirmation for a series, naming the dates booked (the first occurrence's link and buttons)."""
    ahead = [appointment for appointment in event.appointments if _ahead(appointment)]
    if not ahead:
        return
    outbox = _Outbox(ahead[0], when=series_when_context(ahead))
    outbox.to_client(Kind.CONFIRMATION)
    outbox.write()


def on_moved(event: events.AppointmentMoved) -> None:
    """Reminders follow the change (they name the time, service and professional); the client is
    told again only when the time or the professional changed, not for another service or length."""
    appointment = event.appointment
    _cancel_pending(appointment, kinds=(Kind.REMINDER,))
    if event.whole_visit:
        return  # `on_visit_moved` tells the client once
    if appointment.visit_id is not None:
        _visit_part_moved(event)
        return
    if not _ahead(appointment):
        return
    moved = (
        event.previous_start != appointment.start_time or event.previous_professional_id != appointment.professional_id
    )
    outbox = _Outbox(appointment)
    if moved:
        outbox.to_client(Kind.CONFIRMATION)
    outbox.reminders()
    if moved and event.actor.is_client:
        outbox.to_owner(Kind.OWNER_RESCHEDULE)
    outbox.write()


def on_status_changed(event: events.AppointmentStatusChanged) -> None:
    appointment = event.appointment
    outbox = _Outbox(appointment)
    if appointment.status == "confirmed" and event.previous_status in ("completed", "no_show"):
        # A mistaken visit status undone: the thank-you a completion scheduled must not go, and
        # the client, who is already there (or not), is told nothing.
        _cancel_pending(appointment, kinds=(Kind.FOLLOW_UP,))
    elif appointment.status == "confirmed" and appointment.visit_id is not None:
        _visit_part_confirmed(appointment)
    elif appointment.status == "confirmed":
        if _ahead(appointment):
            outbox.to_client(Kind.CONFIRMATION)
    elif appointment.status == "completed":
        _cancel_pending(appointment, kinds=(Kind.REMINDER,))
        preferences = outbox.settings
        if preferences.follow_up_enabled and not _follow_up_sent(appointment):
            # From the end of the visit, even when it is marked completed while still going on.
            due = max(appointment.end_time, timezone.now()) + timedelta(minutes=preferences.follow_up_delay_minutes)
            outbox.to_client(Kind.FOLLOW_UP, scheduled_at=due)
    elif appointment.status == "no_show":
        _cancel_pending(appointment, kinds=(Kind.REMINDER, Kind.FOLLOW_UP))
    outbox.write()


def on_cancelled(event: events.AppointmentCancelled) -> None:
    appointment = event.appointment
    _cancel_pending(appointment, kinds=(Kind.REMINDER, Kind.FOLLOW_UP, Kind.CONFIRMATION))
    if isinstance(event, events.SeriesOccurrenceCancelled):
        return  # the client is told once, by `on_series_cancelled`
    if event.whole_visit:
        return  # `on_visit_cancelled` tells the client once
    if appointment.visit_id is not None:
        # One part cancelled: the visit's reminders (carried by its first part) now name the rest.
        _visit_reminders_renew(appointment.visit_id)
    outbox = _Outbox(appointment)
    if _ahead(appointment):
        outbox.to_client(Kind.CANCELLATION)
    if event.actor.is_client:
        outbox.to_owner(Kind.OWNER_CANCELLATION)
    outbox.write()


def on_series_cancelled(event: events.SeriesCancelled) -> None:
    """One cancellation for an occurrence and the following ones, naming the dates still ahead."""
    ahead = [appointment for appointment in event.appointments if _ahead(appointment)]
    if not ahead:
        return
    outbox = _Outbox(ahead[0], when=series_when_context(ahead))
    outbox.to_client(Kind.CANCELLATION)
    if event.actor.is_client:
        outbox.to_owner(Kind.OWNER_CANCELLATION)
    outbox.write()


# --- Visits: the client hears once for all the parts -------------------------------------------------
def on_visit_booked(event: events.VisitBooked) -> None:
    """One confirmation and one set of reminders for the visit, naming every service, its total
    length and price; they hang on the first part (its buttons and manage link stand for the visit)."""
    _visit_confirmation(event, owner_kind=Kind.OWNER_NEW_BOOKING)


def on_visit_moved(event: events.VisitMoved) -> None:
    _visit_confirmation(event, owner_kind=Kind.OWNER_RESCHEDULE)


def _visit_confirmation(event: events.VisitEvent, *, owner_kind: str) -> None:
    parts = list(event.appointments)
    if not _ahead(parts[0]):
        return
    outbox = _Outbox(parts[0], visit_parts=parts)
    outbox.to_client(Kind.CONFIRMATION)
    outbox.reminders()
    if event.actor.is_client:
        outbox.to_owner(owner_kind)
    outbox.write()


def on_visit_cancelled(event: events.VisitCancelled) -> None:
    parts = list(event.appointments)
    outbox = _Outbox(parts[0], visit_parts=parts)
    if _ahead(parts[0]):
        outbox.to_client(Kind.CANCELLATION)
    if event.actor.is_client:
        outbox.to_owner(Kind.OWNER_CANCELLATION)
    outbox.write()


def _visit_part_moved(event: events.AppointmentMoved) -> None:
    """One part moved on its own: the client is told what that part is now (when its time or
    professional changed), and the visit's reminders are written again for what it is now."""
    appointment = event.appointment
    if _ahead(appointment) and (
        event.previous_start != appointment.start_time or event.previous_professional_id != appointment.professional_id
    ):
        outbox = _Outbox(appointment)
        outbox.to_client(Kind.CONFIRMATION)
        if event.actor.is_client:
            outbox.to_owner(Kind.OWNER_RESCHEDULE)
        outbox.write()
    _visit_reminders_renew(appointment.visit_id)


def _visit_part_confirmed(appointment) -> None:
    """The business confirmed a part of a pending visit: the client is told once, when the last
    part awaiting the business is confirmed, of the whole visit."""
    parts = _visit_active_parts(appointment.visit_id)
    if not parts or any(part.status == "pending" for part in parts) or not _ahead(parts[0]):
        return
    outbox = _Outbox(parts[0], visit_parts=parts)
    outbox.to_client(Kind.CONFIRMATION)
    outbox.write()


def _visit_reminders_renew(visit_id) -> None:
    """Replace the visit's pending reminders with one set for its active parts, on the first."""
    parts = _visit_active_parts(visit_id)
    Message.objects.filter(appointment__visit_id=visit_id, kind=Kind.REMINDER, status__in=ACTIVE).update(
        status=MessageStatus.CANCELLED, claimed_until=None, updated_at=timezone.now()
    )
    if parts and _ahead(parts[0]):
        outbox = _Outbox(parts[0], visit_parts=parts)
        outbox.reminders()
        outbox.write()


def _visit_active_parts(visit_id) -> list:
    return list(
        Appointment.objects.filter(visit_id=visit_id, status__in=ACTIVE_APPOINTMENT_STATUSES)
        .select_related("business", "service", "professional", "client")
        .order_by("start_time")
    )


class _Outbox:
    """The messages one change of an appointment causes, written together: the business's
    notification settings and texts are read once, and every row goes in one insert.

    With `visit_parts` (a visit's active parts, `appointment` the first), the texts name them all;
    `when` replaces the appointment's date placeholders (a series names all its dates)."""

    def __init__(self, appointment, *, visit_parts=None, when: dict[str, str] | None = None):
        self.appointment = appointment
        self.when = when or {}
        self.business = appointment.business
        self.visit_parts = visit_parts
        self.drafts: list[Draft] = []

    @cached_property
    def _configuration(self) -> tuple[NotificationSettings, BusinessTexts]:
        return notification_configuration_get(business=self.business)

    @property
    def settings(self) -> NotificationSettings:
        return self._configuration[0]

    @cached_property
    def context(self) -> dict[str, str]:
        if self.visit_parts and len(self.visit_parts) > 1:
            return {**visit_context(self.visit_parts), **self.when}
        return {**appointment_context(self.appointment), **self.when}

    def to_client(self, kind: str, *, scheduled_at: datetime | None = None) -> None:
        appointment = self.appointment
        client = appointment.client
        prefers_email = client.communication_preference == Channel.EMAIL
        if appointment.whatsapp_consent and not prefers_email and client.erased_at is None:
            channel, recipient = Channel.WHATSAPP, appointment.client_whatsapp
        elif appointment.client_email:
            channel, recipient = Channel.EMAIL, appointment.client_email
        else:
            return
        self.drafts.append(
            Draft(kind, channel, recipient, self.context, appointment, client, scheduled_at=scheduled_at)
        )

    def reminders(self) -> None:
        now = timezone.now()
        for minutes in self.settings.reminder_offsets_minutes:
            due = self.appointment.start_time - timedelta(minutes=minutes)
            if due > now:  # none in the past
                self.to_client(Kind.REMINDER, scheduled_at=due)

    def to_owner(self, kind: str) -> None:
        if not self.settings.notify_owner:
            return
        if self.business.whatsapp_number:
            self.drafts.append(
                Draft(kind, Channel.WHATSAPP, self.business.whatsapp_number, self.context, self.appointment)
            )
        self.drafts.append(Draft(kind, Channel.EMAIL, self.business.email, self.context, self.appointment))

    def write(self) -> None:
        if self.drafts:
            messages_create(business=self.business, drafts=self.drafts, texts=self._configuration[1])


def on_client_erased(event: events.ClientErased) -> None:
    """Cancel what would still go to the erased client and redact every message of the business about them.

    Found by the client, by their appointments (the owner's notices name them) and by the former
    number or email as recipient. Their WhatsApp replies are redacted too: those about the
    business's bookings, and those that matched no booking (nobody else's, and theirs).
    """
    client = event.client
    placeholder = client.whatsapp  # crm's placeholder for the number that is gone
    former = [value for value in (event.former_whatsapp, event.former_email) if value]
    with translation.override(settings.LANGUAGE_CODE):
        erased = _("[erased]")
    now = timezone.now()
    mentions = Message.objects.filter(business_id=client.business_id).filter(
        Q(client=client) | Q(appointment__client=client) | Q(recipient__in=former)
    )
    rows = Message.objects.filter(pk__in=list(mentions.values_list("pk", flat=True)))
    # A failed one too: retrying it would only reach the placeholder.
    rows.filter(status__in=(*ACTIVE, MessageStatus.FAILED)).update(
        status=MessageStatus.CANCELLED, claimed_until=None, updated_at=now
    )
    rows.filter(Q(client=client) | Q(recipient__in=former)).update(recipient=placeholder)
    rows.update(
        subject=_unless_blank("subject", erased),
        body=erased,
        template_params=[],
        last_error=_unless_blank("last_error", erased),
        updated_at=now,
    )
    if event.former_whatsapp:
        InboundMessage.objects.filter(from_number=event.former_whatsapp).filter(
            Q(appointment__business_id=client.business_id) | Q(appointment__isnull=True)
        ).update(from_number=placeholder, text=_unless_blank("text", erased), payload="")


def _unless_blank(field: str, text: str) -> Case:
    """`text` where `field` says something, blank where it was blank (a blank says nothing)."""
    return Case(When(**{field: ""}, then=Value("")), default=Value(text))


def _ahead(appointment, now: datetime | None = None) -> bool:
    return appointment.start_time > (now or timezone.now())


def _follow_up_sent(appointment) -> bool:
    """Whether a thank-you already went (or is going) out: completed again after an undo, or
    another part of the same visit completed, the client is not thanked twice. A cancelled or
    failed one reached nobody."""
    # A visit's client is thanked once, for its first part completed.
    about = Q(appointment__visit_id=appointment.visit_id) if appointment.visit_id else Q(appointment=appointment)
    return (
        Message.objects.filter(about, kind=Kind.FOLLOW_UP)
        .exclude(status__in=(MessageStatus.CANCELLED, MessageStatus.FAILED))
        .exists()
    )


def _cancel_pending(appointment, *, kinds) -> None:
    Message.objects.filter(appointment=appointment, kind__in=kinds, status__in=ACTIVE).update(
        status=MessageStatus.CANCELLED, claimed_until=None, updated_at=timezone.now()
    )


def on_waitlist_offered(event: events.WaitlistTimeOffered) -> None:
    """The waiting client is offered the freed time on WhatsApp (they agreed to it when joining)."""
    _waitlist_message(event.offer, Kind.WAITLIST_OFFER)


def on_waitlist_withdrawn(event: events.WaitlistOfferWithdrawn) -> None:
    """A client who was offered a time someone else booked is told it is gone."""
    _waitlist_message(event.offer, Kind.WAITLIST_TAKEN)


def _waitlist_message(offer, kind: str) -> None:
    entry = offer.entry
    if not entry.consent_whatsapp:
        return
    messages_create(
        business=entry.business,
        drafts=[
            Draft(
                kind=kind,
                channel=Channel.WHATSAPP,
                recipient=entry.client_whatsapp,
                context=waitlist_offer_context(offer),
                client=entry.client,
                claim_token=offer.token,
            )
        ],
    )
