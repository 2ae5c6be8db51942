"""The admin's assignments of a wave: an explicit list, the seeded random draw, and taking one back.

Assignments are added while the wave is in draft or fieldwork; every problem of an explicit list is named at once
(422), and an assignment that already exists in the wave is a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from server.db.models import Assignment, User, Wave
from server.domain.admin.assignments import checks, queries
from server.domain.admin.assignments.checks import AssignmentWarning, NewAssignment
from server.domain.admin.assignments.draw import Draw, DrawSurveyor, DrawUnit, Seed, draw_assignments
from server.domain.admin.assignments.queries import AssignmentView
from server.domain.admin.places import queries as places
from server.domain.admin.places.queries import UnitView
from server.domain.admin.services import AdminUseCases
from server.domain.admin.users import queries as users
from server.domain.admin.waves.services import find_wave
from server.lib import clock
from server.lib.errors import AssignmentVisited, DuplicateKey, InvalidInput, NotFound, WaveStateConflict

ASSIGNABLE_WAVE_STATUSES = ("draft", "fieldwork")


@dataclass(frozen=True)
class DrawOrder:
    seed: Seed
    surveyor_ids: Sequence[uuid.UUID]
    window_start: datetime
    window_end: datetime
    unit_ids: Sequence[uuid.UUID] | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class AssignmentBatch:
    wave: Wave
    assignments: list[AssignmentView]
    loads: list[tuple[User, int]]
    warnings: list[AssignmentWarning] = field(default_factory=list)
    unassigned: list[UnitView] = field(default_factory=list)
    dry_run: bool = False
    seed: Seed | None = None


class WaveAssignmentService(AdminUseCases):
    async def wave_assignments(self, wave_id: uuid.UUID) -> AssignmentBatch:
        wave = await find_wave(self.session, wave_id)
        views = await queries.assignment_views(self.session, wave.id)
        return AssignmentBatch(
            wave=wave,
            assignments=views,
            loads=checks.loads([view.surveyor for view in views]),
            warnings=checks.batch_warnings(wave, views),
        )

    async def add_assignments(
        self, wave_id: uuid.UUID, *, explicit: Sequence[NewAssignment] | None = None, draw: DrawOrder | None = None
    ) -> AssignmentBatch:
        if explicit is not None and draw is None:
            return await self.assign(wave_id, explicit)
        if draw is not None and explicit is None:
            return await self.draw(wave_id, draw)
        raise InvalidInput("Send either `assignments` (a list) or `draw` (a seeded draw).", field="assignments")

    async def assign(self, wave_id: uuid.UUID, wanted: Sequence[NewAssignment]) -> AssignmentBatch:
        """Store an explicit list of assignments: every item is checked and all problems are listed at once."""
        wave = await self._assignable_wave(wave_id)
        if not wanted:
            raise InvalidInput("Give at least one assignment.", field="assignments")
        units = await places.unit_views_by_id(self.session, {item.unit_id for item in wanted})
        surveyors = await users.active_surveyors(self.session, {item.surveyor_id for item in wanted})
        conflicts = await users.conflict_places(self.session, surveyors)
        existing = await queries.assigned_pairs(self.session, wave.id)
        errors = checks.assignment_problems(wanted, units, surveyors, conflicts)
        if errors:
            raise InvalidInput(f"{errors[0]['field']}: {errors[0]['message']}", field=errors[0]["field"], errors=errors)
        duplicates = [i for i, item in enumerate(wanted) if (item.unit_id, item.surveyor_id) in existing]
        if duplicates:
            raise DuplicateKey(
                f"{len(duplicates)} of these assignments already exist in this wave.",
                field=f"assignments[{duplicates[0]}]",
                errors=[{"field": f"assignments[{i}]", "message": "already assigned in this wave"} for i in duplicates],
            )
        views = await self._store_assignments(
            wave,
            [
                AssignmentView(
                    id=None,
                    unit=units[item.unit_id],
                    surveyor=surveyors[item.surveyor_id],
                    window_start=item.window_start,
                    window_end=item.window_end,
                )
                for item in wanted
            ],
        )
        await self.record("wave.assigned", "wave", wave.id, {"assignment_ids": [view.id for view in views]})
        return AssignmentBatch(
            wave=wave,
            assignments=views,
            loads=checks.loads([view.surveyor for view in views]),
            warnings=checks.batch_warnings(wave, views),
        )

    async def draw(self, wave_id: uuid.UUID, order: DrawOrder) -> AssignmentBatch:
        """The seeded random draw (``admin.assignments.draw``). Without ``unit_ids`` it covers every unit not yet
        assigned in this wave, so a second draw picks up units added since the first. Units nobody may take are
        reported in ``unassigned``; the rest are stored unless ``dry_run``."""
        wave = await (find_wave(self.session, wave_id) if order.dry_run else self._assignable_wave(wave_id))
        if order.window_end <= order.window_start:
            raise InvalidInput("The window ends before it starts.", field="draw.window_end")
        if not order.surveyor_ids:
            raise InvalidInput("Name at least one surveyor.", field="draw.surveyor_ids")
        surveyors = await users.active_surveyors(self.session, set(order.surveyor_ids))
        checks.refuse_unknown(order.surveyor_ids, surveyors, "draw.surveyor_ids", "surveyor")
        existing = await queries.assigned_pairs(self.session, wave.id)
        units = await self._units_to_draw(order, existing)
        result = await self._drawn(order, units, surveyors, existing)
        views = [
            AssignmentView(
                id=None,
                unit=units[unit_id],
                surveyor=surveyors[surveyor_id],
                window_start=order.window_start,
                window_end=order.window_end,
            )
            for unit_id, surveyor_id in result.pairs
        ]
        unassigned = [units[unit_id] for unit_id in result.unassignable]
        if not order.dry_run:
            views = await self._store_assignments(wave, views)
            await self.record(
                "wave.drawn",
                "wave",
                wave.id,
                {
                    "seed": order.seed,
                    "surveyor_ids": sorted(map(str, surveyors)),
                    "assigned": len(views),
                    "unassignable_unit_ids": [str(unit_id) for unit_id in result.unassignable],
                },
            )
        loads = sorted(((surveyors[s_id], n) for s_id, n in result.loads.items()), key=lambda pair: pair[0].username)
        return AssignmentBatch(
            wave=wave,
            assignments=views,
            loads=loads,
            warnings=checks.batch_warnings(wave, views) + checks.unassignable_warnings(unassigned),
            unassigned=unassigned,
            dry_run=order.dry_run,
            seed=order.seed,
        )

    async def delete_assignment(self, wave_id: uuid.UUID, assignment_id: uuid.UUID) -> None:
        """Take back an assignment nobody has visited yet, while the wave is in draft or fieldwork."""
        wave = await find_wave(self.session, wave_id, for_update=True)
        assignment = await self.session.get(Assignment, assignment_id, with_for_update=True)
        if assignment is None or assignment.wave_id != wave.id:
            raise NotFound(f"The wave has no assignment {assignment_id}.")
        if wave.status not in ASSIGNABLE_WAVE_STATUSES:
            raise WaveStateConflict(
                f"The wave is in {wave.status}; assignments can be removed in draft or fieldwork.",
                status_now=wave.status,
            )
        visited = AssignmentVisited("A visit was already sent for this assignment; it stays as the visit's record.")
        if await queries.has_visit(self.session, assignment.id):
            raise visited
        await self.session.delete(assignment)
        try:
            await self.session.flush()
        except IntegrityError as error:
            # A visit for it arrived between the check and the delete: the foreign key keeps the assignment.
            raise visited from error
        await self.record(
            "assignment.deleted",
            "assignment",
            assignment.id,
            {
                "wave_id": wave.id,
                "unit_id": assignment.unit_id,
                "surveyor_id": assignment.surveyor_id,
                "window": [assignment.window_start.isoformat(), assignment.window_end.isoformat()],
            },
        )

    async def _assignable_wave(self, wave_id: uuid.UUID) -> Wave:
        wave = await find_wave(self.session, wave_id, for_update=True)
        if wave.status not in ASSIGNABLE_WAVE_STATUSES:
            raise WaveStateConflict(
                f"The wave is in {wave.status}; assignments can be added in draft or fieldwork.", status_now=wave.status
            )
        return wave

    async def _units_to_draw(
        self, order: DrawOrder, existing: set[tuple[uuid.UUID, uuid.UUID]]
    ) -> dict[uuid.UUID, UnitView]:
        """The units named, or every unit not yet assigned in the wave; refuses an unknown one, or none at all."""
        if order.unit_ids is None:
            assigned_units = {unit_id for unit_id, _ in existing}
            units = await places.unit_views_by_id(self.session, await places.unit_ids(self.session) - assigned_units)
        else:
            units = await places.unit_views_by_id(self.session, set(order.unit_ids))
            checks.refuse_unknown(order.unit_ids, units, "draw.unit_ids", "unit")
        if not units:
            raise InvalidInput(
                "There are no units to draw: every unit is already assigned in this wave.", field="draw.unit_ids"
            )
        return units

    async def _drawn(
        self,
        order: DrawOrder,
        units: dict[uuid.UUID, UnitView],
        surveyors: dict[uuid.UUID, User],
        existing: set[tuple[uuid.UUID, uuid.UUID]],
    ) -> Draw:
        conflicts = await users.conflict_places(self.session, surveyors)
        return draw_assignments(
            [DrawUnit(id=view.unit.id, agency_id=view.agency.id) for view in units.values()],
            [
                DrawSurveyor(
                    id=s_id,
                    conflict_unit_ids=frozenset(u for u, _ in conflicts.get(s_id, ()) if u is not None),
                    conflict_agency_ids=frozenset(a for _, a in conflicts.get(s_id, ()) if a is not None),
                )
                for s_id in surveyors
            ],
            order.seed,
            excluded=existing,
        )

    async def _store_assignments(self, wave: Wave, views: list[AssignmentView]) -> list[AssignmentView]:
        now = clock.now()
        rows = [
            Assignment(
                wave_id=wave.id,
                unit_id=view.unit.unit.id,
                surveyor_id=view.surveyor.id,
                window_start=view.window_start,
                window_end=view.window_end,
                created_at=now,
            )
            for view in views
        ]
        self.session.add_all(rows)
        await self.flush_refusing_duplicates("One of these assignments", "assignments")
        return [
            AssignmentView(
                id=row.id,
                unit=view.unit,
                surveyor=view.surveyor,
                window_start=view.window_start,
                window_end=view.window_end,
            )
            for row, view in zip(rows, views, strict=True)
        ]
