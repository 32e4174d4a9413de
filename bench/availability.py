"""Benchmark the availability engine and booking on a busy business.

Builds a throwaway database (a temporary SQLite file, or the database named by
BENCH_DATABASE_URL — it must be a scratch database, its tables are created there), fills a
business with professionals and a month of appointments, then prints per-call timings and
query counts for availability (one professional and "any") and for booking.

    .venv/bin/python bench/availability.py [--professionals 5] [--days 30] [--runs 50]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--professionals", type=int, default=5)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="agendazap-bench-")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.pop("REDIS_URL", None)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["WHATSAPP_BACKEND"] = "notifications.backends.whatsapp.InMemoryBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agendazap.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import user_register
    from agendazap.events import Actor, Via
    from billing.services import plan_change
    from catalog.models import Service
    from scheduling import selectors, services
    from scheduling.models import AppointmentStatus, WorkingHours

    call_command("migrate", verbosity=0)
    business = user_register(
        email="bench@agendazap.local", password="bench-2026-senha", business_name="Bench"
    ).last_business
    plan_change(business=business, plan_type="enterprise")  # no limits in the way of the measurement
    service = Service.objects.create(business=business, name="Corte", duration=30, price=40)
    for n in range(args.professionals - 1):
        services.professional_create(business=business, name=f"Pro {n}")
    WorkingHours.objects.filter(professional__business=business).update(start_time="08:00", end_time="20:00")
    services.booking_rules_update(business=business, data={"min_notice_minutes": 0, "max_days_ahead": 365})

    tz = selectors.business_timezone(business)
    actor = Actor.business(business.owner_login, via=Via.API)
    start_day = (datetime.now(tz) + timedelta(days=1)).date()
    booked = 0
    for offset in range(args.days):
        day = start_day + timedelta(days=offset)
        # Book every other free slot of the day, for every professional.
        for index, slot in enumerate(selectors.availability_get(business=business, service=service, day=day).slots):
            if index % 2 == 0:
                services.appointment_book(
                    business=business,
                    actor=actor,
                    service_id=service.pk,
                    start_time=slot,
                    client_name=f"Cliente {booked}",
                    client_whatsapp=f"+55119{booked:08d}",
                    status=AppointmentStatus.CONFIRMED,
                )
                booked += 1
    setup = f"{args.professionals} professionals, {booked} appointments over {args.days} days"
    print(f"database: {connection.vendor}; {setup}")

    def timed(label: str, call) -> None:
        samples = []
        with CaptureQueriesContext(connection) as queries:
            call()
        for _ in range(args.runs):
            began = time.perf_counter()
            call()
            samples.append((time.perf_counter() - began) * 1000)
        print(
            f"{label:<38} median {statistics.median(samples):6.2f} ms  "
            f"p95 {sorted(samples)[int(len(samples) * 0.95) - 1]:6.2f} ms  queries {len(queries)}"
        )

    busy_day = start_day + timedelta(days=args.days // 2)
    first_pro = business.professionals.get(is_owner=True)
    timed(
        "availability, any professional",
        lambda: selectors.availability_get(business=business, service=service, day=busy_day),
    )
    timed(
        "availability, one professional",
        lambda: selectors.availability_get(business=business, service=service, day=busy_day, professional=first_pro),
    )

    free = iter(selectors.availability_get(business=business, service=service, day=busy_day).slots * 10)

    def book_and_cancel() -> None:
        appointment = services.appointment_book(
            business=business,
            actor=actor,
            service_id=service.pk,
            start_time=next(free),
            client_name="X",
            client_whatsapp="+5511999990000",
        )
        services.appointment_cancel(appointment=appointment, actor=actor)

    timed("book + cancel (any professional)", book_and_cancel)


if __name__ == "__main__":
    main()
