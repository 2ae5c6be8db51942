"""Counting every request, around the whole application rather than as a route middleware: requests no route takes
(a method no route of the path has: 405) are counted too, under the route ``unmatched``."""

from __future__ import annotations

from time import perf_counter

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.metrics.request_counts import UNMATCHED_ROUTE, RequestCounts


class CountRequests:
    def __init__(self, app: ASGIApp, counts: RequestCounts) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        # An error that escapes before any answer started is answered 500 by the server.
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = perf_counter()
        self.counts.started()
        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            # The router writes the matched route's template into the scope it was given.
            route = scope.get("path_template", UNMATCHED_ROUTE)
            self.counts.finished(scope["method"], route, status, perf_counter() - started)
