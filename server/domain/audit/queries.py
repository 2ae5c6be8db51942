"""The statements over the audit events and the chain's head row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditEvent, AuditHead

SEAL_BATCH = 1000
INSERT_EVENTS = insert(AuditEvent.__table__)
"""Run on the committing session's own connection (``AuditLog``'s ``before_commit`` listener), with a list of rows."""
_LOCKED_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_UNSEALED_EVENTS = (
    select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor_id,
        AuditEvent.action,
        AuditEvent.entity_type,
        AuditEvent.entity_id,
        AuditEvent.data,
    )
    .where(AuditEvent.seq.is_(None))
    .order_by(AuditEvent.id)
    .limit(SEAL_BATCH)
)
_SEAL_EVENT = (
    update(AuditEvent.__table__)
    .where(AuditEvent.__table__.c.id == bindparam("event_id"))
    .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash"))
)
_MOVE_HEAD = (
    update(AuditHead.__table__)
    .where(AuditHead.__table__.c.id == 1)
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)


async def locked_head(session: AsyncSession) -> Row[int, str]:
    """The chain's last ``seq`` and ``hash``, its row locked until the caller's transaction ends."""
    return (await session.execute(_LOCKED_HEAD)).one()


async def unsealed_events(session: AsyncSession) -> Sequence[Row[Any]]:
    """Up to ``SEAL_BATCH`` committed events not yet in the chain, in the order they were inserted."""
    return (await session.execute(_UNSEALED_EVENTS)).all()


async def seal_events(session: AsyncSession, links: list[dict[str, Any]], *, seq: int, head_hash: str) -> None:
    """Write each event's ``seq``, ``prev_hash`` and ``hash`` (``links``: one dict with ``event_id`` each), then move
    the head to the last of them."""
    await session.execute(_SEAL_EVENT, links)
    await session.execute(_MOVE_HEAD, {"seq": seq, "hash": head_hash})


async def sealed_events(session: AsyncSession) -> Sequence[AuditEvent]:
    return (await session.scalars(select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq))).all()


async def unsealed_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))) or 0


async def head_hash(session: AsyncSession) -> str | None:
    return await session.scalar(select(AuditHead.hash).where(AuditHead.id == 1))
