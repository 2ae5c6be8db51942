"""Log in, refresh and log out. Failed attempts are recorded even though the request fails."""

from __future__ import annotations

import asyncio
import os
import uuid
import weakref
from dataclasses import dataclass
from datetime import timedelta

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.db.models import LoginAttempt, RefreshToken, User
from server.domain.audit.services import AuditLog
from server.domain.auth import queries
from server.domain.auth.throttle import retry_after_s
from server.lib import clock
from server.lib.auth import (
    Principal,
    issue_access_token,
    new_refresh_token,
    refresh_token_hash,
    verify_password,
)
from server.lib.errors import InvalidCredentials, TokenInvalid, TooManyAttempts

_hashing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _hashing_limiter() -> anyio.CapacityLimiter:
    """One password hash per core at a time (per event loop: a limiter belongs to one). A burst of logins (a whole
    team in the morning) otherwise runs dozens of hashes at once, which starves the event loop: requests then hold
    their database connections for seconds and the pool runs dry (measured: 200 logins at once on PostgreSQL,
    2 workers, 2 cores)."""
    loop = asyncio.get_running_loop()
    if loop not in _hashing:
        _hashing[loop] = anyio.CapacityLimiter(os.cpu_count() or 2)
    return _hashing[loop]


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


class AuthService:
    def __init__(
        self, session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        self.session = session
        # Failures must be kept although the request fails (and its own transaction rolls back), so they are
        # written in a separate short transaction.
        self.session_factory = session_factory
        self.settings = settings

    async def login(self, username: str, password: str, ip: str) -> IssuedTokens:
        username = username.strip().lower()
        await self._refuse_if_throttled(username, ip)
        user = await queries.user_by_username(self.session, username)
        user_id, password_hash = (user.id, user.password_hash) if user else (None, None)
        # Hashing takes a tenth of a second of CPU: hold no transaction meanwhile. On SQLite a transaction holds the
        # one write lock, and 200 phones logging in at once queued behind each other's hashing past the busy timeout.
        await self.session.rollback()
        password_ok = await anyio.to_thread.run_sync(
            verify_password, password_hash, password, limiter=_hashing_limiter()
        )
        user = await self.session.get(User, user_id) if user_id else None
        if user is None or not password_ok or not user.is_active:
            await self._record_failure(
                username, ip, user.id if user else None, "inactive user" if user and password_ok else "bad credentials"
            )
            raise InvalidCredentials("Wrong username or password.")
        self.session.add(LoginAttempt(username=username, ip=ip, succeeded=True, at=clock.now()))
        await AuditLog(self.session).record(
            "auth.login", entity_type="user", entity_id=user.id, actor_id=user.id, data={"ip": ip}
        )
        return await self._issue(user, family_id=uuid.uuid4())

    async def refresh(self, token: str) -> IssuedTokens:
        stored = await queries.refresh_token_by_hash(self.session, refresh_token_hash(token), for_update=True)
        now = clock.now()
        if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
            raise TokenInvalid("The refresh token is not valid any more; log in again.")
        if stored.used_at is not None:
            await self._revoke_family_after_reuse(stored.family_id, stored.user_id)
            raise TokenInvalid("This refresh token was already used; every session of this login is now closed.")
        user = await self.session.get(User, stored.user_id)
        if user is None or not user.is_active:
            raise TokenInvalid("The account is no longer active.")
        if not await queries.claim_refresh_token(self.session, stored.id, now):  # another refresh won the race
            raise TokenInvalid("This refresh token was already used; log in again.")
        return await self._issue(user, family_id=stored.family_id)

    async def logout(self, token: str) -> None:
        stored = await queries.refresh_token_by_hash(self.session, refresh_token_hash(token))
        if stored is None:
            return
        await queries.revoke_token_family(self.session, stored.family_id, clock.now())
        # An access token does not say which login it belongs to, so all of the user's end; the user's other logins
        # refresh theirs without a word, this one cannot.
        await queries.end_access_tokens(self.session, stored.user_id)
        await AuditLog(self.session).record(
            "auth.logout", entity_type="user", entity_id=stored.user_id, actor_id=stored.user_id
        )

    async def _issue(self, user: User, *, family_id: uuid.UUID) -> IssuedTokens:
        principal = Principal(id=user.id, username=user.username, role=user.role, session_version=user.session_version)
        access_token, _ = issue_access_token(principal, self.settings.secret_key, self.settings.access_token_ttl_s)
        refresh_token = new_refresh_token()
        now = clock.now()
        self.session.add(
            RefreshToken(
                user_id=user.id,
                family_id=family_id,
                token_hash=refresh_token_hash(refresh_token),
                issued_at=now,
                expires_at=now + timedelta(seconds=self.settings.refresh_token_ttl_s),
            )
        )
        await self.session.flush()
        return IssuedTokens(access_token, refresh_token, self.settings.access_token_ttl_s, user)

    async def _refuse_if_throttled(self, username: str, ip: str) -> None:
        now = clock.now()
        since = now - timedelta(seconds=self.settings.login_window_s)
        window_s = self.settings.login_window_s
        by_username = await queries.failed_login_times(self.session, username=username, since=since)
        by_ip = await queries.failed_login_times(self.session, ip=ip, since=since)
        waits = [
            retry_after_s(by_username, limit=self.settings.login_failures_per_user, window_s=window_s, now=now),
            retry_after_s(by_ip, limit=self.settings.login_failures_per_ip, window_s=window_s, now=now),
        ]
        wait_s = max((w for w in waits if w is not None), default=None)
        if wait_s is not None:
            await self._record_failure(username, ip, None, "throttled", counts=False)
            raise TooManyAttempts(
                f"Too many failed logins; try again in {wait_s} seconds.",
                headers={"Retry-After": str(wait_s)},
                retry_after_s=wait_s,
            )

    async def _record_failure(
        self, username: str, ip: str, user_id: uuid.UUID | None, reason: str, *, counts: bool = True
    ) -> None:
        await self.session.rollback()  # release the request's locks first: the request fails anyway
        async with self.session_factory() as session, session.begin():
            if counts:
                session.add(LoginAttempt(username=username, ip=ip, succeeded=False, at=clock.now()))
            await AuditLog(session).record(
                "auth.login_failed",
                entity_type="user",
                entity_id=user_id,
                data={"username": username, "ip": ip, "reason": reason},
            )

    async def _revoke_family_after_reuse(self, family_id: uuid.UUID, user_id: uuid.UUID) -> None:
        await self.session.rollback()  # release the request's locks first: the request fails anyway
        async with self.session_factory() as session, session.begin():
            await queries.revoke_token_family(session, family_id, clock.now())
            await queries.end_access_tokens(session, user_id)
            await AuditLog(session).record(
                "auth.refresh_reused", entity_type="user", entity_id=user_id, data={"family_id": str(family_id)}
            )
