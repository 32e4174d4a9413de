"""What arrives on the WhatsApp webhook: delivery statuses and clients' replies.

Status events only move a message forward (sent → delivered → read; they may skip a step or
arrive out of order). A reply — a quick-reply button or a text such as "1"/"SIM"/"confirmar"
or "2"/"NÃO"/"cancelar" — confirms or cancels the booking it answers, and is answered.
"""

import hashlib
import hmac
import logging
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agendazap.events import Actor, Via
from agendazap.ids import as_uuid
from notifications.models import Channel, InboundMessage, Kind, Message
from notifications.models import Status as MessageStatus
from notifications.services import appointment_context, appointment_manage_url, message_create
from scheduling import services as scheduling
from scheduling.models import Appointment, AppointmentStatus

logger = logging.getLogger(__name__)

CONFIRM_WORDS = frozenset({"1", "sim", "s", "confirmar", "confirmo", "confirmado", "confirma", "ok", "yes"})
CANCEL_WORDS = frozenset({"2", "nao", "n", "cancelar", "cancela", "cancelo", "cancelado", "no"})
RESCHEDULE_WORDS = frozenset({"3", "remarcar", "reagendar", "mudar"})
STATUS_RANK = {MessageStatus.SENT: 1, MessageStatus.DELIVERED: 2, MessageStatus.READ: 3}


def signature_valid(raw_body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is HMAC-SHA256 of the raw body (never of re-serialized JSON)."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def webhook_process(payload: dict) -> None:
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            for event in value.get("statuses") or []:
                status_apply(event)
            for inbound in value.get("messages") or []:
                reply_handle(inbound)


def status_apply(event: dict) -> None:
    new = event.get("status")
    message = Message.objects.filter(provider_message_id=event.get("id") or "-").first()
    if message is None or new not in ("sent", "delivered", "read", "failed"):
        return
    now = timezone.now()
    if new == "failed":
        errors = event.get("errors") or [{}]
        detail = "; ".join(f"{e.get('code', '')} {e.get('title', '')}".strip() for e in errors)
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, failed_at=now, last_error=detail or "failed", updated_at=now
        )
        return
    if STATUS_RANK.get(new, 0) <= STATUS_RANK.get(message.status, 0):
        return  # late or repeated event: never move backwards
    fields = {"status": new, "updated_at": now}
    if new in ("delivered", "read") and message.delivered_at is None:
        fields["delivered_at"] = now  # "read" may arrive without "delivered"
    if new == "read":
        fields["read_at"] = now
    Message.objects.filter(pk=message.pk).update(**fields)


def reply_handle(inbound: dict) -> None:
    wamid = inbound.get("id") or ""
    number = "+" + "".join(ch for ch in str(inbound.get("from", "")) if ch.isdigit())
    text, payload = _text_and_payload(inbound)
    context_id = (inbound.get("context") or {}).get("id", "")
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(
                wamid=wamid, from_number=number, text=text[:4000], payload=payload[:255], context_message_id=context_id
            )
    except IntegrityError:
        return  # the same event again: already handled
    action, appointment = _understand(number, text, payload, context_id)
    record.appointment, record.action = appointment, action
    record.save(update_fields=["appointment", "action"])
    if appointment is None:
        return
    with transaction.atomic():
        _act(action, appointment)


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
            else "unknown"
        )
    if appointment is None:
        # The message it answers, else the latest booking we wrote to this number about.
        ours = Message.objects.filter(recipient=number, appointment__isnull=False).select_related("appointment")
        answered = ours.filter(provider_message_id=context_id).first() if context_id else None
        answered = answered or ours.order_by("-created_at").first()
        appointment = answered.appointment if answered else None
    return action, appointment


def _normalize(text: str) -> str:
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.strip().lower()) if not unicodedata.combining(ch)
    )
    return stripped.strip(" .!?")


def _act(action: str, appointment: Appointment) -> None:
    appointment = Appointment.objects.select_related("owner", "service", "professional", "client").get(
        pk=appointment.pk
    )
    actor = Actor.client(via=Via.WHATSAPP, name=appointment.client_name)
    try:
        if action == "confirm":
            scheduling.appointment_client_confirm(appointment=appointment, actor=actor)
            _answer(appointment, _confirmed_answer(appointment))
            return
        if action == "cancel":
            scheduling.appointment_client_cancel(appointment=appointment, actor=actor)
            return  # the cancellation message is the answer
    except ValidationError as exc:
        _answer(appointment, " ".join(exc.messages))
        return
    if action == "reschedule":
        _answer(
            appointment, _("To choose another time, open: %(link)s") % {"link": appointment_manage_url(appointment)}
        )
    else:
        _answer(
            appointment,
            _("Reply 1 to confirm or 2 to cancel your booking. To reschedule: %(link)s")
            % {"link": appointment_manage_url(appointment)},
        )


def _confirmed_answer(appointment: Appointment) -> str:
    if appointment.status == AppointmentStatus.PENDING:
        return _("Thank you! We noted that you will come. %(business)s will confirm your booking.") % {
            "business": appointment.owner.business_name or appointment.owner.email
        }
    return _("Thank you for confirming. See you on %(date)s at %(time)s!") % {
        "date": appointment_context(appointment)["date"],
        "time": appointment_context(appointment)["time"],
    }


def _answer(appointment: Appointment, text: str) -> None:
    message_create(
        owner=appointment.owner,
        kind=Kind.REPLY,
        channel=Channel.WHATSAPP,
        recipient=appointment.client_whatsapp,
        context=appointment_context(appointment),
        appointment=appointment,
        client=appointment.client,
        body=text,
    )
