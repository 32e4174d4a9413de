"""Emails about the account itself — verification, password reset, plan alerts — as message rows.

They go through the same outbox as every other message (queue email_notifications), so they
are retried, logged and never lost with the request that caused them.
"""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Channel, Kind, Message, Queue


def account_email(*, user: User, subject: str, body: str) -> Message:
    """Queue an email to `user`, written in the caller's transaction and sent after it commits."""
    message = Message.objects.create(
        owner=user,
        channel=Channel.EMAIL,
        kind=Kind.ACCOUNT,
        queue=Queue.EMAIL,
        recipient=user.email,
        subject=" ".join(subject.split())[:255],
        body=body,
        scheduled_at=timezone.now(),
    )
    transaction.on_commit(lambda: _hand_over(message.pk))
    return message


def _hand_over(message_id) -> None:
    # Imported here: notifications.services imports billing, which queues its alerts through here.
    from notifications.services import messages_hand_over

    messages_hand_over(message_ids=[message_id])
