"""Transport concerns shared by every route: security headers, the per-request database session, the caller."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncGenerator, Sequence
from typing import Any, TypeAlias

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.state import State
from litestar.di import NamedDependency
from litestar.file_system import BaseLocalFileSystem
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope
from sqlalchemy.ext.asyncio import AsyncSession

from server.config import IpNetwork
from server.lib.auth import Principal
from server.lib.errors import Forbidden, NotAuthenticated

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

DbSession: TypeAlias = NamedDependency[AsyncSession]
"""A handler's ``db_session: DbSession``: the request's session, one transaction (``provide_db_session``)."""
Caller: TypeAlias = NamedDependency[Principal]
"""A handler's ``principal: Caller``: who is logged in (``provide_principal``)."""

# No inline scripts anywhere in Sidak's pages, the OpenAPI documentation at /schema included (its viewer is vendored).
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: https:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: it sees every response, including the router's own 404 and 405 answers."""
    if message["type"] != "http.response.start":
        return
    path = scope.get("path", "")
    headers = MutableScopeHeaders.from_message(message)
    headers["Content-Security-Policy"] = APP_CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
    if "cache-control" not in headers:
        # API answers are never stored; the static apps are revalidated (ETag) so a new version shows at once —
        # the phone app's service worker does the offline caching.
        headers["Cache-Control"] = "no-store" if path.startswith("/api/") else "no-cache"


class StaticFileSystem(BaseLocalFileSystem):
    """The folders of the phone app and the console. A path with a NUL in it names no file (the operating system
    would refuse it with a ValueError, which would surface as a 500)."""

    async def info(self, path: Any, **kwargs: Any) -> Any:
        if "\x00" in str(path):
            raise FileNotFoundError(path)
        return await super().info(path, **kwargs)


async def provide_db_session(state: State, request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """One transaction per request: committed here when the handler returns, rolled back when it raises.

    A request that changes nothing (GET, HEAD, OPTIONS) reads in a transaction that takes no write lock (on SQLite;
    ``server.db.engine``). The answer to a request that may have changed something (a receipt tells the phone it may
    delete its copy) is sent once what was committed is on the disk (``server.db.group_commit``)."""
    is_read_only = request.method in _READ_ONLY_METHODS
    try:
        async with (state.read_session_factory if is_read_only else state.session_factory)() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
    finally:
        if not is_read_only:
            await state.commit_flusher.flushed()


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        raise NotAuthenticated("Log in first.", headers={"WWW-Authenticate": "Bearer"})
    return principal


def client_ip(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's address, as login throttling counts it (at most 64 characters)."""
    forwarded_for = ",".join(request.headers.getall("x-forwarded-for", []))
    peer = request.client.host if request.client else None
    return client_address(peer, forwarded_for, request.app.state.settings.trusted_proxies)[:64]


async def admins_or_loopback(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """A guard for what a monitoring agent on the same machine reads without logging in (the metrics). The caller's
    address is the one login throttling counts: a request a trusted proxy forwards from elsewhere is not loopback,
    and an untrusted peer's X-Forwarded-For is not read."""
    principal = connection.scope.get("user")
    if isinstance(principal, Principal) and principal.is_admin:
        return
    if is_loopback(client_ip(connection)):
        return
    if not isinstance(principal, Principal):
        raise NotAuthenticated(
            "Log in as an admin, or read this from the server's own machine.", headers={"WWW-Authenticate": "Bearer"}
        )
    raise Forbidden("This needs the role admin, or a request from the server's own machine.")


def client_address(peer: str | None, forwarded_for: str, trusted: Sequence[IpNetwork]) -> str:
    """The rightmost address of ``X-Forwarded-For`` that is not a trusted proxy, as the usual proxy-header
    middlewares take it: each proxy appends the address it was called from, so the entries left of the last trusted
    one were written by whoever called it and may be anything. Only a trusted peer's header is read at all; when
    every entry is trusted, the leftmost is the furthest address known."""
    if peer is None:
        return "unknown"
    if not _is_trusted(peer, trusted):
        return peer
    entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
    for entry in reversed(entries):
        if not _is_trusted(entry, trusted):
            return entry
    return entries[0] if entries else peer


def is_loopback(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    # A dual-stack socket reports an IPv4 caller as ::ffff:a.b.c.d.
    mapped = parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else None
    return (mapped or parsed).is_loopback


def _is_trusted(address: str, trusted: Sequence[IpNetwork]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False  # not an address (`unknown`, a port appended): nobody vouches for it
    return any(parsed in network for network in trusted)
