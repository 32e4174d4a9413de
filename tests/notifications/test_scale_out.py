"""Several beats, workers and web nodes on one database and Redis behave as one: every due message
is handed over once and sent once, and one WhatsApp number never goes over its per-second cap.
"""

import threading
import time
from bisect import bisect_left
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications import services
from notifications.backends import throttle
from notifications.models import Channel, Kind, Message, Queue
from notifications.models import Status as MessageStatus
from notifications.tasks import send_message_task
from tests.factories import BusinessFactory
from tests.notifications.test_delivery import wait_until


def due_reminders(businesses, count: int) -> list[Message]:
    """`count` reminders due a minute ago, each to a number of its own, spread over `businesses`."""
    now = timezone.now()
    return Message.objects.bulk_create(
        Message(
            business=businesses[serial % len(businesses)],
            channel=Channel.WHATSAPP,
            kind=Kind.REMINDER,
            queue=Queue.REMINDERS,
            recipient=f"+55119{serial:08d}",
            body=f"Lembrete {serial}",
            template_name="agendazap_reminder",
            template_language="pt_BR",
            template_params=[f"Cliente {serial}", "Corte", "Ana", "sábado", "12/12/2026", "10:00", "Salão"],
            scheduled_at=now - timedelta(minutes=1),
        )
        for serial in range(count)
    )


def at_once(*calls):
    """Run the calls in threads released together (each thread has its own database connection)."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def most_in_one_second(moments: list[float]) -> int:
    moments = sorted(moments)
    return max(bisect_left(moments, start + 1.0, lo=index) - index for index, start in enumerate(moments))


# --- The hand-over ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_one_beat_run_hands_over_every_due_message_batch_after_batch(django_capture_on_commit_callbacks):
    business = BusinessFactory()
    due_reminders([business], 7)

    with django_capture_on_commit_callbacks() as enqueues:
        handed = services.messages_hand_over_all(batch=3)

    assert handed == 7
    assert len(enqueues) == 3  # one commit per batch: 3 + 3 + 1
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.QUEUED}


@pytest.mark.django_db
def test_a_broker_refusing_the_tasks_stops_the_run_and_keeps_every_message_pending(
    monkeypatch, django_capture_on_commit_callbacks
):
    business = BusinessFactory()
    due_reminders([business], 5)
    attempts = []

    def broker_down(*args, **kwargs):
        attempts.append(args)
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(send_message_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.messages_hand_over_all(batch=2)

    # One refusal per batch, not one per message; the run ends although the rows are due again.
    assert len(attempts) <= 3
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.PENDING}


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_and_two_workers_send_each_due_message_once(fake_whatsapp, celery_broker, celery_worker):
    businesses = [BusinessFactory(), BusinessFactory()]
    due = due_reminders(businesses, 60)
    celery_worker.start()
    celery_worker.start()

    # Both beats tick at the same moment (the mistake), in small batches so that they interleave.
    first, second = at_once(
        lambda: services.messages_hand_over_all(batch=4), lambda: services.messages_hand_over_all(batch=4)
    )

    assert first + second == 60  # SKIP LOCKED: neither beat takes a row the other holds
    sends = fake_whatsapp.wait_for_sends(60, timeout=60)
    wait_until(
        lambda: Message.objects.filter(status=MessageStatus.SENT).count() == 60, timeout=60, what="every message sent"
    )
    services.messages_hand_over_all()  # a later tick finds nothing left to hand over
    assert len(fake_whatsapp.sends) == 60
    assert Counter("+" + send.to for send in sends) == Counter(message.recipient for message in due)
    rows = Message.objects.values_list("attempts", "provider_message_id")
    assert {attempts for attempts, _id in rows} == {1}
    assert {provider_id for _attempts, provider_id in rows} == {send.wamid for send in sends}


# --- The per-number cap ----------------------------------------------------------------------------------
@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "in-process"])
def slot_store(request, settings):
    """Where the number's next slot is kept: in Redis (shared by every worker) or in this process."""
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
    else:
        settings.REDIS_URL = ""
        throttle._local_next_slot.clear()
        throttle._local_admitted.clear()
    return request.param


def reserve_at(number: str, **limits) -> float:
    """Reserve a slot; return when it is, on this process's monotonic clock (the middle of the call)."""
    before = time.monotonic()
    wait = throttle.throughput_reserve(number, **limits)
    return (before + time.monotonic()) / 2 + wait


def test_slots_of_one_number_never_put_more_than_the_cap_in_any_second(slot_store):
    def sender():
        return [reserve_at("106540352242922", per_second=4) for _ in range(6)]

    # Three senders (as three worker processes would) reserve 18 slots at once.
    moments = [moment for result in at_once(sender, sender, sender) for moment in result]

    assert len(moments) == 18
    assert most_in_one_second(moments) <= 4
    # Evenly spaced close under the cap, not held back to a trickle.
    assert max(moments) - min(moments) < 18 / (4 * 0.9)


def test_a_slot_further_than_the_longest_wait_is_refused_and_not_taken(slot_store):
    spacing = 1 / throttle.PACING_SHARE  # seconds between slots at one send per second
    number = "106540352242922"

    first = reserve_at(number, per_second=1, max_wait=1.5)
    second = reserve_at(number, per_second=1, max_wait=1.5)
    with pytest.raises(throttle.ThroughputExceeded):
        reserve_at(number, per_second=1, max_wait=1.5)  # its slot would be 2.1 s away
    # The refused send took nothing: the next one gets the slot after the second.
    third = reserve_at(number, per_second=1, max_wait=3)
    assert (second - first, third - second) == (pytest.approx(spacing, abs=0.05), pytest.approx(spacing, abs=0.05))
    # Another number has its own slots.
    assert throttle.throughput_reserve("5511940000001", per_second=1, max_wait=1.5) == pytest.approx(0, abs=0.05)


def test_a_sender_late_for_its_slot_waits_while_the_last_second_holds_the_cap(slot_store):
    number = "106540352242922"

    # Three senders the machine held up wake at once, past their slots: the cap of 3 admits them...
    assert [throttle.throughput_admit(number, per_second=3) for _ in range(3)] == [0, 0, 0]
    # ...and a fourth waits until the first of them is a second old, counting nothing meanwhile.
    assert 0.5 < throttle.throughput_admit(number, per_second=3) <= 1.0
    assert 0.5 < throttle.throughput_admit(number, per_second=3) <= 1.0
    assert throttle.throughput_admit("5511940000001", per_second=3) == 0
