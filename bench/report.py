"""The benchmark's figures, the issue's targets and RESULTS.md: pure functions, tested in tests/test_bench.py."""

from collections import defaultdict
from dataclasses import dataclass, field

PUBLIC_PAGE_BYTES_LIMIT = 100 * 1024

AVAILABILITY, HEALTH, BOOKING, LIST, PAGE = "availability", "health", "booking", "list", "page"

# What each group of paths must reach; the wording is printed beside every row.
TARGETS = {
    AVAILABILITY: "≥ 0.5 × floor, ≤ 4 queries, same queries at every size",
    HEALTH: "≥ 0.8 × floor",
    BOOKING: "≤ 20 queries, 0 errors but 409 (p99 reported)",
    LIST: "≥ 0.3 × floor, queries constant in page and table size",
    PAGE: "server time and bytes reported",
}
MIN_RATIO = {AVAILABILITY: 0.5, HEALTH: 0.8, LIST: 0.3}
MAX_QUERIES = {AVAILABILITY: 4, BOOKING: 20}


@dataclass
class Row:
    """One path measured at one data size."""

    size: str
    path: str
    group: str
    requests_per_second: float
    floor_requests_per_second: float
    p50_ms: float
    p99_ms: float
    connections: int
    queries: int | None = None
    # Lists: queries at one row per page, to compare with `queries` at the full page.
    queries_one_row: int | None = None
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_ms: float | None = None  # median of sequential requests on one connection
    response_bytes: int | None = None
    page_with_assets_bytes: int | None = None  # the public page plus its CSS, JS and images
    met: bool | None = None
    misses: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.requests_per_second / self.floor_requests_per_second if self.floor_requests_per_second else 0.0


def floor_between(before: float, after: float) -> float:
    """The floor a path is compared with: the mean of the floor runs just before and after it."""
    return (before + after) / 2


def evaluate(rows: list[Row]) -> None:
    """Set `met` and `misses` on every row from the targets; some checks compare sizes or page sizes."""
    queries_by_path: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row.queries is not None:
            queries_by_path[row.path].add(row.queries)
    for row in rows:
        misses = []
        if row.group in MIN_RATIO and row.ratio < MIN_RATIO[row.group]:
            misses.append(f"{row.ratio:.2f} × floor < {MIN_RATIO[row.group]}")
        if row.group in MAX_QUERIES and row.queries is not None and row.queries > MAX_QUERIES[row.group]:
            misses.append(f"{row.queries} queries > {MAX_QUERIES[row.group]}")
        if row.group in (AVAILABILITY, LIST) and len(queries_by_path[row.path]) > 1:
            misses.append(
                "queries change with the data size: " + ", ".join(map(str, sorted(queries_by_path[row.path])))
            )
        if row.group == LIST and row.queries_one_row is not None and row.queries_one_row != row.queries:
            misses.append(f"{row.queries_one_row} queries at 1 row, {row.queries} at a full page")
        if row.group == BOOKING and not row.statuses:
            misses.append("no booking answered within the run")
        if row.errors:
            misses.append(f"{row.errors} errors")
        if row.page_with_assets_bytes is not None and row.page_with_assets_bytes >= PUBLIC_PAGE_BYTES_LIMIT:
            misses.append(f"page with assets {row.page_with_assets_bytes / 1024:.0f} KB ≥ 100 KB")
        row.misses = misses
        reported_only = row.group == PAGE and row.page_with_assets_bytes is None
        row.met = None if reported_only and not misses else not misses


def _number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _queries(row: Row) -> str:
    if row.queries is None:
        return "–"
    if row.queries_one_row is not None:
        return f"{row.queries_one_row} / {row.queries}"
    return str(row.queries)


def _bytes(row: Row) -> str:
    text = _number(row.response_bytes)
    if row.page_with_assets_bytes is not None:
        text += f" ({row.page_with_assets_bytes / 1024:.1f} KB with assets)"
    return text


def _verdict(row: Row) -> str:
    if row.met is None:
        return "reported"
    return "yes" if row.met else "**no**: " + "; ".join(row.misses)


TABLE_HEADER = (
    "| data | path | conns | req/s | × floor | p50 ms | p99 ms | queries | 1-conn ms | bytes | target | met |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
)


def table(rows: list[Row]) -> str:
    """The results as a Markdown table, one line per path and data size."""
    lines = [TABLE_HEADER]
    for row in rows:
        lines.append(
            f"| {row.size} | {row.path} | {row.connections} | {_number(row.requests_per_second)} | "
            f"{row.ratio:.2f} | {_number(row.p50_ms, 1)} | {_number(row.p99_ms, 1)} | {_queries(row)} | "
            f"{_number(row.server_ms, 1)} | {_bytes(row)} | {TARGETS[row.group]} | {_verdict(row)} |"
        )
    return "\n".join(lines)


def extra_figures(extras: dict[str, dict]) -> str:
    """The figures other bench scripts printed (their last stdout line, a JSON object)."""
    if not extras:
        return "No other bench script ran."
    lines = ["| script | figure | value |", "|---|---|---|"]
    for script, figures in extras.items():
        for name, value in figures.items():
            lines.append(f"| {script} | {name} | {value} |")
    return "\n".join(lines)


HOW_TO_READ = """\
- **× floor** is the path's requests per second divided by the floor's, the floor being measured
  just before and just after the path in the same run (the mean of the two). A busy or slow
  machine lowers both: the ratio is what carries over between machines, not the req/s.
- The floor is `bench/floor_urls.py`: one Django view running one indexed query, no middleware,
  served by the same gunicorn settings and database connection settings as the project. Nothing
  the project does can be faster than it.
- **req/s, p50, p99** come from wrk with the connections shown, for the same fixed duration each.
  Bookings use 50 connections and a Lua script that books distinct free times: 201 and 409 are
  expected answers, anything else (and socket errors) counts as an error.
- **queries** are counted in a separate pass with Django's test client against the same database,
  authentication included, on the second request (caches warm); for lists, "1 / 50" is the count
  at one row per page and at 50.
- **1-conn ms** is the median time of sequential requests on one connection: the server time of
  the page without queueing. **bytes** is the response body, uncompressed; for the public page also
  the page with its stylesheets, scripts and images.
- **data** is the size of the seeded history; availability and lists must not change their
  query count between sizes.
"""


def results_markdown(
    *, machine: dict[str, str], date: str, sizes: list[str], rows: list[Row], extras: dict[str, dict], notes: list[str]
) -> str:
    """The whole of bench/RESULTS.md."""
    machine_lines = "\n".join(f"- {name}: {value}" for name, value in machine.items())
    size_lines = "\n".join(f"- {size}" for size in sizes)
    note_lines = "\n".join(f"- {note}" for note in notes) or "- none"
    return (
        "# Benchmark results\n\n"
        "Written by `make bench` (`bench/run.py`); run it again to replace this file.\n\n"
        f"Measured {date}.\n\n## Machine\n\n{machine_lines}\n\n## Data\n\n{size_lines}\n\n"
        f"## Paths\n\n{table(rows)}\n\n## Other bench scripts\n\n{extra_figures(extras)}\n\n"
        f"## Notes\n\n{note_lines}\n\n## How to read this\n\n{HOW_TO_READ}"
    )
