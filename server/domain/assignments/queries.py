"""The statements behind a surveyor's own assignments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Instrument, Region, Unit, Visit, Wave

OpenAssignmentRow = Row[Assignment, Wave, Unit, Agency, Region, Instrument]


async def assignments_in_waves(
    session: AsyncSession, surveyor_id: uuid.UUID, wave_statuses: Sequence[str]
) -> list[OpenAssignmentRow]:
    """The surveyor's assignments in waves of these statuses, with their place and instrument, by window start."""
    rows = await session.execute(
        select(Assignment, Wave, Unit, Agency, Region, Instrument)
        .join(Wave, Assignment.wave_id == Wave.id)
        .join(Instrument, Wave.instrument_id == Instrument.id)
        .join(Unit, Assignment.unit_id == Unit.id)
        .join(Agency, Unit.agency_id == Agency.id)
        .join(Region, Agency.region_id == Region.id)
        .where(Assignment.surveyor_id == surveyor_id, Wave.status.in_(wave_statuses))
        .order_by(Assignment.window_start, Unit.name, Assignment.id)
    )
    return list(rows.all())


async def latest_visits(
    session: AsyncSession, surveyor_id: uuid.UUID, assignment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """``assignment id → (visit id, status)`` of the visit the surveyor started last for each assignment (an
    assignment may have several)."""
    if not assignment_ids:
        return {}
    visits = await session.execute(
        select(Visit.assignment_id, Visit.id, Visit.status)
        .where(Visit.assignment_id.in_(assignment_ids), Visit.surveyor_id == surveyor_id)
        .order_by(Visit.started_at, Visit.first_received_at)
    )
    return {assignment_id: (visit_id, status) for assignment_id, visit_id, status in visits}
