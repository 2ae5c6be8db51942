"""`sidak audit verify`: rebuild every stored event's content and check the hash chain end to end."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditEvent
from server.domain.audit import queries
from server.domain.audit.chain import ChainLink, verify_chain
from server.domain.audit.services import audit_content


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    message: str
    first_broken_seq: int | None = None


async def verify_stored_chain(session: AsyncSession) -> ChainReport:
    """Check the sealed events; seal the pending ones first (``seal_pending``) for a verdict on all of them."""
    events = await queries.sealed_events(session)
    unsealed = await queries.unsealed_count(session)
    head_hash = await queries.head_hash(session)
    links = [_link(event) for event in events]
    found = verify_chain(links, head_hash=head_hash if events else None)
    if found is None:
        waiting = f" ({unsealed} recorded events not yet sealed)" if unsealed else ""
        return ChainReport(True, len(links), f"audit chain intact: {len(links)} events{waiting}")
    return ChainReport(
        False, len(links), f"audit chain broken at event {found.seq} ({found.reason}): {found.detail}", found.seq
    )


def _link(event: AuditEvent) -> ChainLink:
    if event.seq is None:
        raise ValueError(f"audit event {event.id} is not sealed")  # queries.sealed_events selects sealed ones only
    # A hash emptied after sealing cannot match the content, so the chain reports the event as edited.
    return ChainLink(
        seq=event.seq,
        prev_hash=event.prev_hash or "",
        hash=event.hash or "",
        content=audit_content(
            seq=event.seq,
            at=event.at,
            actor_id=event.actor_id,
            action=event.action,
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            data=event.data,
        ),
    )
