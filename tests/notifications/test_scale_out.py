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
NUMBER = "106540352242922"


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "in-process"])
def slot_store(request, settings):
    """Where the number's slots and sends are logged: in Redis (shared by every worker) or in this process."""
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
    else:
        settings.REDIS_URL = ""
        throttle._local_next_slot.clear()
        throttle._local_sends.clear()
    return request.param


def send_through(number: str, arrivals: list[float], *, network_delay: float = 0.0, **limits) -> None:
    """One send through the throttle whose request reaches the API `network_delay` seconds after it
    is let through; the moment it arrives is appended to `arrivals` (this process's monotonic clock)."""
    with throttle.throughput_slot(number, in_flight_seconds=5, **limits):
        time.sleep(network_delay)
        arrivals.append(time.monotonic())


def test_sends_of_one_number_never_put_more_than_the_cap_in_any_second(slot_store):
    arrivals = []

    def sender():
        for _ in range(6):
            send_through(NUMBER, arrivals, per_second=4)

    # Three senders (as three worker processes would) send 18 messages at once.
    at_once(sender, sender, sender)

    assert len(arrivals) == 18
    assert most_in_one_second(arrivals) <= 4
    # Evenly spaced close under the cap, not held back to a trickle.
    assert max(arrivals) - min(arrivals) < 18 / (4 * 0.9)


def test_sends_whose_requests_take_unequal_times_to_arrive_never_exceed_the_cap_in_any_sliding_second(slot_store):
    """Counting sends when they are let through is not enough: the first ones here take 0.4 s to
    reach the API and the later ones none, so a second of arrivals would hold the slow ones and
    the fast ones let through after them (7 against a cap of 5)."""
    arrivals, entered = [], []
    lock = threading.Lock()

    def sender():
        for _ in range(5):
            with lock:
                slow = len(entered) < 5
                entered.append(slow)
            send_through(NUMBER, arrivals, per_second=5, network_delay=0.4 if slow else 0.0)

    at_once(sender, sender, sender)

    assert len(arrivals) == 15
    assert most_in_one_second(arrivals) <= 5
    assert max(arrivals) - min(arrivals) < 15 / (5 * 0.8)


def test_a_send_in_flight_holds_its_place_until_a_second_after_its_answer(slot_store):
    answered, arrivals = threading.Event(), []
    holding = threading.Event()

    def slow_send():
        with throttle.throughput_slot(NUMBER, per_second=1, in_flight_seconds=5):
            holding.set()
            answered.wait(5)
        return time.monotonic()

    holder = threading.Thread(target=lambda: arrivals.append(slow_send()))
    holder.start()
    assert holding.wait(5)
    # The cap of 1 is in flight: a send that may wait 0.3 s is refused at once, taking nothing...
    started = time.monotonic()
    with pytest.raises(throttle.ThroughputExceeded):
        send_through(NUMBER, [], per_second=1, max_wait=0.3)
    assert time.monotonic() - started < 0.2
    # ...while another number has room of its own.
    other = []
    send_through("5511940000001", other, per_second=1, max_wait=0.3)
    assert other[0] - started < 0.2

    time.sleep(0.5)  # the answer comes back late
    answered.set()
    holder.join(5)
    after = []
    send_through(NUMBER, after, per_second=1, max_wait=3)
    # Not a second after the first one was let through: a second after its answer.
    assert after[0] - arrivals[0] == pytest.approx(1.0, abs=0.1)
