"""Passwords (argon2), access tokens (short-lived signed JWTs), refresh tokens (opaque, stored hashed) and guards.

An access token is checked against its user on every request: it names the user's session version it was issued
under, and logging out, a password reset or a deactivation raises that version, so every token issued before ends at
its very next request rather than when it expires."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Guard

from server.lib import clock
from server.lib.errors import Forbidden, NotAuthenticated, TokenInvalid

_hasher = PasswordHasher()
# Verifying against this keeps a failed login for an unknown user as slow as one for a known user.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
ACCESS_TOKEN_TYPE = "access"
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: taken from a verified access token."""

    id: uuid.UUID
    username: str
    role: str
    session_version: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def issue_access_token(principal: Principal, secret: str, ttl_s: int) -> tuple[str, datetime]:
    issued_at = clock.now()
    expires_at = issued_at + timedelta(seconds=ttl_s)
    claims = {
        "sub": str(principal.id),
        "usr": principal.username,
        "role": principal.role,
        "ver": principal.session_version,
        "typ": ACCESS_TOKEN_TYPE,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires_at


# A phone sends the same access token with every request for up to its lifetime; checking its signature and claims
# again each time cost more CPU than storing a visit's answers. The verdict for a token string under one secret never
# changes, so it is kept (bounded); expiry is still checked on every request.
_verified_tokens: dict[tuple[str, str], tuple[Principal, int]] = {}
_VERIFIED_TOKENS_KEPT = 4096


def read_access_token(token: str, secret: str) -> Principal:
    verified = _verified_tokens.get((token, secret))
    if verified is None:
        verified = _verify_access_token(token, secret)
        if len(_verified_tokens) >= _VERIFIED_TOKENS_KEPT:
            _verified_tokens.clear()
        _verified_tokens[(token, secret)] = verified
    principal, expires_at = verified
    # Expiry is checked against the server clock (not PyJWT's), so tests can move time.
    if expires_at <= clock.now().timestamp():
        raise TokenInvalid("The access token has expired; refresh it or log in again.")
    return principal


def _verify_access_token(token: str, secret: str) -> tuple[Principal, int]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "typ"], "verify_exp": False},
        )
    except jwt.PyJWTError as error:
        raise TokenInvalid("The access token is not valid.") from error
    if claims.get("typ") != ACCESS_TOKEN_TYPE or claims.get("role") not in ("admin", "supervisor", "surveyor"):
        raise TokenInvalid("The access token is not valid.")
    version = claims.get("ver", 0)  # tokens issued before versions existed were issued under the first one
    if not isinstance(version, int) or isinstance(version, bool):
        raise TokenInvalid("The access token is not valid.")
    try:
        principal = Principal(
            id=uuid.UUID(claims["sub"]),
            username=str(claims.get("usr", "")),
            role=claims["role"],
            session_version=version,
        )
        return principal, int(claims["exp"])
    except (TypeError, ValueError) as error:
        raise TokenInvalid("The access token is not valid.") from error


TOKEN_OPTIONAL_PATHS = frozenset({"/metrics"})
"""Outside /api/, where a token is read when one is sent (and refused when it is not valid): the metrics, which an
admin reads with a token and a scraper on the server's own machine without one."""


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Every /api route needs `Authorization: Bearer <token>` except those excluded in the app (login, refresh,
    public)."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        path = connection.scope["path"]
        header = connection.headers.get("authorization", "")
        if not path.startswith("/api/") and not (path.rstrip("/") in TOKEN_OPTIONAL_PATHS and header):
            return AuthenticationResult(user=None, auth=None)  # the phone app's shell and the OpenAPI pages
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(
                "Send `Authorization: Bearer <access token>`; log in at /api/auth/login.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        principal = read_access_token(token.strip(), connection.app.state.settings.secret_key)
        current = await connection.app.state.session_versions.current(principal.id)
        if current is None or current != (principal.session_version, principal.role):
            raise TokenInvalid("This session has ended (logout, password reset or deactivation); log in again.")
        return AuthenticationResult(user=principal, auth=token)


def requires_role(*roles: str) -> Guard:
    # async although it never awaits: Litestar runs a plain function guard in a worker thread, a hand-off per request.
    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if not isinstance(principal, Principal):
            raise NotAuthenticated("Log in first.", headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in roles:
            raise Forbidden(f"This needs the role {' or '.join(roles)}.")

    guard.__name__ = f"requires_{'_or_'.join(roles)}"
    return guard


admin_only = requires_role("admin")
reviewers = requires_role("admin", "supervisor")
surveyors = requires_role("surveyor")
anyone_logged_in = requires_role("admin", "supervisor", "surveyor")
