"""The statements over logins: users by name, refresh tokens, and the recorded login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import LoginAttempt, RefreshToken, User


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def refresh_token_by_hash(
    session: AsyncSession, token_hash: str, *, for_update: bool = False
) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    return await session.scalar(query.with_for_update() if for_update else query)


async def claim_refresh_token(session: AsyncSession, token_id: uuid.UUID, at: datetime) -> bool:
    """Mark the token used; False when another request used it first."""
    claimed = await session.execute(
        update(RefreshToken).where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None)).values(used_at=at)
    )
    return isinstance(claimed, CursorResult) and claimed.rowcount == 1


async def revoke_token_family(session: AsyncSession, family_id: uuid.UUID, at: datetime) -> None:
    """Every token of one login (the tokens one login's refreshes handed out)."""
    await _revoke(session, RefreshToken.family_id == family_id, at)


async def revoke_user_tokens(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    """Every token of every login of one user: their sessions end at their next request."""
    await _revoke(session, RefreshToken.user_id == user_id, at)
    await end_access_tokens(session, user_id)


async def end_access_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every access token the user holds is refused from the next request on (``server.lib.auth``); a login whose
    refresh token still holds gets a new one by refreshing."""
    await session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1))


async def _revoke(session: AsyncSession, which: ColumnElement[bool], at: datetime) -> None:
    await session.execute(update(RefreshToken).where(which, RefreshToken.revoked_at.is_(None)).values(revoked_at=at))


async def failed_login_times(
    session: AsyncSession, *, username: str | None = None, ip: str | None = None, since: datetime
) -> list[datetime]:
    """When the failed logins since ``since`` happened, of one username or of one client address."""
    by_caller = LoginAttempt.username == username if username is not None else LoginAttempt.ip == ip
    query = select(LoginAttempt.at).where(by_caller, LoginAttempt.at > since, LoginAttempt.succeeded.is_(False))
    return list((await session.scalars(query)).all())
