"""Notifications: messages written with the change that causes them, handed to Celery when due,
and sent at least once, not twice where it can be helped.

- `notify_*` are called by scheduling's services inside their transaction: the rows commit or
  roll back with the booking. A message due now is handed over as soon as that commits.
- `messages_hand_over` moves due rows to `queued` under row locks (SKIP LOCKED, so two beats or
  workers scanning at once take different rows) and enqueues one task per row after commit.
  Reminders wait here, in the database, not as Celery ETAs.
- `message_send` claims the row with a conditional UPDATE (a duplicate or redelivered task finds
  it claimed or sent and does nothing), sends, and records the outcome. Temporary failures go
  back to `pending` with an exponential backoff; permanent ones and the last attempt fail.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from agendazap.errors import PlanLimitExceeded
from billing.services import plan_message_release, plan_message_reserve
from notifications import texts
from notifications.backends import PermanentSendError, TransientSendError, WindowClosedError, whatsapp_backend
from notifications.models import Channel, InboundMessage, Kind, Message, MessageTemplate, NotificationSettings, Queue
from notifications.models import Status as MessageStatus

logger = logging.getLogger(__name__)

QUEUE_FOR_KIND = {
    Kind.CONFIRMATION: Queue.CONFIRMATIONS,
    Kind.REMINDER: Queue.REMINDERS,
    Kind.CANCELLATION: Queue.CANCELLATIONS,
    Kind.FOLLOW_UP: Queue.FOLLOW_UPS,
}
# Kinds that always go as approved templates: they reach clients who have not written lately.
TEMPLATE_KINDS = frozenset(
    {
        Kind.CONFIRMATION,
        Kind.REMINDER,
        Kind.CANCELLATION,
        Kind.FOLLOW_UP,
        Kind.OWNER_NEW_BOOKING,
        Kind.OWNER_CANCELLATION,
    }
)
BUTTON_KINDS = frozenset({Kind.CONFIRMATION, Kind.REMINDER})
DEFAULT_REMINDER_OFFSETS = [24 * 60, 2 * 60]
SERVICE_WINDOW = timedelta(hours=24)
# A queued row whose task never started (the broker lost it, or Redis was down) is handed over
# again after this long.
HAND_OVER_GRACE = timedelta(minutes=5)
ACTIVE = (MessageStatus.PENDING, MessageStatus.QUEUED)


# --- Settings and templates ---------------------------------------------------------------------
def notification_settings_get(*, owner: User) -> NotificationSettings:
    row, _created = NotificationSettings.objects.get_or_create(
        owner=owner, defaults={"reminder_offsets_minutes": DEFAULT_REMINDER_OFFSETS}
    )
    return row


@transaction.atomic
def notification_settings_update(*, owner: User, data: dict[str, Any]) -> NotificationSettings:
    row = notification_settings_get(owner=owner)
    if "reminder_offsets_minutes" in data:
        offsets = data["reminder_offsets_minutes"]
        if not isinstance(offsets, list) or not all(isinstance(n, int) and 0 < n <= 60 * 24 * 14 for n in offsets):
            raise _invalid("reminder_offsets_minutes", _("A list of minutes before the start, each up to 14 days."))
        row.reminder_offsets_minutes = sorted(set(offsets), reverse=True)[:5]
    for field in ("follow_up_delay_minutes", "follow_up_enabled", "notify_owner"):
        if field in data:
            setattr(row, field, data[field])
    row.save()
    return row


def template_get(*, owner: User, kind: str, channel: str) -> tuple[str, str, bool]:
    """(subject, body, is_custom) for a kind and channel: the business's own, or the default."""
    custom = MessageTemplate.objects.filter(owner=owner, kind=kind, channel=channel).first()
    if custom:
        return custom.subject, custom.body, True
    subject, body = texts.default_text(kind, channel)
    return subject, body, False


@transaction.atomic
def template_save(*, owner: User, kind: str, channel: str, body: str, subject: str = "") -> MessageTemplate:
    if kind not in Kind.values or kind in (Kind.REPLY, Kind.TEST, Kind.ACCOUNT):
        raise _invalid("kind", _("This kind of message has no editable text."))
    if channel not in Channel.values:
        raise _invalid("channel", _("Choose whatsapp or email."))
    body = (body or "").strip()
    if not body:
        raise _invalid("body", _("This field is required."))
    errors = {}
    for field, text in (("body", body), ("subject", subject or "")):
        try:
            texts.text_validate(text)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    template, _created = MessageTemplate.objects.update_or_create(
        owner=owner, kind=kind, channel=channel, defaults={"body": body, "subject": (subject or "").strip()}
    )
    return template


def template_reset(*, owner: User, kind: str, channel: str) -> None:
    MessageTemplate.objects.filter(owner=owner, kind=kind, channel=channel).delete()


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def template_preview(*, owner: User, kind: str, channel: str, body: str | None = None, subject: str | None = None):
    """Render a template (the saved one, or the text given) with an example booking."""
    saved_subject, saved_body, _custom = template_get(owner=owner, kind=kind, channel=channel)
    body = saved_body if body is None else body
    subject = saved_subject if subject is None else subject
    texts.text_validate(body)
    texts.text_validate(subject)
    tz = timezone.get_current_timezone()
    start = (timezone.now() + timedelta(days=1)).astimezone(tz).replace(hour=14, minute=0, second=0, microsecond=0)
    context = {
        **_business_context(owner),
        "client_name": "Maria Silva",
        "service": _("Haircut"),
        "professional": owner.business_name or owner.email,
        **_when_context(start),
        "status": _("confirmed"),
        "reason": "",
        "manage_link": f"{settings.PUBLIC_BASE_URL}{reverse('public:business', args=[owner.business_slug])}",
    }
    return texts.Rendered(subject=texts.text_render(subject, context), body=texts.text_render(body, context))


# --- Events from the agenda ---------------------------------------------------------------------------
def notify_booked(*, appointment, by_client: bool) -> None:
    """Confirmation now, reminders before the start, and the owner told of a client's booking."""
    _to_client(appointment, Kind.CONFIRMATION)
    _schedule_reminders(appointment)
    if by_client:
        _to_owner(appointment, Kind.OWNER_NEW_BOOKING)


def notify_confirmed(*, appointment) -> None:
    _to_client(appointment, Kind.CONFIRMATION)


def notify_moved(*, appointment) -> None:
    _cancel_pending(appointment, kinds=(Kind.REMINDER,))
    _to_client(appointment, Kind.CONFIRMATION)
    _schedule_reminders(appointment)


def notify_cancelled(*, appointment, by_client: bool) -> None:
    _cancel_pending(appointment, kinds=(Kind.REMINDER, Kind.FOLLOW_UP, Kind.CONFIRMATION))
    _to_client(appointment, Kind.CANCELLATION)
    if by_client:
        _to_owner(appointment, Kind.OWNER_CANCELLATION)


def notify_completed(*, appointment) -> None:
    _cancel_pending(appointment, kinds=(Kind.REMINDER,))
    preferences = notification_settings_get(owner=appointment.owner)
    if preferences.follow_up_enabled:
        due = timezone.now() + timedelta(minutes=preferences.follow_up_delay_minutes)
        _to_client(appointment, Kind.FOLLOW_UP, scheduled_at=due)


def notify_no_show(*, appointment) -> None:
    _cancel_pending(appointment, kinds=(Kind.REMINDER, Kind.FOLLOW_UP))


def _schedule_reminders(appointment) -> None:
    now = timezone.now()
    for minutes in notification_settings_get(owner=appointment.owner).reminder_offsets_minutes:
        due = appointment.start_time - timedelta(minutes=minutes)
        if due > now:  # none in the past
            _to_client(appointment, Kind.REMINDER, scheduled_at=due)


def _cancel_pending(appointment, *, kinds) -> None:
    Message.objects.filter(appointment=appointment, kind__in=kinds, status__in=ACTIVE).update(
        status=MessageStatus.CANCELLED, claimed_until=None, updated_at=timezone.now()
    )


def _to_client(appointment, kind: str, *, scheduled_at: datetime | None = None) -> None:
    context = appointment_context(appointment)
    client = appointment.client
    prefers_email = client is not None and client.communication_preference == Channel.EMAIL
    if appointment.whatsapp_consent and not prefers_email and client is not None and client.erased_at is None:
        message_create(
            owner=appointment.owner,
            kind=kind,
            channel=Channel.WHATSAPP,
            recipient=appointment.client_whatsapp,
            context=context,
            appointment=appointment,
            client=client,
            scheduled_at=scheduled_at,
        )
    elif appointment.client_email:
        message_create(
            owner=appointment.owner,
            kind=kind,
            channel=Channel.EMAIL,
            recipient=appointment.client_email,
            context=context,
            appointment=appointment,
            client=client,
            scheduled_at=scheduled_at,
        )


def _to_owner(appointment, kind: str) -> None:
    owner = appointment.owner
    if not notification_settings_get(owner=owner).notify_owner:
        return
    context = appointment_context(appointment)
    if owner.whatsapp_number:
        message_create(
            owner=owner,
            kind=kind,
            channel=Channel.WHATSAPP,
            recipient=owner.whatsapp_number,
            context=context,
            appointment=appointment,
        )
    message_create(
        owner=owner, kind=kind, channel=Channel.EMAIL, recipient=owner.email, context=context, appointment=appointment
    )


def appointment_context(appointment) -> dict[str, str]:
    """Placeholder values for an appointment, in the business's time zone and language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _appointment_context(appointment)


def _appointment_context(appointment) -> dict[str, str]:
    owner = appointment.owner
    start = appointment.start_time.astimezone(ZoneInfo(owner.timezone))
    status_text = {
        "pending": _("awaiting the business's confirmation"),
        "confirmed": _("confirmed"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
        "no_show": _("missed"),
    }
    return {
        **_business_context(owner),
        "client_name": appointment.client_name,
        "service": appointment.service.name,
        "professional": appointment.professional.name,
        **_when_context(start),
        "status": status_text.get(appointment.status, appointment.status),
        "reason": appointment.cancellation_reason,
        "manage_link": appointment_manage_url(appointment),
    }


def appointment_manage_url(appointment) -> str:
    """The client's private page for this booking (no login: the token is the key)."""
    path = reverse("public:manage", args=[appointment.owner.business_slug, appointment.manage_token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _business_context(owner: User) -> dict[str, str]:
    return {
        "business": owner.business_name or owner.email,
        "address": owner.address,
        "business_whatsapp": owner.whatsapp_number,
    }


def _when_context(start: datetime) -> dict[str, str]:
    return {
        "date": formats.date_format(start, "d/m/Y"),
        # Portuguese writes weekdays in lowercase inside a sentence ("na segunda-feira").
        "weekday": formats.date_format(start, "l").lower()
        if translation.get_language().startswith("pt")
        else formats.date_format(start, "l"),
        "time": start.strftime("%H:%M"),
    }


# --- Writing and handing over ---------------------------------------------------------------------------
def message_create(
    *,
    owner: User,
    kind: str,
    channel: str,
    recipient: str,
    context: dict[str, str],
    appointment=None,
    client=None,
    scheduled_at: datetime | None = None,
    body: str | None = None,
) -> Message:
    """Write one message (in the caller's transaction); one due now is handed over after commit."""
    with translation.override(settings.LANGUAGE_CODE):
        subject_text, body_text, _custom = template_get(owner=owner, kind=kind, channel=channel)
        rendered_body = body if body is not None else texts.text_render(body_text, context)
        rendered_subject = texts.text_render(subject_text, context) if channel == Channel.EMAIL else ""
    now = timezone.now()
    message = Message.objects.create(
        owner=owner,
        appointment=appointment,
        client=client,
        channel=channel,
        kind=kind,
        queue=Queue.EMAIL if channel == Channel.EMAIL else QUEUE_FOR_KIND.get(kind, Queue.WHATSAPP),
        recipient=recipient,
        subject=rendered_subject[:255],
        body=rendered_body,
        template_name=settings.WHATSAPP_TEMPLATE_NAMES.get(kind, settings.WHATSAPP_TEMPLATE_NAMES["message"]),
        template_language=settings.WHATSAPP_TEMPLATE_LANGUAGE,
        template_params=_template_params(kind, context, rendered_body),
        buttons=_buttons(kind, appointment),
        scheduled_at=scheduled_at or now,
    )
    if message.scheduled_at <= now:
        transaction.on_commit(lambda: messages_hand_over(message_ids=[message.pk]))
    return message


def _template_params(kind: str, context: dict[str, str], body: str) -> list[str]:
    if kind in TEMPLATE_KINDS:
        keys = ("client_name", "service", "professional", "weekday", "date", "time", "business")
        return [context.get(key) or "-" for key in keys]
    return [body]


def _buttons(kind: str, appointment) -> list[str]:
    if kind not in BUTTON_KINDS or appointment is None:
        return []
    return [f"CONFIRM:{appointment.pk}", f"CANCEL:{appointment.pk}", f"RESCHEDULE:{appointment.pk}"]


def messages_hand_over(*, message_ids=None, now: datetime | None = None, limit: int = 500) -> int:
    """Queue due messages (and ones left behind) for the workers; return how many.

    Safe to run from two beats or many workers at once: rows are taken FOR UPDATE SKIP LOCKED
    and moved to `queued` in the same transaction; tasks are sent after commit.
    """
    now = now or timezone.now()
    due = (
        Q(status=MessageStatus.PENDING, scheduled_at__lte=now)
        # claimed by a worker that died mid-send (the claim expired)
        | Q(status=MessageStatus.QUEUED, claimed_until__lt=now)
        # queued but its task never ran (lost by the broker, or Redis was down)
        | Q(status=MessageStatus.QUEUED, claimed_until__isnull=True, queued_at__lte=now - HAND_OVER_GRACE)
    )
    with transaction.atomic():
        rows = Message.objects.filter(due).order_by("scheduled_at").select_for_update(skip_locked=True)
        if message_ids is not None:
            rows = rows.filter(pk__in=message_ids)
        picked = list(rows.values_list("pk", "queue")[:limit])
        if picked:
            Message.objects.filter(pk__in=[pk for pk, _queue in picked]).update(
                status=MessageStatus.QUEUED, queued_at=now, claimed_until=None, updated_at=now
            )
            transaction.on_commit(lambda: _enqueue(picked))
    return len(picked)


def _enqueue(picked) -> None:
    # Imported here: tasks import this module.
    from notifications.tasks import send_message_task

    for pk, queue in picked:
        try:
            send_message_task.apply_async(args=[str(pk)], queue=queue)
        except Exception:  # broker down: the row goes back to pending and the next scan retries
            logger.warning("Could not enqueue message %s; it stays in the database for the next scan", pk)
            Message.objects.filter(pk=pk, status=MessageStatus.QUEUED, claimed_until__isnull=True).update(
                status=MessageStatus.PENDING, queued_at=None
            )


# --- Sending ---------------------------------------------------------------------------------------------
def message_send(*, message_id, now: datetime | None = None) -> str:
    """Send one queued message once; return what happened: sent, retry, failed or skipped."""
    now = now or timezone.now()
    claim = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)
    claimed = (
        Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + claim, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return "skipped"  # sent, cancelled, or another worker has it
    message = Message.objects.select_related("owner").get(pk=message_id)
    reserved_month = None
    try:
        if message.channel == Channel.WHATSAPP:
            reserved_month = plan_message_reserve(owner=message.owner)
            provider_id = _send_whatsapp(message)
        else:
            provider_id = _send_email(message)
    except PlanLimitExceeded as exc:
        return _fail(message, str(exc.detail))
    except PermanentSendError as exc:
        _release(message, reserved_month)
        return _fail(message, str(exc))
    except TransientSendError as exc:
        _release(message, reserved_month)
        if message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            return _fail(message, str(exc))
        delay = _backoff(message.attempts, exc.retry_after)
        Message.objects.filter(pk=message.pk, claimed_until__isnull=False).update(
            status=MessageStatus.PENDING,
            claimed_until=None,
            scheduled_at=timezone.now() + delay,
            last_error=str(exc)[:2000],
            updated_at=timezone.now(),
        )
        return "retry"
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id,
        claimed_until=None,
        last_error="",
        updated_at=timezone.now(),
    )
    return "sent"


def _send_whatsapp(message: Message) -> str:
    backend = whatsapp_backend()
    as_template = message.kind in TEMPLATE_KINDS or not _window_open(message.recipient)
    try:
        return backend.send(message, as_template=as_template)
    except WindowClosedError:
        # Our record of the window was wrong (or it closed meanwhile): the template may still go.
        return backend.send(message, as_template=True)


def _window_open(number: str) -> bool:
    """Whether the client wrote to us in the last 24 hours (free text is then allowed)."""
    since = timezone.now() - SERVICE_WINDOW
    return InboundMessage.objects.filter(from_number=number, received_at__gte=since).exists()


def _send_email(message: Message) -> str:
    message_id = make_msgid(domain="agendazap")
    email = EmailMessage(
        subject=message.subject, body=message.body, to=[message.recipient], headers={"Message-ID": message_id}
    )
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentSendError(f"Email refused: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        error = PermanentSendError if 500 <= exc.smtp_code < 600 else TransientSendError
        raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # connection refused, timeouts
        raise TransientSendError(f"SMTP unreachable: {exc.__class__.__name__}") from exc
    return message_id


def _backoff(attempts: int, retry_after: int | None) -> timedelta:
    seconds = settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    if retry_after:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=min(seconds, settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def _release(message: Message, month) -> None:
    if month is not None:
        plan_message_release(owner=message.owner, month=month)


def _fail(message: Message, reason: str) -> str:
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED,
        failed_at=timezone.now(),
        claimed_until=None,
        last_error=reason[:2000],
        updated_at=timezone.now(),
    )
    return "failed"


# --- The owner's actions on its messages --------------------------------------------------------------
def messages_retry_failed(*, owner: User, queue: str) -> int:
    """Send the business's failed messages of a queue again, from the first attempt."""
    with transaction.atomic():
        ids = list(
            Message.objects.filter(owner=owner, queue=queue, status=MessageStatus.FAILED).values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.PENDING,
            attempts=0,
            scheduled_at=timezone.now(),
            failed_at=None,
            claimed_until=None,
            updated_at=timezone.now(),
        )
        transaction.on_commit(lambda: messages_hand_over(message_ids=ids))
    return len(ids)


def messages_clear_failed(*, owner: User, queue: str) -> int:
    deleted, _details = Message.objects.filter(owner=owner, queue=queue, status=MessageStatus.FAILED).delete()
    return deleted


@transaction.atomic
def message_send_test(*, owner: User, channel: str, recipient: str, body: str = "", subject: str = "") -> Message:
    """Queue a test message to check the business's WhatsApp or email set-up (counts toward the plan)."""
    message = message_create(
        owner=owner,
        kind=Kind.TEST,
        channel=channel,
        recipient=recipient,
        context=_business_context(owner),
        body=body.strip() or None,
    )
    if channel == Channel.EMAIL and subject.strip():
        message.subject = subject.strip()[:255]
        message.save(update_fields=["subject"])
    return message
