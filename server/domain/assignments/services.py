"""A surveyor's own assignments, as the phone downloads them (docs/contract.md, "Assignments")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Instrument, Region, Unit, Wave
from server.domain.assignments import queries
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
        rows = await queries.assignments_in_waves(self.session, self.principal.id, OPEN_WAVE_STATUSES)
        latest = {
            assignment_id: LatestVisit(id=visit_id, status=status)
            for assignment_id, (visit_id, status) in (
                await queries.latest_visits(self.session, self.principal.id, [row[0].id for row in rows])
            ).items()
        }
        return [
            OpenAssignment(
                assignment=assignment,
                wave=wave,
                unit=unit,
                agency=agency,
                region=region,
                instrument=instrument,
                visit=latest.get(assignment.id),
            )
            for assignment, wave, unit, agency, region, instrument in rows
        ]
