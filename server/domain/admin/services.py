"""What every admin use case shares: the request's session (its one transaction, committed by
``server.lib.http.provide_db_session``), the acting admin, and the audit event written in that same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.audit.services import AuditLog
from server.lib.auth import Principal
from server.lib.errors import DuplicateKey, InvalidInput


class AdminUseCases:
    """Base of the admin's services. ``actor`` is None only for the command line (``sidak createuser``, the demo's
    first admin): their events are audited with no actor."""

    def __init__(self, session: AsyncSession, actor: Principal | None) -> None:
        self.session = session
        self.actor = actor
        self.audit = AuditLog(session)

    async def record(self, action: str, entity_type: str, entity_id: object, data: dict[str, Any]) -> None:
        await self.audit.record(
            action,
            entity_type=entity_type,
            entity_id=entity_id,
            actor_id=self.actor.id if self.actor else None,
            data=data,
        )

    async def flush_refusing_duplicates(self, what: str, field_name: str | None) -> None:
        # The checks before a write catch duplicates; a unique constraint settles the race between two requests.
        try:
            await self.session.flush()
        except IntegrityError as error:
            raise DuplicateKey(f"{what} was stored by another request at the same moment.", field=field_name) from error


def clean_name(value: str, field_name: str) -> str:
    """Trimmed, inner whitespace collapsed; an empty name is refused."""
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput(f"{field_name} may not be empty.", field=field_name)
    return cleaned


def plain(value: Any) -> Any:
    """A value as an audit event's data holds it (ids as strings)."""
    return str(value) if isinstance(value, uuid.UUID) else value
