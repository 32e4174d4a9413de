"""The benchmark instrument's pure parts, on wrk output captured from real runs: no load here."""

import json
import os

import pytest

from agendazap import settings as project_settings
from bench import floor_settings, report, wrk
from bench.run import EXTRA_SCRIPTS, asset_urls, run_extras

# wrk 4.1.0 --latency against the floor, 2 threads and 8 connections.
GET_OUTPUT = """\
Running 2s test @ http://127.0.0.1:8203/floor
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    91.81ms   44.48ms 277.86ms   80.43%
    Req/Sec    43.05     16.44    80.00     64.10%
  Latency Distribution
     50%   84.61ms
     75%  109.78ms
     90%  133.47ms
     99%  257.01ms
  175 requests in 2.08s, 38.11KB read
Requests/sec:     84.05
Transfer/sec:     18.30KB
"""

# The same with the booking script (bench/wrk.py), answers counted by status, and failures.
BOOKING_OUTPUT = """\
Running 15s test @ http://127.0.0.1:8202/api/appointments/public
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.37s   412.10ms   2.07s    71.00%
    Req/Sec     4.10      3.20     12.00     80.00%
  Latency Distribution
     50%    1.37s
     75%    1.62s
     90%    1.80s
     99%    2.07s
  103 requests in 15.02s, 61.80KB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 9
Requests/sec:      6.86
Transfer/sec:      4.11KB
statuses {"201": 94, "409": 7, "500": 2}
"""


def test_wrk_report_is_read():
    result = wrk.parse(GET_OUTPUT)

    assert result.requests == 175
    assert result.seconds == pytest.approx(2.08)
    assert result.requests_per_second == pytest.approx(84.05)
    assert result.latency_ms == {50: 84.61, 75: 109.78, 90: 133.47, 99: 257.01}
    assert (result.non_2xx_3xx, result.socket_errors, result.statuses) == (0, 0, {})


def test_booking_report_counts_statuses_and_failures():
    result = wrk.parse(BOOKING_OUTPUT)

    assert result.percentile(50) == pytest.approx(1370.0)
    assert result.percentile(99) == pytest.approx(2070.0)
    assert result.statuses == {201: 94, 409: 7, 500: 2}
    assert result.non_2xx_3xx == 9
    assert result.socket_errors == 2


@pytest.mark.parametrize(
    ("text", "milliseconds"),
    [("812.00us", 0.812), ("4.21ms", 4.21), ("1.02s", 1020.0), ("2.00m", 120_000.0)],
)
def test_wrk_durations_in_milliseconds(text, milliseconds):
    assert wrk.duration_ms(text) == pytest.approx(milliseconds)


@pytest.mark.parametrize(
    "broken",
    [
        "",
        "unable to connect to 127.0.0.1:8202 Connection refused",
        GET_OUTPUT.replace("  Latency Distribution\n", "").replace("     99%  257.01ms\n", ""),
    ],
)
def test_output_it_cannot_read_is_an_error(broken):
    with pytest.raises(wrk.WrkError):
        wrk.parse(broken)


def test_booking_script_books_each_time_once_per_thread_stride():
    body = json.dumps({"start_time": "{start_time}", "client_name": "Cliente Bench {n}", "client_whatsapp": "{phone}"})

    script = wrk.booking_script(
        path="/api/appointments/",
        body_template=body,
        start_times=["2026-12-10T09:00:00-03:00", "2026-12-10T09:15:00-03:00"],
        phone_prefix="+551198",
        headers={"Authorization": "Bearer abc"},
    )

    assert 'wrk.method = "POST"' in script
    assert 'wrk.headers["Authorization"] = "Bearer abc"' in script
    assert '{"2026-12-10T09:00:00-03:00", "2026-12-10T09:15:00-03:00"}' in script
    assert "local n = id + sent * {THREADS}" in script  # wrk.run fills in the thread count
    assert json.dumps(body) in script  # the JSON body as one Lua string literal
    assert 'io.write("statuses {"' in script


def _row(path, group, rps, floor, **extra):
    return report.Row(
        size=extra.pop("size", "100,000 appts"),
        path=path,
        group=group,
        requests_per_second=rps,
        floor_requests_per_second=floor,
        p50_ms=4.0,
        p99_ms=12.0,
        connections=8,
        **extra,
    )


def test_targets_are_judged_per_row():
    rows = [
        _row("availability, owner API", report.AVAILABILITY, 950, 1900, queries=4),
        _row("availability, public day", report.AVAILABILITY, 113, 1900, queries=9),
        _row("/health", report.HEALTH, 1045, 1900, queries=1),
        _row("booking, owner API", report.BOOKING, 40, 1900, queries=18, errors=2, statuses={201: 30, 500: 2}),
        _row("booking, online (public API)", report.BOOKING, 0, 1900, queries=19),
        _row("public booking page", report.PAGE, 500, 1900, queries=3, page_with_assets_bytes=120 * 1024),
        _row("dashboard home", report.PAGE, 300, 1900, queries=8),
    ]

    report.evaluate(rows)

    assert [row.met for row in rows] == [True, False, False, False, False, False, None]
    assert rows[1].misses == ["0.06 × floor < 0.5", "9 queries > 4"]
    assert rows[2].misses == ["0.55 × floor < 0.8"]
    assert rows[3].misses == ["2 errors"]
    assert rows[4].misses == ["no booking answered within the run"]
    assert rows[5].misses == ["page with assets 120 KB ≥ 100 KB"]


def test_lists_must_keep_their_queries_across_page_and_data_sizes():
    rows = [
        _row("client list (API)", report.LIST, 900, 1900, queries=5, queries_one_row=5, size="1,000 appts"),
        _row("client list (API)", report.LIST, 900, 1900, queries=6, queries_one_row=5, size="100,000 appts"),
        _row("appointment list (API)", report.LIST, 900, 1900, queries=5, queries_one_row=5),
    ]

    report.evaluate(rows)

    assert rows[0].misses == ["queries change with the data size: 5, 6"]
    assert rows[1].misses == ["queries change with the data size: 5, 6", "5 queries at 1 row, 6 at a full page"]
    assert rows[2].met is True


def test_floor_is_the_mean_of_the_runs_around_the_path():
    assert report.floor_between(1800, 2000) == 1900
    assert _row("x", report.HEALTH, 950, report.floor_between(1800, 2000)).ratio == pytest.approx(0.5)


def test_results_file_names_machine_date_sizes_figures_and_other_scripts():
    rows = [_row("/health", report.HEALTH, 1600, 1900, queries=1)]
    report.evaluate(rows)

    text = report.results_markdown(
        machine={"cores": "2", "CPU": "AMD EPYC", "PostgreSQL": "15.20"},
        date="2026-12-05 06:40 UTC",
        sizes=["100,000 appts: seeded 20 businesses, 100000 appointments in 40 s"],
        rows=rows,
        extras={"messages.py": {"cap_share": "94 %", "duplicates": 0}},
        notes=["measured while other work loaded the machine"],
    )

    assert "Measured 2026-12-05 06:40 UTC." in text
    assert "- cores: 2\n- CPU: AMD EPYC\n- PostgreSQL: 15.20" in text
    assert "- 100,000 appts: seeded 20 businesses" in text
    assert report.TABLE_HEADER in text
    assert "| 100,000 appts | /health | 8 | 1,600 | 0.84 | 4.0 | 12.0 | 1 |" in text
    assert "| ≥ 0.8 × floor | yes |" in text
    assert "| messages.py | cap_share | 94 % |" in text
    assert "| messages.py | duplicates | 0 |" in text
    assert "- measured while other work loaded the machine" in text
    assert "## How to read this" in text


def test_public_page_assets_are_the_same_site_css_js_and_images():
    page = """<html><head><link rel="stylesheet" href="/static/css/app.css">
    <link rel="icon" href="/static/favicon.svg"><link rel="preconnect" href="https://example.com"></head>
    <body><img src="/b/negocio-0001/logo/3" alt=""><img src="https://cdn.example.com/x.png">
    <script src="/static/js/booking.js" defer></script><script>inline()</script></body></html>"""

    assert asset_urls(page) == [
        "/static/css/app.css",
        "/static/favicon.svg",
        "/b/negocio-0001/logo/3",
        "/static/js/booking.js",
    ]


@pytest.mark.django_db
@pytest.mark.urls("bench.floor_urls")
def test_floor_view_runs_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/floor")

    assert response.status_code == 200
    assert response.json()["row"]["model"] == "appointment"


def test_floor_has_no_middleware_and_the_projects_database_settings():
    assert floor_settings.MIDDLEWARE == []
    assert floor_settings.DATABASES is project_settings.DATABASES


def test_other_bench_scripts_give_their_last_line_of_json(tmp_path):
    first, second = EXTRA_SCRIPTS
    (tmp_path / first).write_text('print("a table")\nprint(\'{"share_of_cap": 0.94, "twice": 0}\')\n')
    (tmp_path / second).write_text('print("no figures")\nraise SystemExit(3)\n')

    figures = run_extras(dict(os.environ), folder=tmp_path)

    assert figures == {
        first: {"share_of_cap": 0.94, "twice": 0},
        second: {"error": "exit code 3, no JSON object on the last line"},
    }


def test_missing_bench_scripts_are_skipped(tmp_path):
    assert run_extras(dict(os.environ), folder=tmp_path) == {}
