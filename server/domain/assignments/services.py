"""A surveyor's own assignments, as the phone downloads them (docs/contract.md, "Assignments")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Instrument, Region, Unit, Visit, Wave
from server.lib.auth import Principal

# Fieldwork is when visits are made; review stays open too, so that a returned visit can still be corrected.
OPEN_WAVE_STATUSES = ("fieldwork", "review")


@dataclass(frozen=True)
class LatestVisit:
    id: uuid.UUID
    status: str


@dataclass(frozen=True)
class OpenAssignment:
    assignment: Assignment
    wave: Wave
    unit: Unit
    agency: Agency
    region: Region
    instrument: Instrument
    visit: LatestVisit | None


class AssignmentService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def open_assignments(self) -> list[OpenAssignment]:
        """The caller's assignments in open waves, by window start; other roles simply have none."""
        rows = (
            await self.session.execute(
                select(Assignment, Wave, Unit, Agency, Region, Instrument)
                .join(Wave, Assignment.wave_id == Wave.id)
                .join(Instrument, Wave.instrument_id == Instrument.id)
                .join(Unit, Assignment.unit_id == Unit.id)
                .join(Agency, Unit.agency_id == Agency.id)
                .join(Region, Agency.region_id == Region.id)
                .where(Assignment.surveyor_id == self.principal.id, Wave.status.in_(OPEN_WAVE_STATUSES))
                .order_by(Assignment.window_start, Unit.name, Assignment.id)
            )
        ).all()
        latest = await self._latest_visits([row[0].id for row in rows])
        return [OpenAssignment(*row, visit=latest.get(row[0].id)) for row in rows]

    async def _latest_visits(self, assignment_ids: list[uuid.UUID]) -> dict[uuid.UUID, LatestVisit]:
        """The visit this surveyor started last for each assignment (an assignment may have several)."""
        if not assignment_ids:
            return {}
        visits = (
            await self.session.execute(
                select(Visit.assignment_id, Visit.id, Visit.status)
                .where(Visit.assignment_id.in_(assignment_ids), Visit.surveyor_id == self.principal.id)
                .order_by(Visit.started_at, Visit.first_received_at)
            )
        ).all()
        return {assignment_id: LatestVisit(visit_id, status) for assignment_id, visit_id, status in visits}
