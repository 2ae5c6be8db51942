"""`sidak audit verify`: rebuild every stored event's content and check the hash chain end to end."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditEvent, AuditHead
from server.domain.audit.chain import ChainLink, verify_chain
from server.domain.audit.services import audit_content


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    message: str
    first_broken_seq: int | None = None


async def verify_stored_chain(session: AsyncSession) -> ChainReport:
    events = (await session.scalars(select(AuditEvent).order_by(AuditEvent.seq))).all()
    head_hash = await session.scalar(select(AuditHead.hash).where(AuditHead.id == 1))
    links = [
        ChainLink(seq=event.seq, prev_hash=event.prev_hash, hash=event.hash, content=audit_content(
            seq=event.seq, at=event.at, actor_id=event.actor_id, action=event.action, entity_type=event.entity_type,
            entity_id=event.entity_id, data=event.data))
        for event in events
    ]
    found = verify_chain(links, head_hash=head_hash if events else None)
    if found is None:
        return ChainReport(True, len(links), f"audit chain intact: {len(links)} events")
    return ChainReport(False, len(links), f"audit chain broken at event {found.seq} ({found.reason}): {found.detail}",
                       found.seq)
