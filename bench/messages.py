"""Send due WhatsApp messages through real Celery workers to a local Cloud API server, and measure.

On a scratch PostgreSQL database (BENCH_DATABASE_URL, created if missing; only this script's own
businesses are written and removed) and a scratch Redis database (BENCH_REDIS_URL, flushed),
with the local Cloud API server of the test suite recording every send it receives:

1. Scale-out: the same batch of due messages with no throughput cap in the way, through 1, then
   2 (then 4) real workers: messages per second per worker count, and what each added worker brings.
2. The cap: 10,000 due messages through the most workers at WHATSAPP_MESSAGES_PER_SECOND (50 by
   default, low enough that the cap and not the machine is the limit): delivered per second as a
   share of the cap, the most sends the server saw in any one-second window (sliding, and per
   calendar second), sends received twice, messages never received.

Due messages are handed over the way celery-beat does it: the dispatch task, sent through the
broker at once and then every --beat-every seconds. Prints a table, then the figures as one JSON
object on the last line.

    .venv/bin/python bench/messages.py [--messages 10000] [--cap 50] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/agendazap_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
BUSINESS_SLUG_PREFIX = "bench-messages-"
# The workers run with the production delivery settings, not the test suite's short ones.
PRODUCTION_DELIVERY = {
    "NOTIFICATIONS_RETRY_BASE_SECONDS": 30,
    "NOTIFICATIONS_RETRY_MAX_SECONDS": 300,
    "NOTIFICATIONS_CLAIM_SECONDS": 120,
    "WHATSAPP_TIMEOUT_SECONDS": 15,
    "LOG_LEVEL": "WARNING",
}
UNCAPPED = 100_000  # messages per second: far above what this machine sends


# --- The scratch services --------------------------------------------------------------------------------
def configure_django(database_url: str, redis_url: str) -> None:
    """Point this process at the scratch database and Redis, create the database, migrate."""
    ensure_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "agendazap.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_database(database_url: str) -> None:
    """Create the scratch database when it does not exist yet."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    """Empty the scratch Redis database and mark it taken, so a test session looking for a broker
    database of its own (tests/fakes/celery_worker.py) does not flush it in the middle of a run."""
    import redis

    from tests.fakes.celery_worker import BrokerDatabase

    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()
        client.set(BrokerDatabase.LOCK_KEY, f"bench:{os.getpid()}", ex=BrokerDatabase.TTL_SECONDS)


# --- The data ---------------------------------------------------------------------------------------------
def bench_businesses(count: int):
    """This script's businesses (created once, kept between runs), on a plan with a message limit."""
    from accounts.models import Business
    from accounts.services import user_register
    from billing.services import plan_change

    businesses = list(Business.objects.filter(slug__startswith=BUSINESS_SLUG_PREFIX).order_by("slug"))
    for index in range(len(businesses), count):
        user = user_register(
            email=f"bench-messages-{index + 1:02d}@bench.agendazap.local",
            password="bench-messages-2026",
            business_name=f"Bench messages {index + 1:02d}",
        )
        business = user.last_business
        business.slug = f"{BUSINESS_SLUG_PREFIX}{index + 1:02d}"
        business.save(update_fields=["slug"])
        plan_change(business=business, plan_type="pro")  # a monthly limit is checked per message
        businesses.append(business)
    return businesses[:count]


def clear_messages(businesses) -> None:
    """Forget earlier runs: the businesses' messages and this month's usage counters."""
    from billing.models import MonthlyUsage, UsageAlert
    from notifications.models import Message

    Message.objects.filter(business__in=businesses).delete()
    MonthlyUsage.objects.filter(business__in=businesses).delete()
    UsageAlert.objects.filter(business__in=businesses).delete()


def write_due_messages(businesses, count: int, *, serial_start: int = 0) -> list[str]:
    """Bulk-write `count` due reminders spread over the businesses; return their recipients.

    Each goes to a number of its own, so the server's record tells every message apart.
    """
    from django.conf import settings
    from django.utils import timezone

    from notifications.models import Channel, Kind, Message, Queue

    now = timezone.now()
    rows, recipients = [], []
    for offset in range(count):
        serial = serial_start + offset
        business = businesses[serial % len(businesses)]
        recipient = f"+55119{serial:08d}"
        recipients.append(recipient)
        rows.append(
            Message(
                business=business,
                channel=Channel.WHATSAPP,
                kind=Kind.REMINDER,
                queue=Queue.REMINDERS,
                recipient=recipient,
                body=f"Olá, Cliente {serial}! Lembrete: Corte amanhã às 10:00 em {business.name}.",
                template_name=settings.WHATSAPP_TEMPLATE_NAMES[Kind.REMINDER],
                template_language=settings.WHATSAPP_TEMPLATE_LANGUAGE,
                template_params=[f"Cliente {serial}", "Corte", "Ana", "sábado", "12/12/2026", "10:00", business.name],
                scheduled_at=now - timedelta(seconds=count - offset),
            )
        )
    Message.objects.bulk_create(rows, batch_size=2000)
    return recipients


# --- The workers and the hand-over ------------------------------------------------------------------------
class Workers:
    """Real `celery worker` processes on the scratch database, broker and Cloud API server."""

    def __init__(self, *, database_url: str, redis_url: str, whatsapp, log_dir: Path, concurrency: int):
        self.database_url = database_url
        self.redis_url = redis_url
        self.whatsapp = whatsapp
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.running = []

    def start(self, count: int, *, cap: int) -> None:
        from tests.fakes.celery_worker import CeleryWorker, worker_environment

        env = worker_environment(
            database_url=self.database_url,
            redis_url=self.redis_url,
            whatsapp=self.whatsapp,
            extra={**PRODUCTION_DELIVERY, "WHATSAPP_MESSAGES_PER_SECOND": cap},
        )
        starting = [CeleryWorker(env, self.log_dir, concurrency=self.concurrency) for _ in range(count)]
        self.running.extend(starting)
        # Started one after the other: each waits until it answers ping.
        for worker in starting:
            worker.start(ready_timeout=120)

    def stop_all(self) -> None:
        for worker in self.running:
            worker.kill()
        self.running = []


class Beat(threading.Thread):
    """Send the dispatch task through the broker now and every `every` seconds, as celery-beat does."""

    def __init__(self, every: float):
        super().__init__(name="bench-beat", daemon=True)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        from notifications.tasks import dispatch_due_messages_task

        while not self.stopped.is_set():
            dispatch_due_messages_task.apply_async(queue="celery")
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
        self.join(5)


def wait_until_settled(businesses, expected_sends: int, whatsapp, *, timeout: float) -> bool:
    """Wait until no message is left pending or queued and the server saw every send; False on timeout."""
    from notifications.models import Message
    from notifications.models import Status as MessageStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_rows = Message.objects.filter(
            business__in=businesses, status__in=[MessageStatus.PENDING, MessageStatus.QUEUED]
        ).count()
        if open_rows == 0 and len(whatsapp.sends) >= expected_sends:
            time.sleep(1.0)  # a straggling duplicate would arrive now
            return True
        time.sleep(0.5)
    return False


# --- The figures ------------------------------------------------------------------------------------------
def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The most events in any half-open window [t, t + width) (sorted `times`)."""
    best = 0
    for index, start in enumerate(times):
        best = max(best, bisect_left(times, start + width, lo=index) - index)
    return best


def figures_of(run_sends, recipients: list[str], businesses, *, cap: int | None) -> dict:
    """Throughput, burst and exactly-once figures of the messages to `recipients`, from the server's
    record and the rows."""
    from notifications.models import Message
    from notifications.models import Status as MessageStatus

    wanted = set(recipients)
    accepted = sorted(
        (request for request in run_sends if request.status == 200 and "+" + request.to in wanted),
        key=lambda request: request.time,
    )
    per_recipient = Counter("+" + request.to for request in accepted)
    rows = dict(
        Message.objects.filter(business__in=businesses, recipient__in=wanted).values_list(
            "recipient", "provider_message_id"
        )
    )
    statuses = Counter(Message.objects.filter(business__in=businesses).values_list("status", flat=True))
    issued = {request.wamid for request in accepted}
    # Sliding windows and the rate on the server's monotonic clock, read as each request arrives
    # (a wall-clock step would stretch or squeeze a window); calendar seconds on the wall clock.
    times = sorted(request.monotonic for request in accepted)
    elapsed = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / elapsed if elapsed else 0.0
    figures = {
        "messages": len(recipients),
        "received": len(accepted),
        "twice": sum(1 for count in per_recipient.values() if count > 1),
        "lost": len(wanted - set(per_recipient)),
        "not_sent_rows": sum(count for status, count in statuses.items() if status != MessageStatus.SENT),
        # Every row's provider id is one the server gave out: the row records the send that happened.
        "ids_unmatched": sum(1 for recipient in wanted if rows.get(recipient) not in issued),
        "seconds": round(elapsed, 2),
        "per_second": round(rate, 1),
        "max_any_1s_window": max_in_window(times),
        "max_calendar_second": max(Counter(int(request.time) for request in accepted).values(), default=0),
    }
    if cap:
        figures["cap"] = cap
        figures["share_of_cap"] = round(rate / cap, 3)
    return figures


def run_once(
    workers: Workers,
    whatsapp,
    businesses,
    *,
    count: int,
    worker_count: int,
    cap: int,
    beat_every: float,
    timeout: float,
) -> dict:
    """Write `count` due messages, start `worker_count` workers, hand over, measure, stop the workers."""
    clear_messages(businesses)
    flush_redis(workers.redis_url)
    whatsapp.reset()
    workers.start(worker_count, cap=cap)
    beat = None
    try:
        recipients = write_due_messages(businesses, count)
        beat = Beat(beat_every)
        beat.start()
        settled = wait_until_settled(businesses, count, whatsapp, timeout=timeout)
    finally:
        if beat is not None:
            beat.stop()
        workers.stop_all()
    figures = figures_of(whatsapp.sends, recipients, businesses, cap=cap if cap != UNCAPPED else None)
    figures["workers"] = worker_count
    figures["settled"] = settled
    return figures


def print_table(scaling: list[dict], capped: dict | None) -> None:
    print()
    print("Scale-out, no cap in the way (messages/s through the local Cloud API server)")
    print(f"{'workers':>8} {'messages':>9} {'per s':>8} {'vs 1':>6} {'twice':>6} {'lost':>5} {'settled':>8}")
    base = scaling[0]["per_second"] if scaling else 0
    for row in scaling:
        ratio = row["per_second"] / base if base else 0
        print(
            f"{row['workers']:>8} {row['messages']:>9} {row['per_second']:>8.1f} {ratio:>6.2f}"
            f" {row['twice']:>6} {row['lost']:>5} {row['settled']!s:>8}"
        )
    if capped:
        print()
        print(f"Capped at {capped['cap']}/s: {capped['messages']} due messages, {capped['workers']} workers")
        print(f"  delivered per second    {capped['per_second']:.1f} = {capped['share_of_cap']:.0%} of the cap")
        window, calendar = capped["max_any_1s_window"], capped["max_calendar_second"]
        print(f"  most in any 1 s window  {window} (per calendar second: {calendar})")
        print(f"  received twice          {capped['twice']}")
        print(f"  never received          {capped['lost']} (rows not sent: {capped['not_sent_rows']})")
        print(f"  settled in time         {capped['settled']} ({capped['seconds']} s of sending)")
        if capped.get("uncapped_per_second"):
            # Below the cap the machine, not the cap, is measured.
            print(f"  uncapped, same workers  {capped['uncapped_per_second']:.1f}/s")
    print()


def summary(scaling: list[dict], capped: dict | None) -> dict:
    """The one-line JSON figures for RESULTS.md."""
    result: dict = {"bench": "messages"}
    if scaling:
        base = scaling[0]["per_second"] or 1
        result["uncapped_per_second"] = {str(row["workers"]): row["per_second"] for row in scaling}
        result["speedup_vs_one_worker"] = {str(row["workers"]): round(row["per_second"] / base, 2) for row in scaling}
        result["uncapped_twice"] = sum(row["twice"] for row in scaling)
        result["uncapped_lost"] = sum(row["lost"] for row in scaling)
    if capped:
        result.update(
            {
                "cap_per_second": capped["cap"],
                "messages": capped["messages"],
                "workers": capped["workers"],
                "delivered_per_second": capped["per_second"],
                "share_of_cap": capped["share_of_cap"],
                "max_any_1s_window": capped["max_any_1s_window"],
                "max_calendar_second": capped["max_calendar_second"],
                "twice": capped["twice"],
                "lost": capped["lost"],
                "not_sent_rows": capped["not_sent_rows"],
                "settled": capped["settled"],
                "uncapped_same_workers_per_second": capped.get("uncapped_per_second"),
                "target_met": (
                    capped["settled"]
                    and capped["share_of_cap"] >= 0.9
                    and capped["max_any_1s_window"] <= capped["cap"]
                    and capped["twice"] == 0
                    and capped["lost"] == 0
                ),
            }
        )
    return result


def capped_rate(option: str, scaling: list[dict], workers: int) -> int:
    """The cap to measure at: the number given, or 60 % of what `workers` workers sent uncapped."""
    if option != "auto":
        return int(option)
    uncapped = next((row["per_second"] for row in scaling if row["workers"] == workers), None)
    if not uncapped:
        raise SystemExit("--cap auto needs the scale-out run with the same number of workers")
    return max(1, int(uncapped * 0.6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="due messages for the capped run")
    parser.add_argument(
        "--cap",
        default="50",
        help="WHATSAPP_MESSAGES_PER_SECOND for the capped run, or 'auto': 60 %% of what the most workers sent uncapped",
    )
    parser.add_argument("--workers", default="1,2,4", help="worker counts for the scale-out runs")
    parser.add_argument("--scale-messages", type=int, default=2000, help="due messages per scale-out run")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--businesses", type=int, default=8)
    parser.add_argument("--beat-every", type=float, default=60.0, help="seconds between hand-overs")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per run")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-cap", action="store_true")
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    configure_django(database_url, redis_url)
    # SIGTERM (a killed bench) still stops every worker through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from tests.fakes.whatsapp_cloud import FakeWhatsAppCloud

    worker_counts = [int(value) for value in args.workers.split(",") if value.strip()]
    scaling, capped = [], None
    with tempfile.TemporaryDirectory(prefix="agendazap-bench-messages-") as log_dir, FakeWhatsAppCloud() as whatsapp:
        workers = Workers(
            database_url=database_url,
            redis_url=redis_url,
            whatsapp=whatsapp,
            log_dir=Path(log_dir),
            concurrency=args.concurrency,
        )
        businesses = bench_businesses(args.businesses)
        try:
            if not args.skip_scale:
                for count in worker_counts:
                    row = run_once(
                        workers,
                        whatsapp,
                        businesses,
                        count=args.scale_messages,
                        worker_count=count,
                        cap=UNCAPPED,
                        beat_every=args.beat_every,
                        timeout=args.timeout,
                    )
                    print(f"{count} worker(s), no cap: {row['per_second']:.1f} messages/s", file=sys.stderr)
                    scaling.append(row)
            if not args.skip_cap:
                cap = capped_rate(args.cap, scaling, max(worker_counts))
                capped = run_once(
                    workers,
                    whatsapp,
                    businesses,
                    count=args.messages,
                    worker_count=max(worker_counts),
                    cap=cap,
                    beat_every=args.beat_every,
                    timeout=args.timeout,
                )
                uncapped = next((row for row in scaling if row["workers"] == capped["workers"]), None)
                capped["uncapped_per_second"] = uncapped["per_second"] if uncapped else None
        finally:
            workers.stop_all()
            with contextlib.suppress(Exception):
                clear_messages(businesses)
            flush_redis(redis_url)
    print_table(scaling, capped)
    print(json.dumps(summary(scaling, capped)))


if __name__ == "__main__":
    main()
