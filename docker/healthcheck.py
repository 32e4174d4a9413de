"""Container health probe: GET http://127.0.0.1:8000/health, exit 0 on a 2xx answer, else 1.

Standard library only (python:3.11-slim has no curl) and no Django import, so it is cheap.
The Host header is taken from ALLOWED_HOSTS, so the probe is not rejected with a 400 when
ALLOWED_HOSTS names only the public domain. /health is exempt from the HTTPS redirect.
"""

import json
import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 5


def _host_header() -> str:
    raw = os.environ.get("ALLOWED_HOSTS", "").strip()
    if raw.startswith("["):
        try:
            hosts = [str(item).strip() for item in json.loads(raw)]
        except (ValueError, TypeError):
            hosts = []
    else:
        hosts = [item.strip() for item in raw.split(",")]
    for host in hosts:
        if host and host != "*":
            # ".example.com" allows example.com and its subdomains.
            return host.lstrip(".")
    return "localhost"


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(  # noqa: S310 - fixed http URL
        f"http://127.0.0.1:{port}/health", headers={"Host": _host_header()}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
            body = response.read(512)
    except urllib.error.HTTPError as exc:
        print(f"unhealthy: HTTP {exc.code} {exc.read(512)!r}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print(f"HTTP {status} {body!r}")
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
