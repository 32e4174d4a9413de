"""Measure AgendaZap's hot paths against the floor of the stack, in one run: what `make bench` runs.

For each data size (a small and a large history) it recreates a scratch PostgreSQL database
(BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/agendazap_bench; its name must
contain "bench", it is dropped) and uses a scratch Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/9), migrates, seeds it with `manage.py seed_demo --businesses N
--appointments M`, serves the floor (bench/floor_urls.py) and the project through gunicorn with the
same settings, and loads every path with wrk, the floor measured before and after each path.
A separate pass counts each path's SQL queries with Django's test client. Then it runs the other
bench scripts (EXTRA_SCRIPTS) and writes bench/RESULTS.md. Every process it starts is stopped
at the end, on an error or on Ctrl-C.

    .venv/bin/python bench/run.py [--businesses 20] [--appointments 100000] [--small-appointments 1000]
                                  [--seconds 10] [--skip-extra]
"""

import argparse
import html.parser
import http.client
import json
import logging
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script (`python bench/run.py`), the repository is the import root

from bench import report, wrk  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/agendazap_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
FLOOR_PORT, APP_PORT = 8201, 8202
# Scripts beside this one that measure what needs workers (messages, scale-out); each prints its
# figures as a JSON object on its last stdout line.
EXTRA_SCRIPTS = ["messages.py", "scale.py"]
# The production shape the issue measures: gunicorn's sync worker (one thread), two of them.
GUNICORN_WORKERS, GUNICORN_THREADS = "2", "1"
LOAD_CONNECTIONS, BOOKING_CONNECTIONS = 8, 50
# 50 clients queue behind two workers: a booking may wait seconds before it is served, not an error.
BOOKING_TIMEOUT_SECONDS = 30
PAGE_ROWS = 50
SEQUENTIAL_REQUESTS = 20
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production"  # noqa: S105 - scratch servers on 127.0.0.1


@dataclass
class HotPath:
    """One path to load: `url` is relative to the project server."""

    name: str
    group: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    one_row_url: str | None = None  # lists: the same page with one row, for the query count
    assets: bool = False  # measure the page with its CSS, JS and images


@dataclass
class Fixture:
    """What the paths need from the seeded database: ids, a busy day, credentials, free times."""

    slug: str
    business_id: str
    service_id: str
    client_id: str
    busy_day: date
    token: str
    session_cookie: str
    owner_times: list[str]
    public_times: list[str]
    counted_times: list[str]
    history: str  # the busy business's share of the data, for the report


# --- Environment -------------------------------------------------------------------------------------
def bench_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of every process of the run: production-like, on the scratch services."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ENVIRONMENT="development",
        DEBUG="0",
        SECRET_KEY=BENCH_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        WHATSAPP_BACKEND="notifications.backends.whatsapp.InMemoryBackend",
        # Thousands of bookings come from one address in a few seconds: the online limits would refuse them.
        PUBLIC_BOOKINGS_PER_IP_HOUR="100000000",
        PUBLIC_BOOKINGS_PER_PHONE_HOUR="100000000",
        ACCESS_TOKEN_EXPIRE_MINUTES="600",
        PYTHONPATH=str(ROOT),
    )
    return env


def recreate_database(database_url: str) -> None:
    """Drop and create the scratch database (refused unless its name says it is a bench database)."""
    import psycopg  # noqa: PLC0415 - only the orchestrating process needs it, after the argument checks

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"BENCH_DATABASE_URL names {name!r}: it is dropped, so its name must contain 'bench'")
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    import redis  # noqa: PLC0415 - as above

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


# --- Processes -----------------------------------------------------------------------------------------
class Processes:
    """Every server this run starts, each in its own process group, stopped together."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[tuple[str, subprocess.Popen]] = []

    def gunicorn(self, name: str, app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
        env = {
            **env,
            "GUNICORN_WORKERS": GUNICORN_WORKERS,
            "GUNICORN_THREADS": GUNICORN_THREADS,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
        }
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            [str(Path(sys.executable).parent / "gunicorn"), "--config", str(ROOT / "docker/gunicorn.conf.py"), app],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append((name, process))
        return process

    def stop_all(self) -> None:
        for _name, process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, process in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} was not ready within {timeout:.0f} s (log: {log})")


# --- Database content -----------------------------------------------------------------------------------
def seed(env: dict[str, str], businesses: int, appointments: int) -> str:
    """Seed the scratch database with `manage.py seed_demo`; return its summary line."""
    done = subprocess.run(  # noqa: S603 - fixed command line
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "seed_demo",
            "--businesses",
            str(businesses),
            "--appointments",
            str(appointments),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"seed_demo failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def fixture() -> Fixture:
    """Pick the busy business's ids, a busy day, credentials and free times for the bookings."""
    # Django is set up by main() on the scratch database before this runs.
    from django.db.models import Count  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from accounts.models import Business, User  # noqa: PLC0415
    from accounts.services import tokens_issue  # noqa: PLC0415
    from crm.models import Client as CrmClient  # noqa: PLC0415
    from scheduling import selectors  # noqa: PLC0415

    business = Business.objects.get(slug="negocio-0001")
    owner = User.objects.get(email="dono0001@seed.agendazap.local")
    service = (
        business.services.filter(is_active=True, duration__lte=60)
        .annotate(booked=Count("appointments"))
        .order_by("-booked")
        .first()
    )
    client = CrmClient.objects.filter(business=business).order_by("-total_appointments").first()
    tz = selectors.business_timezone(business)
    today = timezone.now().astimezone(tz).date()
    ahead = [today + timedelta(days=n) for n in range(1, 31)]
    busy_day = max(
        ahead,
        key=lambda day: (
            len(selectors.availability_get(business=business, service=service, day=day).busy),
            -abs((day - today).days - 7),
        ),
    )
    rules = selectors.booking_rules_get(business=business)
    owner_times, public_times, counted_times = [], [], []
    for offset in range(2, rules.max_days_ahead):
        day = today + timedelta(days=offset)
        if day == busy_day:
            continue
        slots = [
            slot.isoformat() for slot in selectors.availability_get(business=business, service=service, day=day).slots
        ]
        if len(counted_times) < 4:
            counted_times.extend(slots[:2])
            slots = slots[2:]
        (owner_times if offset % 2 else public_times).extend(slots)
    browser = Client()
    browser.force_login(owner)
    return Fixture(
        business_id=str(business.pk),
        slug=business.slug,
        service_id=str(service.pk),
        client_id=str(client.pk),
        busy_day=busy_day,
        token=tokens_issue(user=owner)["access_token"],
        session_cookie=f"sessionid={browser.cookies['sessionid'].value}",
        owner_times=owner_times,
        public_times=public_times,
        counted_times=counted_times,
        history=(
            f"busy business {business.slug}: {business.appointments.count():,} appointments, "
            f"{business.professionals.filter(is_active=True).count()} professionals; "
            f"availability measured on {busy_day.isoformat()} "
            f"({business.appointments.filter(start_time__date=busy_day).count()} booked that day)"
        ),
    )


def paths(fix: Fixture) -> list[HotPath]:
    bearer = {"Authorization": f"Bearer {fix.token}"}
    day, month = fix.busy_day.isoformat(), fix.busy_day.strftime("%Y-%m")
    page = f"/b/{fix.slug}/book/{fix.service_id}/"
    return [
        HotPath("availability, owner API", report.AVAILABILITY,
              f"/api/appointments/availability?service_id={fix.service_id}&date={day}", bearer),
        HotPath("availability, public day", report.AVAILABILITY, f"{page}?date={day}"),
        HotPath("availability, public month", report.AVAILABILITY, f"{page}?month={month}"),
        HotPath("/health", report.HEALTH, "/health"),
        HotPath("appointment list (API)", report.LIST, f"/api/appointments?per_page={PAGE_ROWS}", bearer,
              one_row_url="/api/appointments?per_page=1"),
        HotPath("client list (API)", report.LIST, f"/api/clients?per_page={PAGE_ROWS}", bearer,
              one_row_url="/api/clients?per_page=1"),
        HotPath("client history (API)", report.LIST, f"/api/clients/{fix.client_id}/history?per_page={PAGE_ROWS}",
              bearer, one_row_url=f"/api/clients/{fix.client_id}/history?per_page=1"),
        HotPath("public booking page", report.PAGE, f"/b/{fix.slug}/", assets=True),
        HotPath("dashboard home", report.PAGE, "/dashboard/", {"Cookie": fix.session_cookie}),
    ]  # fmt: skip


def booking_body(fix: Fixture, online: bool) -> str:
    if online:
        return json.dumps({
            "business_slug": fix.slug, "service_id": fix.service_id, "start_time": "{start_time}",
            "client_name": "Cliente Bench {n}", "client_whatsapp": "{phone}", "consent_whatsapp": True,
        })  # fmt: skip
    return json.dumps({
        "service_id": fix.service_id, "start_time": "{start_time}",
        "client_name": "Cliente Bench {n}", "client_whatsapp": "{phone}",
    })  # fmt: skip


BOOKINGS = [
    # name, URL, online, phone prefix (+55 11 9 and 8 digits: the prefix and 7 more)
    ("booking, owner API", "/api/appointments/", False, "+551198"),
    ("booking, online (public API)", "/api/appointments/public", True, "+551197"),
]


# --- Query counts ------------------------------------------------------------------------------------------
def count_queries(fix: Fixture, targets: list[HotPath], *, bookings: bool) -> dict[str, tuple[int, int | None]]:
    """Queries of each path (and of a one-row page for lists) on its second request, caches warm."""
    from django.db import connection  # noqa: PLC0415 - Django is set up by main()
    from django.test import Client  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    def count(url: str, headers: dict[str, str], bodies: list[str] | None = None) -> int:
        client = Client(HTTP_HOST="127.0.0.1", **{f"HTTP_{k.upper()}": v for k, v in headers.items() if k != "Cookie"})
        if "Cookie" in headers:
            name, _, value = headers["Cookie"].partition("=")
            client.cookies[name] = value
        for body in bodies or [None, None]:
            with CaptureQueriesContext(connection) as queries:
                if body is None:
                    response = client.get(url)
                else:
                    response = client.post(url, data=body, content_type="application/json")
            if response.status_code not in (200, 201):
                raise SystemExit(f"{url} answered {response.status_code} in the query pass: {response.content[:500]!r}")
        return len(queries)

    results: dict[str, tuple[int, int | None]] = {}
    for target in targets:
        full = count(target.url, target.headers)
        one = count(target.one_row_url, target.headers) if target.one_row_url else None
        results[target.name] = (full, one)
    for index, (name, url, online, prefix) in enumerate(BOOKINGS if bookings else []):
        bodies = [
            booking_body(fix, online)
            .replace("{start_time}", start)
            .replace("{n}", str(attempt))
            .replace("{phone}", f"{prefix}9{index}{attempt:05d}")
            for attempt, start in enumerate(fix.counted_times[index * 2 : index * 2 + 2])
        ]
        results[name] = (count(url, {} if online else {"Authorization": f"Bearer {fix.token}"}, bodies), None)
    return results


# --- HTTP measurements -------------------------------------------------------------------------------------------
class _Assets(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = values.get("rel") or ""
        if tag == "link" and ("stylesheet" in rel or "icon" in rel):
            self.urls.append(values.get("href") or "")
        elif tag in ("script", "img") and values.get("src"):
            self.urls.append(values["src"] or "")


def asset_urls(page: str) -> list[str]:
    """The stylesheets, icons, scripts and images a page loads (same-site, relative URLs)."""
    parser = _Assets()
    parser.feed(page)
    return [url for url in dict.fromkeys(parser.urls) if url and url.startswith("/")]


def sequential(port: int, url: str, headers: dict[str, str], before_each=None) -> tuple[float, bytes]:
    """Median milliseconds of sequential GETs on one kept-alive connection, and the last body
    (`before_each()` runs before each request, outside the time measured)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples, body = [], b""
    try:
        for _ in range(SEQUENTIAL_REQUESTS):
            if before_each is not None:
                before_each()
            began = time.perf_counter()
            connection.request("GET", url, headers=headers)
            response = connection.getresponse()
            body = response.read()
            samples.append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                raise SystemExit(f"GET {url} answered {response.status}: {body[:500]!r}")
    finally:
        connection.close()
    return statistics.median(samples), body


def computed_answer(fix: Fixture, target: HotPath, floor_ms: float) -> str:
    """The path's time when its answer is computed on every request (the agenda changed just
    before, as after a booking), beside the floor's one request: what a page not in the cache costs."""
    from agendazap.business_cache import agenda_changed  # noqa: PLC0415 - Django is set up by main()

    computed_ms, _body = sequential(APP_PORT, target.url, target.headers, lambda: agenda_changed(fix.business_id))
    return (
        f"answer computed on every request (agenda changed before each) {computed_ms:.1f} ms, "
        f"floor {floor_ms:.1f} ms: {floor_ms / computed_ms:.2f} × floor on one connection"
    )


def page_with_assets(port: int, page: bytes) -> tuple[int, list[str]]:
    total, lines = len(page), []
    for url in asset_urls(page.decode("utf-8", "replace")):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=10) as response:  # noqa: S310
            size = len(response.read())
        total += size
        lines.append(f"{url} {size:,} B")
    return total, lines


def progress(row: report.Row) -> None:
    print(
        f"[{row.size}] {row.path}: {row.requests_per_second:,.0f} req/s = {row.ratio:.2f} × floor, "
        f"p99 {row.p99_ms:,.0f} ms, {row.errors} errors",
        flush=True,
    )


# --- One data size -------------------------------------------------------------------------------------------------
def measure_size(
    label: str, fix: Fixture, targets: list[HotPath], *, bookings: bool, args, notes: list[str], tmp: Path
) -> list[report.Row]:
    floor_url = f"http://127.0.0.1:{FLOOR_PORT}/floor"
    seconds = args.seconds

    def load(url: str, headers: dict[str, str] | None = None, **options) -> wrk.WrkResult:
        return wrk.run(url, seconds=seconds, connections=options.pop("connections", LOAD_CONNECTIONS),
                       headers=headers, **options)  # fmt: skip

    def floor() -> float:
        result = load(floor_url)
        if result.non_2xx_3xx or result.socket_errors or not result.requests:
            raise SystemExit(f"the floor itself failed ({result}): no ratio would mean anything")
        return result.requests_per_second

    wrk.run(floor_url, seconds=2, connections=LOAD_CONNECTIONS)  # warm-up
    before = floor()
    floor_ms, _floor_body = sequential(FLOOR_PORT, "/floor", {})
    rows = []
    for target in targets:
        server_ms, body = sequential(APP_PORT, target.url, target.headers)
        if target.group in (report.AVAILABILITY, report.LIST):
            notes.append(f"{label}, {target.name}: {computed_answer(fix, target, floor_ms)}")
        url = f"http://127.0.0.1:{APP_PORT}{target.url}"
        wrk.run(url, seconds=1, connections=LOAD_CONNECTIONS, headers=target.headers)  # warm-up
        result = load(url, target.headers)
        after = floor()
        row = report.Row(
            size=label,
            path=target.name,
            group=target.group,
            requests_per_second=result.requests_per_second,
            floor_requests_per_second=report.floor_between(before, after),
            p50_ms=result.percentile(50),
            p99_ms=result.percentile(99),
            connections=LOAD_CONNECTIONS,
            errors=result.non_2xx_3xx + result.socket_errors,
            server_ms=server_ms,
            response_bytes=len(body),
        )
        if target.assets:
            row.page_with_assets_bytes, lines = page_with_assets(APP_PORT, body)
            notes.append(f"{label}, {target.name}: page {len(body):,} B + " + ", ".join(lines))
        rows.append(row)
        progress(row)
        before = after
    for name, url, online, prefix in BOOKINGS if bookings else []:
        times = fix.public_times if online else fix.owner_times
        headers = {} if online else {"Authorization": f"Bearer {fix.token}"}
        script = wrk.booking_script(
            path=url, body_template=booking_body(fix, online), start_times=times, phone_prefix=prefix, headers=headers
        )
        result = wrk.run(
            f"http://127.0.0.1:{APP_PORT}{url}",
            seconds=args.booking_seconds,
            connections=BOOKING_CONNECTIONS,
            timeout_seconds=BOOKING_TIMEOUT_SECONDS,
            script=script,
            script_path=str(tmp / "booking.lua"),
        )
        after = floor()
        unexpected = sum(n for status, n in result.statuses.items() if not (200 <= status < 300 or status == 409))
        rows.append(
            report.Row(
                size=label,
                path=name,
                group=report.BOOKING,
                requests_per_second=result.requests_per_second,
                floor_requests_per_second=report.floor_between(before, after),
                p50_ms=result.percentile(50),
                p99_ms=result.percentile(99),
                connections=BOOKING_CONNECTIONS,
                errors=unexpected + result.socket_errors,
                statuses=result.statuses,
            )
        )
        notes.append(
            f"{label}, {name}: answers "
            + ", ".join(f"{status}: {n}" for status, n in sorted(result.statuses.items()))
            + f" over {len(times)} distinct free times"
        )
        progress(rows[-1])
        before = after
    return rows


def run_size(label: str, appointments: int, args, env: dict[str, str], tmp: Path, notes: list[str]):
    from django.core.management import call_command  # noqa: PLC0415 - Django is set up by main()
    from django.db import connections  # noqa: PLC0415

    connections.close_all()
    recreate_database(env["DATABASE_URL"])
    flush_redis(env["REDIS_URL"])
    call_command("migrate", verbosity=0)
    began = time.monotonic()
    summary = seed(env, args.businesses, appointments)
    print(f"[{label}] {summary}; {time.monotonic() - began:.0f} s", flush=True)
    fix = fixture()
    large = label == args.large_label
    # The small size checks what must not change with the history: availability and lists.
    targets = [target for target in paths(fix) if large or target.group in SIZE_SENSITIVE]
    queries = count_queries(fix, targets, bookings=large)
    connections.close_all()

    processes = Processes(tmp)
    try:
        floor = processes.gunicorn("floor", "bench.floor_wsgi:application", FLOOR_PORT, env)
        app = processes.gunicorn("app", "agendazap.wsgi:application", APP_PORT, env)
        wait_ready(f"http://127.0.0.1:{FLOOR_PORT}/floor", floor, tmp / "floor.log")
        wait_ready(f"http://127.0.0.1:{APP_PORT}/health", app, tmp / "app.log")
        rows = measure_size(label, fix, targets, bookings=large, args=args, notes=notes, tmp=tmp)
    finally:
        processes.stop_all()
    for row in rows:
        row.queries, row.queries_one_row = queries.get(row.path, (None, None))
    return f"{summary}; {fix.history}", rows


SIZE_SENSITIVE = (report.AVAILABILITY, report.LIST)


# --- Other scripts, machine, main ------------------------------------------------------------------------------------
def run_extras(env: dict[str, str], folder: Path = ROOT / "bench") -> dict[str, dict]:
    """Run each EXTRA_SCRIPTS present; keep the JSON object each prints on its last stdout line."""
    figures: dict[str, dict] = {}
    for name in EXTRA_SCRIPTS:
        script = folder / name
        if not script.exists():
            continue
        print(f"[extra] {name}", flush=True)
        done = subprocess.run([sys.executable, str(script)], env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr[-3000:])
        lines = done.stdout.strip().splitlines()
        try:
            parsed = json.loads(lines[-1]) if lines else None
        except json.JSONDecodeError:
            parsed = None
        if done.returncode != 0 or not isinstance(parsed, dict):
            parsed = {"error": f"exit code {done.returncode}, no JSON object on the last line"}
        figures[name] = parsed
    return figures


def machine(env: dict[str, str]) -> dict[str, str]:
    import redis  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415 - Django is set up by main()

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )  # fmt: skip
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    client = redis.Redis.from_url(env["REDIS_URL"])
    try:
        redis_version = client.info("server")["redis_version"]
    finally:
        client.close()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "cores": str(os.cpu_count()),
        "CPU": cpu,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "PostgreSQL": postgres,
        "Redis": redis_version,
        "Python": platform.python_version(),
        "load average at the start (1, 5, 15 min)": load,
        "servers": f"gunicorn docker/gunicorn.conf.py, {GUNICORN_WORKERS} sync workers, DEBUG=0, on 127.0.0.1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=20)
    parser.add_argument("--appointments", type=int, default=100_000, help="history of the large size")
    parser.add_argument("--small-appointments", type=int, default=1_000, help="history of the small size (0: skip)")
    parser.add_argument("--seconds", type=int, default=8, help="duration of each wrk run")
    parser.add_argument(
        "--booking-seconds", type=int, default=15, help="duration of each booking run (50 clients queue for long)"
    )
    parser.add_argument("--skip-extra", action="store_true", help="do not run " + ", ".join(EXTRA_SCRIPTS))
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this folder (default: removed)")
    parser.add_argument("--note", action="append", default=[], help="a line added to the notes of RESULTS.md")
    args = parser.parse_args()
    if not wrk.available():
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")
    args.large_label = f"{args.appointments:,} appts"
    sizes = [(f"{args.small_appointments:,} appts", args.small_appointments)] if args.small_appointments else []
    sizes.append((args.large_label, args.appointments))

    env = bench_environment(
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL), os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    )
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "agendazap.settings"
    import django  # noqa: PLC0415 - set up only once the environment names the scratch services

    django.setup()
    # The servers log every request (production's level); this process's own test requests need not.
    logging.getLogger("agendazap.requests").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    # Ctrl-C and SIGTERM end the run through the finally blocks that stop the servers (SIGINT is
    # set too: a shell starts background jobs with it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = datetime.now(UTC)
    load_at_start = os.getloadavg()[0]
    print(f"bench: {args.businesses} businesses; sizes " + ", ".join(label for label, _ in sizes), flush=True)
    notes: list[str] = list(args.note)
    rows: list[report.Row] = []
    summaries = []
    with tempfile.TemporaryDirectory(prefix="agendazap-bench-") as tmp:
        logs = args.logs or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        for label, appointments in sizes:
            summary, measured = run_size(label, appointments, args, env, logs, notes)
            summaries.append(f"{label}: {summary}")
            rows.extend(measured)
        about_machine = machine(env)
    cores = os.cpu_count() or 1
    busiest = max(load_at_start, *os.getloadavg()[:1])
    if busiest > cores / 2:
        notes.append(
            f"measured while other work loaded the machine (load average up to {busiest:.1f} on {cores} cores): "
            "the req/s are low and noisy, compare the ratios and query counts"
        )
    extras = {} if args.skip_extra else run_extras(env)
    report.evaluate(rows)
    print("\n" + report.table(rows))
    print("\n" + report.extra_figures(extras))
    args.results.write_text(
        report.results_markdown(
            machine=about_machine,
            date=started.strftime("%Y-%m-%d %H:%M UTC"),
            sizes=[
                *summaries,
                f"each wrk run {args.seconds} s with {LOAD_CONNECTIONS} connections; "
                f"bookings {args.booking_seconds} s with {BOOKING_CONNECTIONS}",
            ],
            rows=rows,
            extras=extras,
            notes=notes,
        ),
        encoding="utf-8",
    )
    print(f"\nwrote {args.results}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every server this run started is stopped")
