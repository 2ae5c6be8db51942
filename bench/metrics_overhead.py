"""What counting requests for /metrics costs: bursts of requests straight into the app's ASGI callable (no HTTP
client, no socket, so the counting is as large a share of a request as it can be), with the counting and without,
alternated in one run and timed in CPU seconds of the process (other work on the machine then barely shows); then
the bare cost of recording one request in this server's counter against prometheus_client's (when it is installed;
with PROMETHEUS_MULTIPROC_DIR set, its multiprocess mode) with the same labels and buckets; then what a scrape costs.

    .venv/bin/python bench/metrics_overhead.py [--requests 5000] [--chunk 250]

SQLite in a scratch data dir; one surveyor's token for the authenticated route.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.app import create_app  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.db import migrate  # noqa: E402
from server.domain.metrics.request_counts import LATENCY_BOUNDS_S, RequestCounts  # noqa: E402
from server.lib.request_metrics import CountRequests  # noqa: E402
from tests.conftest import running  # noqa: E402
from tests.factories import Factory  # noqa: E402

ROUTES = (
    ("GET /api/settings/map (token, no query)", "/api/settings/map", True),
    ("GET /api/public/waves (one query)", "/api/public/waves", False),
)


def scope_for(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
        "state": {},
    }


async def burst_s(app: Any, path: str, headers: dict[str, str], requests: int) -> float:
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    # CPU time of this process, not wall time: other work on the machine's two cores then barely shows.
    started = time.process_time()
    for _ in range(requests):
        await app(scope_for(path, headers), receive, send)
    elapsed = time.process_time() - started
    assert set(statuses) == {200}, set(statuses)
    return elapsed


async def compare_bursts(app: Any, headers: dict[str, str], requests: int, chunk: int) -> None:
    """``requests`` each way, in chunks of ``chunk`` alternating with and without counting, so that the machine's
    drift (other work on the same cores) falls on both alike; the median chunks are compared, and the fastest ones
    (the least disturbed by other work)."""
    counted: CountRequests = app.asgi_handler
    print(f"== {requests} requests with counting and {requests} without, alternating every {chunk} ==")
    for label, path, needs_token in ROUTES:
        route_headers = headers if needs_token else {}
        per_request_s: dict[str, list[float]] = {"with": [], "without": []}
        await burst_s(app, path, route_headers, 200)  # warm up
        for _ in range(requests // chunk):
            for variant, handler in (("with", counted), ("without", counted.app)):
                app.asgi_handler = handler
                per_request_s[variant].append(await burst_s(app, path, route_headers, chunk) / chunk)
        app.asgi_handler = counted
        for name, pick in (("median", statistics.median), ("fastest", min)):
            with_us, without_us = (pick(per_request_s[v]) * 1e6 for v in ("with", "without"))
            print(
                f"{label}, {name} chunk: {with_us:.1f} µs with, {without_us:.1f} µs without, "
                f"ratio {with_us / without_us:.3f}"
            )


def recording_cost(records: int) -> None:
    keys = [("GET", "/api/settings/map", 200), ("PUT", "/api/visits/{visit_id}", 201), ("GET", "/x", 404)]
    print(f"== recording one request ({records} records) ==")
    counts = RequestCounts()
    started = time.perf_counter()
    for i in range(records):
        method, route, status = keys[i % 3]
        counts.started()
        counts.finished(method, route, status, 0.003 * (i % 7))
    print(f"this server's counter: {(time.perf_counter() - started) / records * 1e6:.2f} µs")
    try:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
    except ImportError:
        print("prometheus_client: not installed")
        return
    registry = CollectorRegistry()
    names = ["method", "route", "status"]
    total = Counter("requests", "", names, registry=registry)
    latency = Histogram("latency", "", names, registry=registry, buckets=LATENCY_BOUNDS_S)
    in_flight = Gauge("in_flight", "", registry=registry, multiprocess_mode="livesum")
    started = time.perf_counter()
    for i in range(records):
        method, route, status = keys[i % 3]
        in_flight.inc()
        in_flight.dec()
        labels = (method, route, f"{status // 100}xx")
        total.labels(*labels).inc()
        latency.labels(*labels).observe(0.003 * (i % 7))
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "one process"
    print(f"prometheus_client ({mode}): {(time.perf_counter() - started) / records * 1e6:.2f} µs")


async def scrape_cost(app: Any, scrapes: int) -> None:
    counts: RequestCounts = app.state.request_counts
    for route in range(80):  # about as many series as the app has routes
        counts.started()
        counts.finished("GET", f"/api/route{route}", 200, 0.01)
    started = time.perf_counter()
    for _ in range(scrapes):
        await burst_s(app, "/metrics", {}, 1)
    per_scrape_ms = (time.perf_counter() - started) / scrapes * 1e3
    print(f"== a scrape with {len(counts.series)} request series: {per_scrape_ms:.2f} ms")


async def run(args: argparse.Namespace, data_dir: Path) -> None:
    url = f"sqlite+aiosqlite:///{data_dir / 'sidak.db'}"
    with ThreadPoolExecutor(1) as executor:
        executor.submit(migrate.upgrade, url).result()
    app = create_app(load_settings(data_dir=data_dir, database_url=url, photo_store_url=str(data_dir / "photos")))
    async with running(app):
        make = Factory(app)
        headers = make.headers(await make.user(role="surveyor"))
        await compare_bursts(app, headers, args.requests, args.chunk)
        await scrape_cost(app, 200)
    recording_cost(200_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=250)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="sidak-metrics-bench-") as scratch:
        asyncio.run(run(args, Path(scratch)))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
