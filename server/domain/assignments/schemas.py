"""The answer of `GET /api/me/assignments` (docs/contract.md, "Assignments"), and how an open assignment becomes it."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from server.domain.assignments.services import OpenAssignment


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
    version: str


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


def my_assignment(item: OpenAssignment) -> MyAssignment:
    unit = item.unit
    return MyAssignment(
        id=item.assignment.id,
        wave=WaveRef(id=item.wave.id, name=item.wave.name),
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
        instrument=InstrumentRef(key=item.instrument.key, version=item.instrument.version),
        window=Window(start=item.assignment.window_start, end=item.assignment.window_end),
        visit=VisitRef(id=item.visit.id, status=item.visit.status) if item.visit else None,
    )
