"""Request bodies and answers of a wave's assignment routes, and how a batch of assignments becomes an answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from server.db.models import User
from server.domain.admin.assignments.checks import NewAssignment
from server.domain.admin.assignments.services import AssignmentBatch, DrawOrder
from server.domain.admin.places.queries import UnitView
from server.domain.admin.schemas import AwareDatetime

Seed = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class AssignmentItem(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: uuid.UUID
    surveyor_id: uuid.UUID
    window_start: AwareDatetime
    window_end: AwareDatetime


class DrawRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Each unit to one surveyor, loads balanced, reproducible from `seed`, never against a declared conflict.
    Without `unit_ids`, every unit not yet assigned in this wave."""

    seed: Seed
    surveyor_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1)]
    window_start: AwareDatetime
    window_end: AwareDatetime
    unit_ids: list[uuid.UUID] | None = None
    dry_run: bool = False


class AssignmentsRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of `assignments` (an explicit list) and `draw` (a seeded random draw)."""

    assignments: list[AssignmentItem] | None = None
    draw: DrawRequest | None = None

    def explicit(self) -> list[NewAssignment] | None:
        if self.assignments is None:
            return None
        return [
            NewAssignment(
                unit_id=a.unit_id, surveyor_id=a.surveyor_id, window_start=a.window_start, window_end=a.window_end
            )
            for a in self.assignments
        ]

    def draw_order(self) -> DrawOrder | None:
        draw = self.draw
        if draw is None:
            return None
        return DrawOrder(
            seed=draw.seed,
            surveyor_ids=draw.surveyor_ids,
            window_start=draw.window_start,
            window_end=draw.window_end,
            unit_ids=draw.unit_ids,
            dry_run=draw.dry_run,
        )


class AssignedUnitOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    agency: str
    region: str
    lat: float | None
    lon: float | None


class SurveyorRef(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str


class WindowOut(msgspec.Struct):
    start: datetime
    end: datetime


class AssignmentOut(msgspec.Struct):
    id: uuid.UUID | None
    unit: AssignedUnitOut
    surveyor: SurveyorRef
    window: WindowOut


class LoadOut(msgspec.Struct):
    surveyor: SurveyorRef
    assignments: int


class WarningOut(msgspec.Struct):
    code: str
    message: str
    unit_id: uuid.UUID | None


class AssignmentsOut(msgspec.Struct):
    wave_id: uuid.UUID
    dry_run: bool
    seed: int | str | None
    assignments: list[AssignmentOut]
    loads: list[LoadOut]
    unassigned: list[AssignedUnitOut]
    warnings: list[WarningOut]


def _assigned_unit(view: UnitView) -> AssignedUnitOut:
    return AssignedUnitOut(
        id=view.unit.id,
        name=view.unit.name,
        agency=view.agency.name,
        region=view.region.name,
        lat=view.unit.lat,
        lon=view.unit.lon,
    )


def _surveyor_ref(user: User) -> SurveyorRef:
    return SurveyorRef(id=user.id, username=user.username, display_name=user.display_name)


def assignments_out(batch: AssignmentBatch) -> AssignmentsOut:
    return AssignmentsOut(
        wave_id=batch.wave.id,
        dry_run=batch.dry_run,
        seed=batch.seed,
        assignments=[
            AssignmentOut(
                id=a.id,
                unit=_assigned_unit(a.unit),
                surveyor=_surveyor_ref(a.surveyor),
                window=WindowOut(start=a.window_start, end=a.window_end),
            )
            for a in batch.assignments
        ],
        loads=[LoadOut(surveyor=_surveyor_ref(user), assignments=count) for user, count in batch.loads],
        unassigned=[_assigned_unit(view) for view in batch.unassigned],
        warnings=[WarningOut(code=w.code, message=w.message, unit_id=w.unit_id) for w in batch.warnings],
    )
