"""Delivery: messages written with the change that causes them, handed to Celery when due,
and sent at least once, not twice where it can be helped.

- `message_create` writes a row in the caller's transaction (`messages_create` the several rows one
  change causes, in one insert); one due now is handed over as soon as that commits.
- `messages_hand_over` moves due rows to `queued` under row locks (SKIP LOCKED, so two beats or
  workers scanning at once take different rows) and enqueues one task per row after commit.
  Reminders wait here, in the database, not as Celery ETAs.
- `message_send` claims the row with a conditional UPDATE (a duplicate or redelivered task finds
  it claimed or sent and does nothing), sends, and records the outcome. Temporary failures go
  back to `pending` with an exponential backoff; permanent ones and the last attempt fail.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Business, User
from agendazap.errors import PlanLimitExceeded, TooManyAttempts
from agendazap.phones import phone_to_e164
from agendazap.ratelimit import allow
from billing.selectors import plan_limits_columns, plan_limits_from_columns
from billing.services import plan_message_release, plan_message_reserve
from notifications.backends import PermanentSendError, TransientSendError, WindowClosedError, whatsapp_backend
from notifications.models import Channel, InboundMessage, Kind, Message, Queue
from notifications.models import Status as MessageStatus
from notifications.services.texts import BusinessTexts, business_context, text_render

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
        Kind.OWNER_RESCHEDULE,
        Kind.WAITLIST_OFFER,
        Kind.WAITLIST_TAKEN,
    }
)
BUTTON_KINDS = frozenset({Kind.CONFIRMATION, Kind.REMINDER})
SERVICE_WINDOW = timedelta(hours=24)
# A queued row whose task never started (the broker lost it, or Redis was down) is handed over
# again after this long.
HAND_OVER_GRACE = timedelta(minutes=5)
HAND_OVER_BATCH = 500
ACTIVE = (MessageStatus.PENDING, MessageStatus.QUEUED)


# --- Writing and handing over ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """One message to write: to whom, what kind, and the values its text is filled with."""

    kind: str
    channel: str
    recipient: str
    context: dict[str, str]
    appointment: Any = None
    client: Any = None
    scheduled_at: datetime | None = None
    body: str | None = None
    claim_token: str = ""


def message_create(
    *,
    business: Business,
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
    draft = Draft(kind, channel, recipient, context, appointment, client, scheduled_at, body)
    return messages_create(business=business, drafts=[draft])[0]


def messages_create(*, business: Business, drafts: list[Draft], texts: BusinessTexts | None = None) -> list[Message]:
    """Write the messages one change causes in one insert (in the caller's transaction), with the
    business's texts read once; those due now are handed over after commit."""
    if not drafts:
        return []
    texts = texts or BusinessTexts.of(business)
    now = timezone.now()
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for draft in drafts:
            subject_text, body_text = texts.get(draft.kind, draft.channel)
            rendered_body = draft.body if draft.body is not None else text_render(body_text, draft.context)
            rendered_subject = text_render(subject_text, draft.context) if draft.channel == Channel.EMAIL else ""
            messages.append(
                Message(
                    business=business,
                    appointment=draft.appointment,
                    client=draft.client,
                    channel=draft.channel,
                    kind=draft.kind,
                    queue=Queue.EMAIL
                    if draft.channel == Channel.EMAIL
                    else QUEUE_FOR_KIND.get(draft.kind, Queue.WHATSAPP),
                    recipient=draft.recipient,
                    subject=rendered_subject[:255],
                    body=rendered_body,
                    template_name=settings.WHATSAPP_TEMPLATE_NAMES.get(
                        draft.kind, settings.WHATSAPP_TEMPLATE_NAMES["message"]
                    ),
                    template_language=settings.WHATSAPP_TEMPLATE_LANGUAGE,
                    template_params=_template_params(draft.kind, draft.context, rendered_body),
                    buttons=_buttons(draft.kind, draft.appointment, draft.claim_token),
                    scheduled_at=draft.scheduled_at or now,
                )
            )
    Message.objects.bulk_create(messages)
    due = [message.pk for message in messages if message.scheduled_at <= now]
    if due:
        transaction.on_commit(lambda: messages_hand_over(message_ids=due))
    return messages


def _template_params(kind: str, context: dict[str, str], body: str) -> list[str]:
    if kind in TEMPLATE_KINDS:
        keys = ("client_name", "service", "professional", "weekday", "date", "time", "business")
        if kind == Kind.WAITLIST_OFFER:
            keys = (*keys, "offer_expires", "claim_link")
        return [context.get(key) or "-" for key in keys]
    return [body]


def _buttons(kind: str, appointment, claim_token: str = "") -> list[str]:
    if kind == Kind.WAITLIST_OFFER:
        # The quick reply asks for the claim link again (the offer holds it; the reply is answered with it).
        return [f"WAITLIST:{claim_token}"]
    if kind not in BUTTON_KINDS or appointment is None:
        return []
    return [f"CONFIRM:{appointment.pk}", f"CANCEL:{appointment.pk}", f"RESCHEDULE:{appointment.pk}"]


def messages_hand_over(*, message_ids=None, now: datetime | None = None, limit: int = HAND_OVER_BATCH) -> int:
    """Queue due messages (and ones left behind) for the workers; return how many.

    Safe to run from two beats or many workers at once: rows are taken FOR UPDATE SKIP LOCKED
    and moved to `queued` in the same transaction; tasks are sent after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = Message.objects.filter(_due(now)).order_by("scheduled_at").select_for_update(skip_locked=True)
        if message_ids is not None:
            rows = rows.filter(pk__in=message_ids)
        picked = list(rows.values_list("pk", "queue")[:limit])
        if picked:
            Message.objects.filter(pk__in=[pk for pk, _queue in picked]).update(
                status=MessageStatus.QUEUED, queued_at=now, claimed_until=None, updated_at=now
            )
            transaction.on_commit(lambda: _enqueue(picked))
    return len(picked)


def messages_hand_over_all(*, now: datetime | None = None, batch: int = HAND_OVER_BATCH) -> int:
    """Queue every due message, a batch per transaction (short locks; each batch's tasks go out at
    its commit, so the workers start on the first while the next is taken); return how many."""
    now = now or timezone.now()
    # Rows the broker refused go back to pending and are due again: counting first bounds the loop.
    budget = Message.objects.filter(_due(now)).count()
    handed = 0
    while handed < budget:
        taken = messages_hand_over(now=now, limit=min(batch, budget - handed))
        handed += taken
        if taken < batch:
            break
    return handed


def _due(now: datetime) -> Q:
    return (
        Q(status=MessageStatus.PENDING, scheduled_at__lte=now)
        # claimed by a worker that died mid-send (the claim expired)
        | Q(status=MessageStatus.QUEUED, claimed_until__lt=now)
        # queued but its task never ran (lost by the broker, or Redis was down)
        | Q(status=MessageStatus.QUEUED, claimed_until__isnull=True, queued_at__lte=now - HAND_OVER_GRACE)
    )


def _enqueue(picked) -> None:
    # Imported here: the tasks module imports this one.
    from notifications.tasks import send_message_task

    for index, (pk, queue) in enumerate(picked):
        try:
            send_message_task.apply_async(args=[str(pk)], queue=queue)
        except Exception:  # broker down: the rest go back to pending and the next scan retries them
            left = [pk for pk, _queue in picked[index:]]
            logger.warning("Could not enqueue %d message(s); they stay in the database for the next scan", len(left))
            Message.objects.filter(pk__in=left, status=MessageStatus.QUEUED, claimed_until__isnull=True).update(
                status=MessageStatus.PENDING, queued_at=None
            )
            return


# --- Sending ---------------------------------------------------------------------------------------------
def message_send(*, message_id, now: datetime | None = None) -> str:
    """Send one queued message once; return what happened: sent, retry, failed or skipped.

    The outcome is written only while the row is still ours: queued under this worker's claim.
    A message cancelled meanwhile (its booking was cancelled during the send) stays cancelled,
    and one whose claim expired and went to another worker is left to that worker.
    """
    now = now or timezone.now()
    claimed_until = now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)
    claimed = (
        Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=claimed_until, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return "skipped"  # sent, cancelled, or another worker has it
    # The message, its business and its plan's limits (for the allowance) in one query.
    limit_columns = plan_limits_columns(plan_type=OuterRef("business__plan_type"))
    message = Message.objects.select_related("business").annotate(**limit_columns).get(pk=message_id)
    ours = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED, claimed_until=claimed_until)
    reserved_month = None
    try:
        if message.channel == Channel.WHATSAPP:
            limits = plan_limits_from_columns(
                plan_type=message.business.plan_type, row={name: getattr(message, name) for name in limit_columns}
            )
            reserved_month = plan_message_reserve(business=message.business, limits=limits)
            provider_id = _send_whatsapp(message)
        else:
            provider_id = _send_email(message)
    except PlanLimitExceeded as exc:
        return _fail(ours, str(exc.detail))
    except PermanentSendError as exc:
        _release(message, reserved_month)
        return _fail(ours, str(exc))
    except TransientSendError as exc:
        _release(message, reserved_month)
        if message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            return _fail(ours, str(exc))
        delay = _backoff(message.attempts, exc.retry_after)
        ours.update(
            status=MessageStatus.PENDING,
            claimed_until=None,
            scheduled_at=timezone.now() + delay,
            last_error=str(exc)[:2000],
            updated_at=timezone.now(),
        )
        return "retry"
    sent = ours.update(
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id,
        claimed_until=None,
        last_error="",
        updated_at=timezone.now(),
    )
    if not sent:
        # It went out all the same: keep its id, so a reply quoting it is understood.
        Message.objects.filter(pk=message.pk, status=MessageStatus.CANCELLED).update(
            sent_at=timezone.now(), provider_message_id=provider_id, updated_at=timezone.now()
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
        plan_message_release(business=message.business, month=month)


def _fail(ours, reason: str) -> str:
    ours.update(
        status=MessageStatus.FAILED,
        failed_at=timezone.now(),
        claimed_until=None,
        last_error=reason[:2000],
        updated_at=timezone.now(),
    )
    return "failed"


# --- The owner's actions on its messages --------------------------------------------------------------
def messages_retry_failed(*, business: Business, queue: str) -> int:
    """Send the business's failed messages of a queue again, from the first attempt."""
    return _send_again(Message.objects.filter(business=business, queue=queue, status=MessageStatus.FAILED))


def messages_send_again(*, message_ids) -> int:
    """Send failed or cancelled messages again, from the first attempt (staff, in the admin)."""
    failed_or_cancelled = (MessageStatus.FAILED, MessageStatus.CANCELLED)
    return _send_again(Message.objects.filter(pk__in=message_ids, status__in=failed_or_cancelled))


def _send_again(messages) -> int:
    """Put `messages` back in line, except those about an erased client: their text and number are gone."""
    with transaction.atomic():
        ids = list(
            messages.exclude(client__erased_at__isnull=False)
            .exclude(appointment__client__erased_at__isnull=False)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.PENDING,
            attempts=0,
            scheduled_at=now,
            failed_at=None,
            claimed_until=None,
            updated_at=now,
        )
        transaction.on_commit(lambda: messages_hand_over(message_ids=ids))
    return len(ids)


def messages_clear_failed(*, business: Business, queue: str) -> int:
    deleted, _details = Message.objects.filter(business=business, queue=queue, status=MessageStatus.FAILED).delete()
    return deleted


# --- Test sends ------------------------------------------------------------------------------------------
# A test checks the business's own set-up, so it goes only to the business itself: anything else
# would let a login send any text to any number or address in the business's name.
TEST_TEXT_MAX_LENGTH = 500
TEST_SENDS_PER_HOUR = 5
# The request fields a test's recipient and text come in (the seed's names).
TEST_FIELDS = {
    Channel.WHATSAPP: ("recipient_whatsapp", "message_content"),
    Channel.EMAIL: ("recipient_email", "body"),
}


def recipients_for_test_sends(business: Business) -> dict[str, list[str]]:
    """Where a business's test messages may go, per channel, the default first: its own WhatsApp
    number and its owner's login email."""
    return {
        Channel.WHATSAPP: [business.whatsapp_number] if business.whatsapp_number else [],  # stored in E.164
        Channel.EMAIL: [User.objects.normalize_email_address(business.email)],
    }


@transaction.atomic
def message_send_test(
    *, business: Business, channel: str, recipient: str = "", body: str = "", subject: str = ""
) -> Message:
    """Queue a test message to the business itself (by default, or at the recipient named, which
    must be its own) to check its WhatsApp or email set-up; it counts toward the plan."""
    recipient_field, text_field = TEST_FIELDS[channel]
    recipient = _test_recipient(business, channel, recipient, recipient_field)
    body = body.strip()
    if len(body) > TEST_TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                text_field: [
                    _("At most %(limit)d characters (this text has %(length)d).")
                    % {"limit": TEST_TEXT_MAX_LENGTH, "length": len(body)}
                ]
            }
        )
    if not allow(f"test-send:{business.pk}", limit=TEST_SENDS_PER_HOUR, window_seconds=3600):
        raise TooManyAttempts(_("Too many test messages in the last hour. Please try again later."), retry_after=3600)
    message = message_create(
        business=business,
        kind=Kind.TEST,
        channel=channel,
        recipient=recipient,
        context=business_context(business),
        body=body or None,
    )
    if channel == Channel.EMAIL and subject.strip():
        message.subject = subject.strip()[:255]
        message.save(update_fields=["subject"])
    return message


def _test_recipient(business: Business, channel: str, recipient: str, field: str) -> str:
    allowed = recipients_for_test_sends(business)[channel]
    if not allowed:
        raise ValidationError({field: [_("Add your business's WhatsApp number to your profile first.")]})
    if not recipient.strip():
        return allowed[0]
    if channel == Channel.WHATSAPP:
        try:
            recipient = phone_to_e164(recipient)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    else:
        recipient = User.objects.normalize_email_address(recipient)
    if recipient not in allowed:
        refusal = {
            Channel.WHATSAPP: _("A test goes only to your business's own WhatsApp number: %(allowed)s."),
            Channel.EMAIL: _("A test goes only to your own login email: %(allowed)s."),
        }[channel]
        raise ValidationError({field: [refusal % {"allowed": ", ".join(allowed)}]})
    return recipient
