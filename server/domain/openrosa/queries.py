"""The statements behind Collect keys, OpenRosa submissions and the attachments of split submissions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import (
    Agency,
    Assignment,
    CollectToken,
    Instrument,
    OpenRosaStagedFile,
    OpenRosaSubmission,
    SupervisorRegion,
    Unit,
    User,
    Wave,
)


async def key_holder(session: AsyncSession, token_hash: str) -> Row[datetime | None, uuid.UUID, str, str, bool] | None:
    """The key with this hash and its surveyor (id, username, role, whether active), or None."""
    row = await session.execute(
        select(CollectToken.revoked_at, User.id, User.username, User.role, User.is_active)
        .join(User, CollectToken.user_id == User.id)
        .where(CollectToken.token_hash == token_hash)
    )
    return row.first()


async def surveyor(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def surveyor_works_in_regions_of(session: AsyncSession, surveyor_id: uuid.UUID, supervisor_id: uuid.UUID) -> bool:
    """Whether the surveyor has an assignment at a unit in a region the supervisor covers."""
    statement = select(
        exists()
        .where(Assignment.surveyor_id == surveyor_id)
        .where(Unit.id == Assignment.unit_id, Agency.id == Unit.agency_id)
        .where(SupervisorRegion.region_id == Agency.region_id, SupervisorRegion.user_id == supervisor_id)
    )
    return bool(await session.scalar(statement))


async def revoke_keys_of(session: AsyncSession, user_id: uuid.UUID, *, by: uuid.UUID, at: datetime) -> int:
    result = await session.execute(
        update(CollectToken)
        .where(CollectToken.user_id == user_id, CollectToken.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by=by)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def insert_key(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(CollectToken).values(values))


async def surveyors_with_keys(
    session: AsyncSession, supervisor_id: uuid.UUID | None
) -> Sequence[Row[uuid.UUID, str, str, datetime | None]]:
    """Active surveyors (all, or those working in the supervisor's regions) with their active key's issue time."""
    statement = (
        select(User.id, User.username, User.display_name, CollectToken.created_at)
        .outerjoin(CollectToken, (CollectToken.user_id == User.id) & CollectToken.revoked_at.is_(None))
        .where(User.role == "surveyor", User.is_active.is_(True))
        .order_by(User.display_name, User.username)
    )
    if supervisor_id is not None:
        statement = statement.where(
            exists()
            .where(Assignment.surveyor_id == User.id)
            .where(Unit.id == Assignment.unit_id, Agency.id == Unit.agency_id)
            .where(SupervisorRegion.region_id == Agency.region_id, SupervisorRegion.user_id == supervisor_id)
        )
    return (await session.execute(statement)).all()


async def assignment_instrument(
    session: AsyncSession, assignment_id: uuid.UUID
) -> Row[uuid.UUID, uuid.UUID, str, str] | None:
    """The assignment's surveyor and its wave's instrument (id, key, version)."""
    row = await session.execute(
        select(Assignment.surveyor_id, Instrument.id, Instrument.key, Instrument.version)
        .join(Wave, Assignment.wave_id == Wave.id)
        .join(Instrument, Wave.instrument_id == Instrument.id)
        .where(Assignment.id == assignment_id)
    )
    return row.first()


async def submission_xml_hash(session: AsyncSession, visit_id: uuid.UUID) -> str | None:
    return await session.scalar(select(OpenRosaSubmission.xml_sha256).where(OpenRosaSubmission.visit_id == visit_id))


async def insert_submission(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(OpenRosaSubmission).values(values))


async def staged_files(
    session: AsyncSession, instance_id: uuid.UUID, user_id: uuid.UUID
) -> dict[str, tuple[str, bytes]]:
    rows = await session.execute(
        select(OpenRosaStagedFile.filename, OpenRosaStagedFile.content_type, OpenRosaStagedFile.data).where(
            OpenRosaStagedFile.instance_id == instance_id, OpenRosaStagedFile.user_id == user_id
        )
    )
    return {filename: (content_type, data) for filename, content_type, data in rows}


async def stage_files(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(OpenRosaStagedFile), rows)


async def drop_staged_files(session: AsyncSession, instance_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await session.execute(
        delete(OpenRosaStagedFile).where(
            OpenRosaStagedFile.instance_id == instance_id, OpenRosaStagedFile.user_id == user_id
        )
    )


async def drop_staged_files_before(session: AsyncSession, moment: datetime) -> None:
    await session.execute(delete(OpenRosaStagedFile).where(OpenRosaStagedFile.received_at < moment))
