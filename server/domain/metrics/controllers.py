"""GET /metrics: the server's figures in Prometheus's text format, for admins and for scrapers on the same machine."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from server.domain.metrics.exposition import CONTENT_TYPE
from server.domain.metrics.services import SCRAPE_GAUGES, scrape
from server.lib.http import DbSession, admins_or_loopback


class MetricsController(Controller):
    path = "/metrics"
    # Prometheus's format, not the JSON API the OpenAPI document describes (docs/operations.md#metrics has it).
    include_in_schema = False
    guards = [admins_or_loopback]

    @get("/")
    async def scrape(self, request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
        state = request.app.state
        text = await scrape(db_session, state.request_counts, state.metrics_workers, SCRAPE_GAUGES)
        return Response(text, media_type=CONTENT_TYPE)
