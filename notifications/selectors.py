"""Notification reads: the business's message log, queue figures, and worker status."""

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap.celery import app as celery_app
from agendazap.ids import as_uuid
from notifications.models import Message, Queue
from notifications.models import Status as MessageStatus

logger = logging.getLogger(__name__)
CONSUMERS_CACHE_SECONDS = 30


def message_list(*, business: Business, filters: dict) -> QuerySet[Message]:
    messages = Message.objects.filter(business=business).order_by("-created_at")
    for field, choices in (
        ("status", MessageStatus.values),
        ("channel", ("whatsapp", "email")),
        ("queue", Queue.values),
    ):
        value = filters.get(field)
        if value:
            if value not in choices:
                raise ValidationError({field: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]})
            messages = messages.filter(**{field: value})
    if filters.get("client_id"):
        client_id = as_uuid(filters["client_id"])
        if client_id is None:
            raise ValidationError({"client_id": [_("Must be a valid UUID.")]})
        messages = messages.filter(client_id=client_id)
    return messages


def queue_status(*, business: Business) -> dict:
    """Per queue its length (waiting to be sent), consumer groups and newest id."""
    now = timezone.now()
    rows = (
        Message.objects.filter(business=business)
        .values("queue")
        .annotate(
            waiting=Count(
                "pk",
                filter=Q(status=MessageStatus.QUEUED) | Q(status=MessageStatus.PENDING, scheduled_at__lte=now),
            ),
            newest=Max("created_at"),
        )
    )
    by_queue = {row["queue"]: row for row in rows}
    newest_ids = {
        queue: Message.objects.filter(business=business, queue=queue, created_at=row["newest"])
        .values_list("pk", flat=True)
        .first()
        for queue, row in by_queue.items()
    }
    consumers = queue_consumers()
    body = {
        queue: {
            "length": by_queue.get(queue, {}).get("waiting", 0),
            "groups": consumers.get(queue, 0),
            "last-entry": str(newest_ids[queue]) if newest_ids.get(queue) else None,
        }
        for queue in Queue.values
    }
    body["scheduled_messages"] = {
        "length": Message.objects.filter(business=business, status=MessageStatus.PENDING, scheduled_at__gt=now).count()
    }
    return body


def queue_consumers() -> dict[str, int]:
    """How many workers consume each queue (Celery remote control), cached briefly: it costs a broadcast."""
    cached = cache.get("notifications:queue-consumers")
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    if not celery_app.conf.task_always_eager:
        try:
            active = celery_app.control.inspect(timeout=1.0).active_queues() or {}
        except Exception:  # broker unreachable: nobody is known to consume
            logger.warning("Could not ask the workers which queues they consume")
            active = {}
        for queues in active.values():
            for queue in queues:
                counts[queue["name"]] = counts.get(queue["name"], 0) + 1
    cache.set("notifications:queue-consumers", counts, CONSUMERS_CACHE_SECONDS)
    return counts


def workers_status() -> dict:
    if celery_app.conf.task_always_eager:
        return {"mode": "inline", "workers": {}}
    replies = celery_app.control.ping(timeout=1.0) or []
    return {"mode": "broker", "workers": {name: reply.get("ok", "") for row in replies for name, reply in row.items()}}


def failed_counts(*, business: Business) -> dict[str, int]:
    """Failed messages per queue, for the retry buttons."""
    rows = (
        Message.objects.filter(business=business, status=MessageStatus.FAILED)
        .values_list("queue")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)
