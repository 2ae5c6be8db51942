from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Controller, get
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.assignments.services import AssignmentService, OpenAssignment
from server.lib.auth import Principal, anyone_logged_in


class WaveRef(msgspec.Struct):
    id: uuid.UUID
    name: str


class AssignedUnit(msgspec.Struct):
    id: uuid.UUID
    name: str
    agency: str
    region: str
    address: str
    lat: float | None
    lon: float | None
    geofence_m: int


class InstrumentRef(msgspec.Struct):
    key: str
    version: int


class Window(msgspec.Struct):
    start: datetime
    end: datetime


class VisitRef(msgspec.Struct):
    id: uuid.UUID
    status: str


class MyAssignment(msgspec.Struct):
    id: uuid.UUID
    wave: WaveRef
    unit: AssignedUnit
    instrument: InstrumentRef
    window: Window
    visit: VisitRef | None


def _my_assignment(item: OpenAssignment) -> MyAssignment:
    unit = item.unit
    return MyAssignment(
        id=item.assignment.id,
        wave=WaveRef(item.wave.id, item.wave.name),
        unit=AssignedUnit(
            id=unit.id,
            name=unit.name,
            agency=item.agency.name,
            region=item.region.name,
            address=unit.address,
            lat=unit.lat,
            lon=unit.lon,
            geofence_m=unit.geofence_m,
        ),
        instrument=InstrumentRef(item.instrument.key, item.instrument.version),
        window=Window(item.assignment.window_start, item.assignment.window_end),
        visit=VisitRef(item.visit.id, item.visit.status) if item.visit else None,
    )


class MyAssignmentsController(Controller):
    path = "/api/me/assignments"
    tags = ["sync"]
    guards = [anyone_logged_in]

    @get(
        "/",
        summary="The caller's open assignments",
        description="Assignments of waves in fieldwork or review, sorted by window start, each with the latest visit"
        " the caller made for it (`null` when none). Roles other than surveyor get an empty list.",
    )
    async def list_mine(self, db_session: AsyncSession, principal: Principal) -> list[MyAssignment]:
        return [_my_assignment(item) for item in await AssignmentService(db_session, principal).open_assignments()]
