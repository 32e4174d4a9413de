"""Emails about the account itself — verification, password reset, plan alerts — as message rows.

accounts and billing ask for them with `AccountEmailRequested`; they go through the same outbox
as every other message (queue email_notifications), so they are retried, logged and never lost
with the request that caused them.
"""

from django.db import transaction
from django.utils import timezone

from agendazap.events import AccountEmailRequested
from notifications.models import Channel, Kind, Message, Queue
from notifications.services.delivery import messages_hand_over


def account_email_requested(event: AccountEmailRequested) -> None:
    """Queue the email, written in the caller's transaction and handed over after it commits."""
    message = Message.objects.create(
        business=event.business,
        channel=Channel.EMAIL,
        kind=Kind.ACCOUNT,
        queue=Queue.EMAIL,
        recipient=event.to or event.user.email,
        subject=" ".join(event.subject.split())[:255],
        body=event.body,
        scheduled_at=timezone.now(),
    )
    transaction.on_commit(lambda: messages_hand_over(message_ids=[message.pk]))
