"""GET /metrics: the server's figures in Prometheus's text format, for admins and for callers on the server's own
machine (as the app determines the caller's address: X-Forwarded-For only from a trusted proxy)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.metrics.services import GaugeSource, scrape
from tests.integration.admin.test_places import assert_problem

ELSEWHERE = "203.0.113.7"
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@pytest.fixture
async def remote_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The same running app, called from an address that is neither loopback nor a trusted proxy."""
    transport = httpx.ASGITransport(app=app, client=(ELSEWHERE, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as remote:
        yield remote


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample of ``name`` with exactly these labels, None when there is none."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    found = [float(match.group(1)) for match in re.finditer(pattern, text, re.MULTILINE)]
    assert len(found) <= 1, found
    return found[0] if found else None


def assert_well_formed(text: str) -> None:
    """Every family has its HELP and TYPE once, and every sample line is a name, optional labels and a number."""
    types = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE)
    assert len(types) == len({name for name, _ in types}), "a family appears twice"
    for line in text.splitlines():
        if not line.startswith("#"):
            assert re.fullmatch(r'[a-zA-Z_:][\w:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? \S+', line), line


async def test_a_caller_on_the_servers_own_machine_reads_the_metrics_without_logging_in(client):
    response = await client.get("/metrics")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PROMETHEUS_CONTENT_TYPE
    assert_well_formed(response.text)
    assert sample(response.text, "sidak_workers") == 1
    assert sample(response.text, "process_resident_memory_bytes", worker=str(os.getpid())) > 10_000_000


async def test_an_admin_reads_the_metrics_from_anywhere(remote_client, make):
    admin = await make.user(role="admin")

    response = await remote_client.get("/metrics", headers=make.headers(admin))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PROMETHEUS_CONTENT_TYPE


async def test_an_anonymous_caller_from_elsewhere_is_asked_to_log_in(remote_client):
    response = await remote_client.get("/metrics")

    assert_problem(response, 401, "auth.required")


@pytest.mark.parametrize("role", ["supervisor", "surveyor"])
async def test_a_user_who_is_not_an_admin_is_refused_from_elsewhere(remote_client, make, role):
    user = await make.user(role=role)

    response = await remote_client.get("/metrics", headers=make.headers(user))

    assert_problem(response, 403, "auth.forbidden")


async def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_make_it_loopback(remote_client):
    response = await remote_client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})

    assert_problem(response, 401, "auth.required")


async def test_a_request_the_trusted_proxy_forwards_from_elsewhere_is_not_loopback(client):
    # The test client's peer is 127.0.0.1, a trusted proxy by default: the caller is the address it forwards for.
    response = await client.get("/metrics", headers={"X-Forwarded-For": ELSEWHERE})

    assert_problem(response, 401, "auth.required")


async def test_a_forged_token_is_refused_even_from_the_servers_own_machine(client):
    response = await client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})

    assert_problem(response, 401, "auth.token_invalid")


async def test_requests_are_counted_by_route_template_method_and_status_class(client, make):
    surveyor = await make.user(role="surveyor")
    missing_visit = "/api/visits/00000000-0000-4000-8000-000000000001"
    before = (await client.get("/metrics")).text

    await client.get("/api/settings/map", headers=make.headers(surveyor))
    await client.get("/api/settings/map", headers=make.headers(surveyor))
    await client.get("/api/settings/map")
    await client.get(missing_visit, headers=make.headers(surveyor))
    await client.get("/no/such/page/4711")
    await client.delete("/api/settings/map", headers=make.headers(surveyor))
    after = (await client.get("/metrics")).text

    def added(**labels: str) -> float:
        return (sample(after, "sidak_http_requests_total", **labels) or 0) - (
            sample(before, "sidak_http_requests_total", **labels) or 0
        )

    assert added(method="GET", route="/api/settings/map", status="2xx") == 2
    assert added(method="GET", route="/api/settings/map", status="4xx") == 1
    assert added(method="GET", route="/api/visits/{visit_id}", status="4xx") == 1
    assert added(method="GET", route="/{file_path}", status="4xx") == 1  # the phone app's static files answer 404
    assert added(method="DELETE", route="unmatched", status="4xx") == 1  # no route has the method: 405
    assert "00000000-0000-4000-8000-000000000001" not in after
    assert "4711" not in after
    route = {"method": "GET", "route": "/api/settings/map", "status": "2xx"}
    assert sample(after, "sidak_http_request_duration_seconds_count", **route) == sample(
        after, "sidak_http_requests_total", **route
    )
    assert sample(after, "sidak_http_request_duration_seconds_bucket", **route, le="+Inf") == sample(
        after, "sidak_http_requests_total", **route
    )


async def test_the_scrape_counts_itself_as_one_request_in_flight(client):
    response = await client.get("/metrics")

    assert sample(response.text, "sidak_http_requests_in_flight") == 1


async def test_the_audit_sealers_backlog_is_read_from_the_database_at_scrape_time(client, app):
    await app.state.audit_sealer.idle()

    response = await client.get("/metrics")

    assert sample(response.text, "sidak_scrape_gauge_up", gauge="sidak_audit_unsealed_events") == 1
    assert sample(response.text, "sidak_audit_unsealed_events") == 0


@dataclass(frozen=True)
class QueueDepth:
    waiting: int
    in_progress: int
    failed: int
    oldest_waiting_age_s: float | None


async def test_a_registered_gauge_source_gives_one_gauge_per_field_and_a_failing_one_only_loses_its_own(app):
    async def queue_depth(session: AsyncSession) -> QueueDepth:
        await session.execute(text("SELECT 1"))
        return QueueDepth(waiting=3, in_progress=1, failed=0, oldest_waiting_age_s=42.5)

    async def empty_queue_depth(session: AsyncSession) -> QueueDepth:
        await session.execute(text("SELECT 1"))  # the transaction is still usable after the broken query
        return QueueDepth(waiting=0, in_progress=0, failed=0, oldest_waiting_age_s=None)

    async def broken(session: AsyncSession) -> int:
        return (await session.execute(text("SELECT count(*) FROM no_such_table"))).scalar_one()

    sources = (
        GaugeSource("sidak_photo_queue", "Photos waiting for processing.", queue_depth),
        GaugeSource("sidak_broken", "A gauge whose query fails.", broken),
        GaugeSource("sidak_empty_queue", "A queue with nothing waiting.", empty_queue_depth),
    )
    async with app.state.session_factory() as session:
        scraped = await scrape(session, app.state.request_counts, app.state.metrics_workers, sources)

    assert sample(scraped, "sidak_photo_queue_waiting") == 3
    assert sample(scraped, "sidak_photo_queue_in_progress") == 1
    assert sample(scraped, "sidak_photo_queue_failed") == 0
    assert sample(scraped, "sidak_photo_queue_oldest_waiting_age_seconds") == 42.5
    assert sample(scraped, "sidak_empty_queue_waiting") == 0
    assert "sidak_empty_queue_oldest_waiting_age" not in scraped  # no age made up for an empty queue
    assert sample(scraped, "sidak_scrape_gauge_up", gauge="sidak_photo_queue") == 1
    assert sample(scraped, "sidak_scrape_gauge_up", gauge="sidak_broken") == 0
    assert "sidak_broken " not in scraped
    assert sample(scraped, "sidak_workers") == 1


async def test_another_workers_counts_are_added_and_only_live_workers_count_in_flight(client, app):
    ended_worker = 2**22 + 12345  # above the default pid_max: no live process has it
    other = {"in_flight": 7, "series": [["GET", "/api/settings/map", "2xx", 5, 0.5, [5] + [0] * 11]]}
    path = app.state.metrics_workers.directory / f"worker-{ended_worker}.json"
    before = (await client.get("/metrics")).text
    path.write_text(json.dumps(other))
    try:
        after = (await client.get("/metrics")).text
    finally:
        path.unlink()

    labels = {"method": "GET", "route": "/api/settings/map", "status": "2xx"}
    was = sample(before, "sidak_http_requests_total", **labels) or 0
    assert sample(after, "sidak_http_requests_total", **labels) == was + 5
    assert sample(after, "sidak_http_requests_in_flight") == 1
    assert sample(after, "sidak_workers") == 1
