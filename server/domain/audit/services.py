"""Recording audit events inside the caller's transaction, so a change never exists without its event.

A use case records its events as it goes; they are chained and written in one step just before its transaction
commits. Chaining needs the chain's head row locked (one chain, never a fork), and taking that lock at the very end
means concurrent transactions wait for each other only for the length of a commit, not of a whole request.
A transaction that rolls back drops its events with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server.db.models import AuditEvent, AuditHead
from server.domain.audit.chain import event_hash
from server.lib import clock

_PENDING = "sidak.audit.pending"


def audit_content(*, seq: int, at: Any, actor_id: uuid.UUID | None, action: str, entity_type: str,
                  entity_id: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """What an event's hash covers; rebuilt from the stored row when the chain is verified."""
    return {"seq": seq, "at": at, "actor_id": actor_id, "action": action, "entity_type": entity_type,
            "entity_id": entity_id, "data": data}


@dataclass(frozen=True)
class _PendingEvent:
    at: datetime
    actor_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: str | None
    data: dict[str, Any]


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, action: str, *, entity_type: str, entity_id: object | None = None,
                     actor_id: uuid.UUID | None = None, data: dict[str, Any] | None = None) -> None:
        pending = self.session.sync_session.info.setdefault(_PENDING, [])
        pending.append(_PendingEvent(
            at=clock.now(), actor_id=actor_id, action=action, entity_type=entity_type,
            entity_id=str(entity_id) if entity_id is not None else None,
            data=msgspec.to_builtins(data or {}, str_keys=True),
        ))


@event.listens_for(Session, "before_commit")
def _append_pending_events(session: Session) -> None:
    pending: list[_PendingEvent] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # SQLite's BEGIN IMMEDIATE already serialises writers; FOR UPDATE does it on PostgreSQL.
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).one()
    seq, prev_hash = head.seq, head.hash
    rows = []
    for item in pending:
        seq += 1
        content = audit_content(seq=seq, at=item.at, actor_id=item.actor_id, action=item.action,
                                entity_type=item.entity_type, entity_id=item.entity_id, data=item.data)
        digest = event_hash(prev_hash, content)
        rows.append({"seq": seq, "at": item.at, "actor_id": item.actor_id, "action": item.action,
                     "entity_type": item.entity_type, "entity_id": item.entity_id, "data": item.data,
                     "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev_hash))


@event.listens_for(Session, "after_rollback")
def _drop_pending_events(session: Session) -> None:
    session.info.pop(_PENDING, None)
