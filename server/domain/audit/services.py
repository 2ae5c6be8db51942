"""Appending to the audit chain, inside the caller's transaction, so a change never exists without its event."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditEvent, AuditHead
from server.domain.audit.chain import event_hash
from server.lib import clock


def audit_content(*, seq: int, at: Any, actor_id: uuid.UUID | None, action: str, entity_type: str,
                  entity_id: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """What an event's hash covers; rebuilt from the stored row when the chain is verified."""
    return {"seq": seq, "at": at, "actor_id": actor_id, "action": action, "entity_type": entity_type,
            "entity_id": entity_id, "data": data}


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, action: str, *, entity_type: str, entity_id: object | None = None,
                     actor_id: uuid.UUID | None = None, data: dict[str, Any] | None = None) -> int:
        # Lock the single head row so concurrent transactions extend one chain instead of forking it
        # (SQLite's BEGIN IMMEDIATE already serialises writers; FOR UPDATE does it on PostgreSQL).
        head = (await self.session.execute(
            select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
        )).one()
        seq = head.seq + 1
        at = clock.now()
        plain_data = msgspec.to_builtins(data or {}, str_keys=True)
        entity = str(entity_id) if entity_id is not None else None
        content = audit_content(seq=seq, at=at, actor_id=actor_id, action=action, entity_type=entity_type,
                                entity_id=entity, data=plain_data)
        digest = event_hash(head.hash, content)
        await self.session.execute(insert(AuditEvent).values(
            seq=seq, at=at, actor_id=actor_id, action=action, entity_type=entity_type, entity_id=entity,
            data=plain_data, prev_hash=head.hash, hash=digest,
        ))
        await self.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
        return seq
