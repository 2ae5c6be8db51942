"""Transport concerns shared by every route: security headers, the per-request database session, the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.state import State
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from server.lib.auth import Principal
from server.lib.errors import NotAuthenticated

# No inline scripts anywhere in Sidak's own pages; the OpenAPI viewers under /schema load their own scripts.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: https:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SCHEMA_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com; "
    "style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:; font-src 'self' https: data:; "
    "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'"
)


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        csp = SCHEMA_CSP if scope["path"].startswith("/schema") else APP_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers["Content-Security-Policy"] = csp
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
                if scope["path"].startswith("/api/") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One transaction per request: committed here when the handler returns, rolled back when it raises."""
    async with state.session_factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        raise NotAuthenticated("Log in first.", headers={"WWW-Authenticate": "Bearer"})
    return principal


def client_ip(request: Request[Any, Any, Any]) -> str:
    # Behind the documented reverse proxy the app listens on loopback only, so X-Forwarded-For is the proxy's word.
    forwarded = request.headers.get("x-forwarded-for", "")
    if forwarded and request.client and request.client.host in ("127.0.0.1", "::1"):
        return forwarded.split(",")[0].strip()[:64]
    return (request.client.host if request.client else "unknown")[:64]
