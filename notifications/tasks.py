from celery import shared_task

from notifications import services


@shared_task(name="notifications.send_message_task", acks_late=True, reject_on_worker_lost=True)
def send_message_task(message_id: str) -> str:
    """Send one message. Idempotent: a duplicate or redelivered task finds it claimed or sent."""
    return services.message_send(message_id=message_id)


@shared_task(name="notifications.dispatch_due_messages_task")
def dispatch_due_messages_task() -> int:
    """Hand every due message (and any left behind) to the send workers; run by celery-beat every minute."""
    return services.messages_hand_over_all()
