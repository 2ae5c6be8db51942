"""The statements over a wave's assignments, and the rows they return."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Region, Unit, User, Visit
from server.domain.admin.places.queries import UnitView


@dataclass(frozen=True)
class AssignmentView:
    id: uuid.UUID | None
    """None while it is only drawn (a dry run), not stored."""
    unit: UnitView
    surveyor: User
    window_start: datetime
    window_end: datetime


async def assignment_views(session: AsyncSession, wave_id: uuid.UUID) -> list[AssignmentView]:
    """The wave's assignments by surveyor, window start and unit name."""
    rows = await session.execute(
        select(Assignment, User, Unit, Agency, Region)
        .join(User, Assignment.surveyor_id == User.id)
        .join(Unit, Assignment.unit_id == Unit.id)
        .join(Agency, Unit.agency_id == Agency.id)
        .join(Region, Agency.region_id == Region.id)
        .where(Assignment.wave_id == wave_id)
        .order_by(User.username, Assignment.window_start, Unit.name)
    )
    return [
        AssignmentView(
            id=assignment.id,
            unit=UnitView(unit=unit, agency=agency, region=region),
            surveyor=surveyor,
            window_start=assignment.window_start,
            window_end=assignment.window_end,
        )
        for assignment, surveyor, unit, agency, region in rows
    ]


async def assigned_pairs(session: AsyncSession, wave_id: uuid.UUID) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """``(unit id, surveyor id)`` of every assignment of the wave."""
    rows = await session.execute(
        select(Assignment.unit_id, Assignment.surveyor_id).where(Assignment.wave_id == wave_id)
    )
    return {(unit_id, surveyor_id) for unit_id, surveyor_id in rows}


async def has_visit(session: AsyncSession, assignment_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(Visit.assignment_id == assignment_id))))
