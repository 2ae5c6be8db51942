"""`sidak serve --workers 2`: a scrape reaches one worker and shows every worker's counts; a new run starts from
zero."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.metrics.test_metrics import assert_well_formed, sample
from tests.reliability.fieldwork import SidakServer

COUNTED_ROUTE = {"method": "GET", "route": "/api/settings/map", "status": "4xx"}
PUBLISH_INTERVAL_S = 5


@pytest.fixture
def two_workers(tmp_path: Path, database_url: str) -> Iterator[SidakServer]:
    previous_run = tmp_path / "metrics"
    previous_run.mkdir()
    (previous_run / "worker-4000000.json").write_text(
        json.dumps({"in_flight": 0, "series": [[*COUNTED_ROUTE.values(), 1000, 1.0, [1000] + [0] * 11]]})
    )
    server = SidakServer(tmp_path, database_url, workers=2).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_scrape_of_either_worker_counts_every_workers_requests_and_none_of_the_previous_run(two_workers):
    for _ in range(40):
        # A connection each, so that both workers take some.
        assert httpx.get(f"{two_workers.base_url}/api/settings/map").status_code == 401

    deadline = time.monotonic() + 3 * PUBLISH_INTERVAL_S
    scraped = ""
    while time.monotonic() < deadline:
        scraped = httpx.get(f"{two_workers.base_url}/metrics").text
        if sample(scraped, "sidak_http_requests_total", **COUNTED_ROUTE) == 40:
            break
        time.sleep(0.5)

    assert_well_formed(scraped)
    assert sample(scraped, "sidak_http_requests_total", **COUNTED_ROUTE) == 40
    assert sample(scraped, "sidak_workers") == 2
    assert scraped.count("process_resident_memory_bytes{worker=") == 2
