"""What arrives on the WhatsApp webhook: delivery statuses and clients' replies.

Status events only move a sent message forward (sent → delivered → read; they may skip a step
or arrive out of order). Meta's "failed" counts after "sent" or "delivered" (a message can fail
after reaching the phone's server) and is final for status events: only a resend leaves it. A
read message stays read. No status event moves a message out of `cancelled`, `pending` or
`queued`: those are ours, and a late event for an earlier send must not revive them.

A reply — a quick-reply button or a text such as "1"/"SIM"/"confirmar" or "2"/"NÃO"/"cancelar"
— confirms or cancels the booking it answers, and is answered. Each reply is recorded and acted
on in one transaction keyed by its wamid: a webhook retried after a failure acts, a repeat of a
handled one does nothing.
"""

import hashlib
import hmac
import logging
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from agendazap.events import Actor, Via
from agendazap.ids import as_uuid
from notifications.models import Channel, InboundMessage, Kind, Message
from notifications.models import Status as MessageStatus
from notifications.services import appointment_context, appointment_manage_url, message_create
from notifications.services.texts import waitlist_offer_context
from scheduling import services as scheduling
from scheduling.calendar_links import waitlist_claim_url
from scheduling.models import Appointment, AppointmentStatus, WaitlistOffer

logger = logging.getLogger(__name__)

CONFIRM_WORDS = frozenset({"1", "sim", "s", "confirmar", "confirmo", "confirmado", "confirma", "ok", "yes"})
CANCEL_WORDS = frozenset({"2", "nao", "n", "cancelar", "cancela", "cancelo", "cancelado", "no"})
RESCHEDULE_WORDS = frozenset({"3", "remarcar", "reagendar", "mudar"})
# What a reply can answer: messages to the client about its booking. The owner's notices (and
# test or account messages) go to the owner's own number and must never act on a booking.
CLIENT_KINDS = (Kind.CONFIRMATION, Kind.REMINDER, Kind.CANCELLATION, Kind.FOLLOW_UP, Kind.REPLY)
# The statuses a status event may move a message from ("sent" moves nothing: our send recorded it).
STATUS_MOVES_FROM = {
    MessageStatus.DELIVERED: (MessageStatus.SENT,),
    MessageStatus.READ: (MessageStatus.SENT, MessageStatus.DELIVERED),
    MessageStatus.FAILED: (MessageStatus.SENT, MessageStatus.DELIVERED),
}
# Each automatic "how to reply" answer costs the business a message: one per number and day.
HELP_ANSWER_EVERY = timedelta(hours=24)
# InboundMessage.action: what the text was understood as. "help" is an unknown text that got the
# "how to reply" answer; "unknown" one that was left unanswered (one already went out that day).
HELP, UNKNOWN = "help", "unknown"
# The waitlist offer's quick reply (`WAITLIST:<claim token>`), understood as "waitlist".
WAITLIST_PAYLOAD, WAITLIST = "WAITLIST:", "waitlist"


def signature_valid(raw_body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is HMAC-SHA256 of the raw body (never of re-serialized JSON)."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def webhook_process(payload: dict) -> int:
    """Handle every event of a delivery, each on its own; return how many failed.

    The caller answers Meta with an error when any failed, so Meta sends the whole delivery
    again: the events handled already are recognized by their wamid (replies) or change nothing
    the second time (statuses), and the failed ones get another chance.
    """
    failed = 0
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            events = [(status_apply, event) for event in value.get("statuses") or []]
            events += [(reply_handle, inbound) for inbound in value.get("messages") or []]
            for handle, event in events:
                try:
                    handle(event)
                except Exception:  # one bad event must not keep the rest of the delivery from being handled
                    logger.exception("WhatsApp webhook event %s failed; Meta will deliver it again", event.get("id"))
                    failed += 1
    return failed


def status_apply(event: dict) -> None:
    new = event.get("status")
    wamid = event.get("id")
    if not wamid or new not in STATUS_MOVES_FROM:
        return
    now = timezone.now()
    if new == MessageStatus.FAILED:
        errors = event.get("errors") or [{}]
        detail = "; ".join(f"{e.get('code', '')} {e.get('title', '')}".strip() for e in errors)
        fields = {"failed_at": now, "last_error": detail or "failed"}
    else:
        # "read" may arrive without "delivered"
        fields = {"delivered_at": Coalesce(F("delivered_at"), Value(now, output_field=DateTimeField()))}
        if new == MessageStatus.READ:
            fields["read_at"] = now
    # One conditional UPDATE: a send, a cancel or another event meanwhile is never overwritten.
    Message.objects.filter(provider_message_id=wamid, status__in=STATUS_MOVES_FROM[new]).update(
        status=new, updated_at=now, **fields
    )


def reply_handle(inbound: dict) -> None:
    """Record a client's reply and act on it in one transaction (the outermost: no caller wraps it).

    Should acting fail, the record rolls back with it and Meta's retry finds the wamid new. Two
    deliveries of one wamid at once: the second insert waits on the unique wamid until the first
    commits, then is a duplicate.
    """
    wamid = inbound.get("id") or ""
    number = "+" + "".join(ch for ch in str(inbound.get("from", "")) if ch.isdigit())
    text, payload = _text_and_payload(inbound)
    context_id = (inbound.get("context") or {}).get("id", "")
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                record = InboundMessage.objects.create(
                    wamid=wamid,
                    from_number=number,
                    text=text[:4000],
                    payload=payload[:255],
                    context_message_id=context_id,
                )
        except IntegrityError:
            return  # the same event again: already handled
        if payload.startswith(WAITLIST_PAYLOAD):
            record.action = _waitlist_reply(payload.removeprefix(WAITLIST_PAYLOAD), number)
            record.save(update_fields=["action"])
            return
        action, appointment = _understand(number, text, payload, context_id)
        if appointment is not None:
            action = _act(action, appointment, number)
        record.appointment, record.action = appointment, action
        record.save(update_fields=["appointment", "action"])


def _waitlist_reply(token: str, number: str) -> str:
    """The waitlist offer's quick reply: answered with the offer's claim link (booking takes a tap there,
    where the client sees the time and whether it is still free)."""
    offer = (
        WaitlistOffer.objects.filter(token=token, entry__client_whatsapp=number)
        .select_related("entry__business", "entry__service", "entry__client", "professional")
        .first()
    )
    if offer is None:
        return UNKNOWN
    message_create(
        business=offer.entry.business,
        kind=Kind.REPLY,
        channel=Channel.WHATSAPP,
        recipient=number,
        context=waitlist_offer_context(offer),
        client=offer.entry.client,
        body=_("To book this time, confirm here: %(link)s") % {"link": waitlist_claim_url(offer)},
    )
    return WAITLIST


def _text_and_payload(inbound: dict) -> tuple[str, str]:
    kind = inbound.get("type")
    if kind == "text":
        return (inbound.get("text") or {}).get("body", ""), ""
    if kind == "button":
        button = inbound.get("button") or {}
        return button.get("text", ""), button.get("payload", "")
    if kind == "interactive":
        reply = (inbound.get("interactive") or {}).get("button_reply") or {}
        return reply.get("title", ""), reply.get("id", "")
    return "", ""


def _understand(number: str, text: str, payload: str, context_id: str) -> tuple[str, Appointment | None]:
    """What the reply says, and the booking it is about (None: act on nothing, answer nothing).

    - A button names its booking (`CONFIRM:<id>`), which must be this number's.
    - A reply quoting our message (Meta's `context.id`) is about that message's booking, of the
      business that sent it; a quoted owner's notice is about nothing.
    - Otherwise it answers the latest message we wrote to this number as a client, of whichever
      business: someone who is a client of two businesses answers the one that wrote last. That
      message is taken only when its booking is still ahead and active, so a stray "2" weeks
      after a visit acts on nothing rather than on a guess.
    """
    quoted = (
        Message.objects.filter(provider_message_id=context_id, recipient=number).select_related("appointment").first()
        if context_id
        else None
    )
    if quoted is not None and quoted.kind not in CLIENT_KINDS:
        return "", None
    appointment = None
    action = ""
    if ":" in payload:
        verb, _sep, appointment_id = payload.partition(":")
        action = {"CONFIRM": "confirm", "CANCEL": "cancel", "RESCHEDULE": "reschedule"}.get(verb, "")
        appointment = Appointment.objects.filter(pk=as_uuid(appointment_id), client_whatsapp=number).first()
    if not action:
        word = _normalize(text)
        action = (
            "confirm"
            if word in CONFIRM_WORDS
            else "cancel"
            if word in CANCEL_WORDS
            else "reschedule"
            if word in RESCHEDULE_WORDS
            else UNKNOWN
        )
    if appointment is None and quoted is not None:
        appointment = quoted.appointment
    elif appointment is None:
        latest = (
            Message.objects.filter(recipient=number, kind__in=CLIENT_KINDS, appointment__isnull=False)
            .select_related("appointment")
            .order_by("-created_at")
            .first()
        )
        if latest is not None and _active_ahead(latest.appointment):
            appointment = latest.appointment
    return action, appointment


def _active_ahead(appointment: Appointment) -> bool:
    return appointment.status in (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED) and (
        appointment.start_time > timezone.now()
    )


def _normalize(text: str) -> str:
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.strip().lower()) if not unicodedata.combining(ch)
    )
    return stripped.strip(" .!?")


def _act(action: str, appointment: Appointment, number: str) -> str:
    """Do what the reply asks and answer it; return what it was understood as."""
    # Locked: two replies about one booking at once take turns (and count the day's answers right).
    appointment = (
        Appointment.objects.select_related("business", "service", "professional", "client")
        .select_for_update(of=("self",))
        .get(pk=appointment.pk)
    )
    actor = Actor.client(via=Via.WHATSAPP, name=appointment.client_name)
    try:
        if action == "confirm":
            scheduling.appointment_client_confirm(appointment=appointment, actor=actor)
            _answer(appointment, _confirmed_answer(appointment))
            return action
        if action == "cancel":
            # A visit's messages stand for all its parts: "cancel" cancels the visit.
            cancel = scheduling.visit_client_cancel if appointment.visit_id else scheduling.appointment_client_cancel
            cancel(appointment=appointment, actor=actor)
            return action  # the cancellation message is the answer
    except ValidationError as exc:
        _answer(appointment, " ".join(exc.messages))
        return action
    if action == "reschedule":
        _answer(
            appointment, _("To choose another time, open: %(link)s") % {"link": appointment_manage_url(appointment)}
        )
        return action
    if _helped_lately(number, appointment.business_id):
        return UNKNOWN
    _answer(
        appointment,
        _("Reply 1 to confirm or 2 to cancel your booking. To reschedule: %(link)s")
        % {"link": appointment_manage_url(appointment)},
    )
    return HELP


def _helped_lately(number: str, business_id) -> bool:
    """Whether this business already told this number how to reply in the last 24 hours."""
    since = timezone.now() - HELP_ANSWER_EVERY
    return InboundMessage.objects.filter(
        from_number=number, action=HELP, appointment__business_id=business_id, received_at__gte=since
    ).exists()


def _confirmed_answer(appointment: Appointment) -> str:
    if appointment.status == AppointmentStatus.PENDING:
        return _("Thank you! We noted that you will come. %(business)s will confirm your booking.") % {
            "business": appointment.business.name or appointment.business.email
        }
    return _("Thank you for confirming. See you on %(date)s at %(time)s!") % {
        "date": appointment_context(appointment)["date"],
        "time": appointment_context(appointment)["time"],
    }


def _answer(appointment: Appointment, text: str) -> None:
    message_create(
        business=appointment.business,
        kind=Kind.REPLY,
        channel=Channel.WHATSAPP,
        recipient=appointment.client_whatsapp,
        context=appointment_context(appointment),
        appointment=appointment,
        client=appointment.client,
        body=text,
    )
