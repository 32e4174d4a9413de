"""Scale out: two web instances, two workers and (the mistake) two beats on one PostgreSQL and Redis.

On the scratch database and Redis of bench/messages.py, with its local Cloud API server:

1. Web: online bookings (distinct times, public API) through one gunicorn instance, then through
   two (each 2 sync workers, on two ports): bookings per second for one and for two instances.
2. The plan at its limit: a business on the free plan takes concurrent online bookings through
   both instances, some to the same time, more than its monthly appointments allow, while two
   workers and two celery-beat processes run. Checked: exactly the limit's number of bookings
   succeed (the rest 402, or 409 for a time just taken), no two bookings overlap, the plan's
   counters are exact, every message is sent once (none twice at the server, none lost), and the
   WhatsApp allowance is never exceeded. Due reminders written without a hand-over wait for the
   beats: both tick at about the same moment, and each message must arrive once.
3. Workers: messages per second through one worker and through two (bench/messages.py's run).

Prints a table, then the figures as one JSON object on the last line.

    .venv/bin/python bench/scale.py [--bookings 400] [--clients 8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import messages as message_bench  # noqa: E402 - found through the path set just above

WEB_PORTS = (8251, 8252)
SCALE_SLUG_PREFIX = "bench-scale-"
BENCH_SECRET_KEY = "bench-scale-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - scratch only


# --- The servers ------------------------------------------------------------------------------------------
class Servers:
    """gunicorn instances and celery beats, each in its own process group, stopped together."""

    def __init__(self, log_dir: Path, env: dict[str, str]):
        self.log_dir = log_dir
        self.env = env
        self.running: list[subprocess.Popen] = []

    def _start(self, name: str, command: list[str], extra: dict[str, str]) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            command,
            cwd=ROOT,
            env={**self.env, **extra},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def web(self, port: int) -> None:
        """A gunicorn instance with the production settings file: 2 sync workers on `port`."""
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        extra = {"GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "1", "GUNICORN_BIND": f"127.0.0.1:{port}"}
        process = self._start(
            f"web-{port}", [gunicorn, "--config", str(ROOT / "docker/gunicorn.conf.py"), "agendazap.wsgi"], extra
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn on {port} exited: {(self.log_dir / f'web-{port}.log').read_text()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):  # noqa: S310
                    return
            time.sleep(0.3)
        raise TimeoutError(f"gunicorn on {port} did not answer /health")

    def beat(self, name: str) -> None:
        """A celery-beat process with the production scheduler (its own pid file)."""
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "agendazap",
            "beat",
            "--loglevel=INFO",
            f"--pidfile={self.log_dir / f'{name}.pid'}",
        ]
        self._start(name, command, {})

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running = []


def server_environment(database_url: str, redis_url: str, whatsapp) -> dict[str, str]:
    """Production-like settings on the scratch services, sending to the local Cloud API server."""
    from tests.fakes.celery_worker import worker_environment

    env = worker_environment(
        database_url=database_url,
        redis_url=redis_url,
        whatsapp=whatsapp,
        extra={
            **message_bench.PRODUCTION_DELIVERY,
            "ENVIRONMENT": "development",
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # Every booking comes from this one address: the online limits per address would refuse them.
            "PUBLIC_BOOKINGS_PER_IP_HOUR": "100000000",
            "PUBLIC_BOOKINGS_PER_PHONE_HOUR": "100000000",
        },
    )
    return env


# --- The businesses ---------------------------------------------------------------------------------------
def scale_business(slug_suffix: str, plan_type: str):
    """A fresh business open every day 08:00-20:00, bookable online at any time of the next year."""
    from accounts.services import user_register
    from billing.services import plan_change
    from catalog.models import Service
    from scheduling import services
    from scheduling.models import WorkingHours

    user = user_register(
        email=f"bench-scale-{slug_suffix}-{time.time_ns()}@bench.agendazap.local",
        password="bench-scale-2026",
        business_name=f"Bench scale {slug_suffix}",
    )
    business = user.last_business
    business.slug = f"{SCALE_SLUG_PREFIX}{slug_suffix}"
    business.whatsapp_number = "+5511940001234"
    business.save(update_fields=["slug", "whatsapp_number"])
    plan_change(business=business, plan_type=plan_type)
    service = Service.objects.create(business=business, name="Corte", duration=30, price=40)
    professional = business.professionals.get(is_owner=True)
    WorkingHours.objects.filter(professional=professional).delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(professional=professional, weekday=weekday, start_time="08:00", end_time="20:00")
        for weekday in range(7)
    )
    services.booking_rules_update(business=business, data={"min_notice_minutes": 0, "max_days_ahead": 365})
    return business, service


def offered_starts(business, service, count: int) -> list[str]:
    """`count` times the public page offers from tomorrow on, none overlapping another (ISO)."""
    from django.utils import timezone

    from scheduling import selectors

    tz = selectors.business_timezone(business)
    day = (timezone.now().astimezone(tz) + timedelta(days=1)).date()
    length = timedelta(minutes=service.duration)
    starts = []
    while len(starts) < count:
        for slot in selectors.availability_get(business=business, service=service, day=day).slots:
            if not starts or slot >= starts[-1] + length:
                starts.append(slot)
        day += timedelta(days=1)
    return [start.isoformat() for start in starts[:count]]


def delete_scale_businesses() -> None:
    """Remove this script's businesses, what protects them from deletion first."""
    from accounts.models import Business
    from catalog.models import Service
    from crm.models import Client
    from scheduling.models import Appointment, Professional

    businesses = Business.objects.filter(slug__startswith=SCALE_SLUG_PREFIX)
    for model in (Appointment, Client, Service, Professional):
        model.objects.filter(business__in=businesses).delete()
    businesses.delete()


# --- The load ---------------------------------------------------------------------------------------------
def book(port: int, payload: dict) -> int:
    """POST one online booking; return the HTTP status (0 when the connection failed)."""
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        f"http://127.0.0.1:{port}/api/appointments/public",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def bookings(business, service, starts: list[str], *, serial_start: int) -> list[dict]:
    return [
        {
            "business_slug": business.slug,
            "service_id": str(service.pk),
            "start_time": start,
            "client_name": f"Cliente {serial_start + index}",
            "client_whatsapp": f"+55219{serial_start + index:08d}",
            "consent_whatsapp": True,
        }
        for index, start in enumerate(starts)
    ]


def drive(payloads: list[dict], ports: tuple[int, ...], clients: int) -> tuple[Counter, float]:
    """Send the bookings with `clients` concurrent clients spread over `ports`; statuses and seconds."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(lambda pair: book(ports[pair[0] % len(ports)], pair[1]), enumerate(payloads)))
    return Counter(statuses), time.monotonic() - started


# --- The checks -------------------------------------------------------------------------------------------
def overlapping_bookings(business) -> int:
    """Pairs of live bookings of one professional that overlap (the database should make it 0)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_appointment a JOIN scheduling_appointment b
              ON a.professional_id = b.professional_id AND a.id < b.id
             AND a.start_time < b.end_time AND b.start_time < a.end_time
             WHERE a.business_id = %s AND a.status NOT IN ('cancelled', 'no_show')
               AND b.status NOT IN ('cancelled', 'no_show')
            """,
            [business.pk],
        )
        return cursor.fetchone()[0]


def message_figures(business, whatsapp) -> dict:
    """Sends of the business's WhatsApp messages at the server against its rows: twice, lost, usage."""
    from billing.models import MonthlyUsage
    from billing.selectors import plan_limits_get
    from notifications.models import Channel, Message
    from notifications.models import Status as MessageStatus

    rows = list(Message.objects.filter(business=business, channel=Channel.WHATSAPP))
    sent = [row for row in rows if row.status == MessageStatus.SENT]
    by_wamid = Counter(request.wamid for request in whatsapp.sends if request.status == 200)
    received_for_rows = Counter(by_wamid[row.provider_message_id] for row in sent)
    # A send of ours at the server that no row recorded (the same message sent again, say).
    recorded = {row.provider_message_id for row in sent}
    ours = [request for request in whatsapp.sends if request.status == 200 and _is_for(request, rows)]
    used = (
        MonthlyUsage.objects.filter(business=business, resource="whatsapp_messages")
        .values_list("used", flat=True)
        .first()
        or 0
    )
    limit = plan_limits_get(plan_type=business.plan_type).limit_for("whatsapp_messages")
    return {
        "whatsapp_rows": len(rows),
        "whatsapp_sent": len(sent),
        "whatsapp_open": sum(1 for row in rows if row.status in (MessageStatus.PENDING, MessageStatus.QUEUED)),
        "whatsapp_failed_over_plan": sum(
            1 for row in rows if row.status == MessageStatus.FAILED and "plan" in row.last_error.lower()
        ),
        "received_twice": sum(1 for request in ours if request.wamid not in recorded),
        "lost": received_for_rows.get(0, 0),
        "usage_counted": used,
        "whatsapp_limit": limit,
    }


def _is_for(request, rows) -> bool:
    recipients = {row.recipient.lstrip("+") for row in rows}
    return request.to in recipients


def dispatch_runs() -> int:
    """How many times the beats have sent the dispatch task, as the scheduler counts it in the database."""
    from django_celery_beat.models import PeriodicTask

    return (
        PeriodicTask.objects.filter(name="dispatch-due-messages").values_list("total_run_count", flat=True).first() or 0
    )


def wait_for_messages(business, *, timeout: float) -> bool:
    from notifications.models import Message
    from notifications.models import Status as MessageStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        due_open = Message.objects.filter(
            business=business,
            status__in=[MessageStatus.PENDING, MessageStatus.QUEUED],
            scheduled_at__lte=time_now(),
        ).count()
        if not due_open:
            return True
        time.sleep(1.0)
    return False


def time_now():
    from django.utils import timezone

    return timezone.now()


# --- The run ----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=400, help="bookings per web throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--limit-attempts", type=int, default=90, help="bookings tried on the free plan (limit 50)")
    parser.add_argument("--worker-messages", type=int, default=1000, help="messages per worker throughput run")
    parser.add_argument("--beat-messages", type=int, default=500, help="due messages left for the two beats")
    parser.add_argument("--beat-wait", type=float, default=150.0, help="seconds the two beats get to tick")
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", message_bench.DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", message_bench.DEFAULT_REDIS_URL)
    message_bench.configure_django(database_url, redis_url)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    message_bench.flush_redis(redis_url)
    delete_scale_businesses()  # left by an interrupted run

    from billing.selectors import current_period, plan_limits_get, usage_used
    from scheduling.models import Appointment
    from tests.fakes.whatsapp_cloud import FakeWhatsAppCloud

    figures: dict = {"bench": "scale"}
    with tempfile.TemporaryDirectory(prefix="agendazap-bench-scale-") as log_dir, FakeWhatsAppCloud() as whatsapp:
        servers = Servers(Path(log_dir), server_environment(database_url, redis_url, whatsapp))
        workers = message_bench.Workers(
            database_url=database_url, redis_url=redis_url, whatsapp=whatsapp, log_dir=Path(log_dir), concurrency=2
        )
        try:
            for port in WEB_PORTS:
                servers.web(port)

            # 1. Web throughput: one instance, then both (no worker: the messages wait in Redis).
            busy, busy_service = scale_business("busy", "enterprise")
            starts = offered_starts(busy, busy_service, 2 * args.bookings)
            one, one_seconds = drive(
                bookings(busy, busy_service, starts[: args.bookings], serial_start=0), WEB_PORTS[:1], args.clients
            )
            two, two_seconds = drive(
                bookings(busy, busy_service, starts[args.bookings :], serial_start=args.bookings),
                WEB_PORTS,
                args.clients,
            )
            figures["web"] = {
                "one_instance_per_second": round(one[201] / one_seconds, 1),
                "two_instances_per_second": round(two[201] / two_seconds, 1),
                "two_vs_one": round((two[201] / two_seconds) / (one[201] / one_seconds), 2) if one[201] else None,
                "errors": sum(count for status, count in (one + two).items() if status != 201),
            }
            print(f"web: {figures['web']}", file=sys.stderr)
            delete_scale_businesses()
            message_bench.flush_redis(redis_url)
            whatsapp.reset()

            # 2. The free plan at its limit, two workers and two beats.
            workers.start(2, cap=message_bench.UNCAPPED)
            runs_before = dispatch_runs()
            servers.beat("beat-1")
            servers.beat("beat-2")
            # Due reminders nobody hands over but the beats: both take them at their first tick.
            beat_business, _service = scale_business("beats", "enterprise")
            beat_recipients = message_bench.write_due_messages(
                [beat_business], args.beat_messages, serial_start=500_000
            )
            small, small_service = scale_business("limit", "free")
            limit = plan_limits_get(plan_type="free").limit_for("appointments")
            free_starts = offered_starts(small, small_service, args.limit_attempts)
            # Every fifth attempt goes for the time the one before it asked for: some 409s.
            contested = [free_starts[index - 1] if index % 5 == 4 else start for index, start in enumerate(free_starts)]
            limited, _seconds = drive(
                bookings(small, small_service, contested, serial_start=100_000), WEB_PORTS, args.clients
            )
            # Only a beat's tick (a minute after it starts) hands these over.
            handed_by_beats = wait_for_messages(beat_business, timeout=args.beat_wait)
            settled = wait_for_messages(small, timeout=120)
            beats = message_bench.figures_of(whatsapp.sends, beat_recipients, [beat_business], cap=None)
            figures["two_beats"] = {
                # A lower bound: each beat writes its own count over the other's.
                "dispatch_runs_at_least": dispatch_runs() - runs_before,
                "handed_over_by_the_beats": handed_by_beats,
                "due_messages": args.beat_messages,
                "received": beats["received"],
                "twice": beats["twice"],
                "lost": beats["lost"],
                "not_sent_rows": beats["not_sent_rows"],
            }
            print(f"beats: {figures['two_beats']}", file=sys.stderr)
            live = Appointment.objects.filter(business=small).exclude(status="cancelled").count()
            period = current_period(business=small)
            figures["plan_limit"] = {
                "appointments_limit": limit,
                "attempts": args.limit_attempts,
                "booked_201": limited[201],
                "refused_402": limited[402],
                "taken_409": limited[409],
                "other": sum(count for status, count in limited.items() if status not in (201, 402, 409)),
                "appointments_in_db": live,
                "appointments_counted": usage_used(business=small, resource="appointments", period=period),
                "overlapping": overlapping_bookings(small),
                "messages_settled": settled,
                **message_figures(small, whatsapp),
            }
            plan = figures["plan_limit"]
            plan["exact"] = (
                plan["booked_201"] == limit
                and plan["appointments_in_db"] == limit
                and plan["appointments_counted"] == limit
                and plan["other"] == 0
                and plan["overlapping"] == 0
                and plan["received_twice"] == 0
                and plan["lost"] == 0
                and plan["usage_counted"] == plan["whatsapp_sent"]
                and plan["whatsapp_sent"] <= (plan["whatsapp_limit"] or plan["whatsapp_sent"])
                and settled
            )
            print(f"plan: {plan}", file=sys.stderr)
            beats = figures["two_beats"]
            figures["exact"] = (
                plan["exact"]
                and beats["handed_over_by_the_beats"]
                and beats["received"] == beats["due_messages"]
                and beats["twice"] == beats["lost"] == 0
            )
            servers.stop_all()
            workers.stop_all()
            delete_scale_businesses()

            # 3. Workers: one, then two.
            message_businesses = message_bench.bench_businesses(4)
            per_worker = {}
            for count in (1, 2):
                row = message_bench.run_once(
                    workers,
                    whatsapp,
                    message_businesses,
                    count=args.worker_messages,
                    worker_count=count,
                    cap=message_bench.UNCAPPED,
                    beat_every=60.0,
                    timeout=240,
                )
                per_worker[str(count)] = row
            one_rate, two_rate = per_worker["1"]["per_second"], per_worker["2"]["per_second"]
            figures["workers"] = {
                "one_worker_per_second": one_rate,
                "two_workers_per_second": two_rate,
                "two_vs_one": round(two_rate / one_rate, 2) if one_rate else None,
                "twice": sum(row["twice"] for row in per_worker.values()),
                "lost": sum(row["lost"] for row in per_worker.values()),
            }
            message_bench.clear_messages(message_businesses)
        finally:
            servers.stop_all()
            workers.stop_all()
            with contextlib.suppress(Exception):
                delete_scale_businesses()
            message_bench.flush_redis(redis_url)

    print_table(figures)
    print(json.dumps(figures))


def print_table(figures: dict) -> None:
    web, plan, workers = figures.get("web", {}), figures.get("plan_limit", {}), figures.get("workers", {})
    beats = figures.get("two_beats", {})
    print()
    print("Scale-out on one PostgreSQL and Redis")
    if web:
        print(
            f"  online bookings/s    one instance {web['one_instance_per_second']},"
            f" two {web['two_instances_per_second']}"
            f" (x{web['two_vs_one']}), errors {web['errors']}"
        )
    if workers:
        print(
            f"  messages/s           one worker {workers['one_worker_per_second']},"
            f" two {workers['two_workers_per_second']}"
            f" (x{workers['two_vs_one']}), twice {workers['twice']}, lost {workers['lost']}"
        )
    if plan:
        print(
            f"  free plan ({plan['appointments_limit']}/month), {plan['attempts']} concurrent attempts through both"
            f" instances: {plan['booked_201']} booked, {plan['refused_402']} refused 402,"
            f" {plan['taken_409']} taken 409, {plan['other']} other"
        )
        print(
            f"  in the database      {plan['appointments_in_db']} bookings, counted {plan['appointments_counted']},"
            f" overlapping {plan['overlapping']}"
        )
        print(
            f"  WhatsApp (2 workers, 2 beats)  {plan['whatsapp_sent']} sent of {plan['whatsapp_rows']}"
            f" (limit {plan['whatsapp_limit']}, counted {plan['usage_counted']}), failed over the plan"
            f" {plan['whatsapp_failed_over_plan']}, received twice {plan['received_twice']}, lost {plan['lost']}"
        )
        print(f"  all exact            {plan['exact']}")
    if beats:
        print(
            f"  two beats            {beats['due_messages']} due messages only they hand over:"
            f" {beats['received']} received, twice {beats['twice']}, lost {beats['lost']}"
        )
    print()


if __name__ == "__main__":
    main()
