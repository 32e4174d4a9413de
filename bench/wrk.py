"""Drive wrk and read what it prints: the pure parts (parser, Lua scripts) are tested in tests/test_bench.py."""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = re.compile(r"^\s*([\d.]+)(us|ms|s|m|h)\s*$")


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed something this parser does not understand."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    latency_ms: dict[int, float]  # percentile -> milliseconds (50, 75, 90, 99)
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # only when the Lua script counts them

    def percentile(self, which: int) -> float:
        return self.latency_ms[which]


def duration_ms(text: str) -> float:
    """Read one of wrk's durations ("812.00us", "4.21ms", "1.02s") in milliseconds."""
    match = _DURATION.match(text)
    if not match:
        raise WrkError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse(output: str) -> WrkResult:
    """Read wrk's report (run with --latency), plus the status counts a Lua script printed."""
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.MULTILINE)
    if not total or not rate:
        raise WrkError("no request count or Requests/sec in wrk's output:\n" + output)
    latency = {
        int(pct): duration_ms(value)
        for pct, value in re.findall(r"^\s*(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    if set(latency) != {50, 75, 90, 99}:
        raise WrkError("no latency distribution in wrk's output (run it with --latency):\n" + output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    statuses = re.search(r"^statuses (.*)$", output, re.MULTILINE)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=duration_ms(total.group(2) + total.group(3)) / 1000,
        requests_per_second=float(rate.group(1)),
        latency_ms=latency,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        statuses={int(code): int(count) for code, count in json.loads(statuses.group(1)).items()} if statuses else {},
    )


# Counts answers per status in every thread and prints them once as `statuses {"201": n, ...}`.
_COUNT_STATUSES = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  counts = {}
  sent = 0
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write("statuses {" .. table.concat(parts, ", ") .. "}\\n")
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string literal


def booking_script(
    *, path: str, body_template: str, start_times: list[str], phone_prefix: str, headers: dict[str, str]
) -> str:
    """A wrk Lua script POSTing one booking per request, each at the next of `start_times`.

    Every thread takes the times id, id + threads, id + 2 * threads, ... so no two requests ask
    for the same time until the list runs out (then they repeat and get 409). `body_template`
    holds `{start_time}`, `{n}` and `{phone}`; each request has its own client number
    (`phone_prefix` then 7 digits).
    """
    times = ", ".join(_lua_string(value) for value in start_times)
    header_lines = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    template = _lua_string(body_template)
    return f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{header_lines}
local times = {{{times}}}
local template = {template}
{_COUNT_STATUSES}
function request()
  local n = id + sent * {{THREADS}}
  sent = sent + 1
  local start = times[(n % #times) + 1]
  local phone = {_lua_string(phone_prefix)} .. string.format("%07d", (id * 1000000 + sent) % 10000000)
  local body = template:gsub("{{start_time}}", start):gsub("{{n}}", tostring(n)):gsub("{{phone}}", phone)
  return wrk.format(nil, {_lua_string(path)}, nil, body)
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 2,
    timeout_seconds: int = 10,
    headers: dict[str, str] | None = None,
    script: str | None = None,
    script_path: str | None = None,
) -> WrkResult:
    """Load `url` for `seconds` and return what wrk measured (a Lua `script` is written to `script_path`)."""
    threads = min(threads, connections)
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    command += ["--timeout", f"{timeout_seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        if script_path is None:
            raise WrkError("a Lua script needs a file to be written to")
        with open(script_path, "w", encoding="utf-8") as handle:
            handle.write(script.replace("{THREADS}", str(threads)))
        command += ["-s", script_path]
    command.append(url)
    finished = subprocess.run(  # noqa: S603 - wrk with arguments built here
        command, capture_output=True, text=True, timeout=seconds + timeout_seconds + 60, check=False
    )
    if finished.returncode != 0:
        raise WrkError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    return parse(finished.stdout)
