"""What a batch of assignments is checked for, on plain values: the problems of an explicit list (refused), the
warnings of a stored or drawn batch (shown), and each surveyor's load."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from server.lib.errors import InvalidInput

ConflictPlace = tuple[uuid.UUID | None, uuid.UUID | None]
"""A declared conflict of interest: the unit's id or the agency's id (the other is None)."""


# What the checks read of the stored rows (the database's rows have these and more).
class SurveyorRecord(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def username(self) -> str: ...


class NamedRecord(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...


class UnitRecord(NamedRecord, Protocol):
    @property
    def lat(self) -> float | None: ...


class RegionRecord(Protocol):
    @property
    def timezone(self) -> str: ...


class PlacedUnit(Protocol):
    """A unit with its agency and region."""

    @property
    def unit(self) -> UnitRecord: ...
    @property
    def agency(self) -> NamedRecord: ...
    @property
    def region(self) -> RegionRecord: ...


class AssignmentRecord(Protocol):
    @property
    def unit(self) -> PlacedUnit: ...
    @property
    def surveyor(self) -> SurveyorRecord: ...
    @property
    def window_start(self) -> datetime: ...
    @property
    def window_end(self) -> datetime: ...


class WavePeriod(Protocol):
    @property
    def period_start(self) -> date: ...
    @property
    def period_end(self) -> date: ...


Surveyor = TypeVar("Surveyor", bound=SurveyorRecord)


@dataclass(frozen=True)
class NewAssignment:
    unit_id: uuid.UUID
    surveyor_id: uuid.UUID
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True)
class AssignmentWarning:
    code: str
    message: str
    unit_id: uuid.UUID | None = None


def assignment_problems(
    wanted: Sequence[NewAssignment],
    units: Mapping[uuid.UUID, PlacedUnit],
    surveyors: Mapping[uuid.UUID, SurveyorRecord],
    conflicts: dict[uuid.UUID, list[ConflictPlace]],
) -> list[dict[str, str]]:
    """Every problem of an explicit list, as ``{field, message}`` naming the item (``assignments[i]...``)."""
    problems: list[dict[str, str]] = []
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for i, item in enumerate(wanted):
        problems.extend(_item_problems(f"assignments[{i}]", item, units, surveyors, seen))
        unit = units.get(item.unit_id)
        if unit is not None:
            problems.extend(_conflict_problems(f"assignments[{i}]", item, unit, conflicts))
        seen.add((item.unit_id, item.surveyor_id))
    return problems


def _item_problems(
    where: str,
    item: NewAssignment,
    units: Mapping[uuid.UUID, PlacedUnit],
    surveyors: Mapping[uuid.UUID, SurveyorRecord],
    seen: set[tuple[uuid.UUID, uuid.UUID]],
) -> list[dict[str, str]]:
    problems = []
    if item.unit_id not in units:
        problems.append({"field": f"{where}.unit_id", "message": f"there is no unit {item.unit_id}"})
    if item.surveyor_id not in surveyors:
        problems.append({"field": f"{where}.surveyor_id", "message": f"there is no active surveyor {item.surveyor_id}"})
    if item.window_end <= item.window_start:
        problems.append({"field": f"{where}.window_end", "message": "the window ends before it starts"})
    if (item.unit_id, item.surveyor_id) in seen:
        problems.append({"field": where, "message": "the same unit and surveyor appear twice"})
    return problems


def _conflict_problems(
    where: str, item: NewAssignment, unit: PlacedUnit, conflicts: dict[uuid.UUID, list[ConflictPlace]]
) -> list[dict[str, str]]:
    return [
        {
            "field": f"{where}.surveyor_id",
            "message": f"the surveyor declared a conflict of interest with {unit.unit.name} or {unit.agency.name}",
        }
        for conflict_unit_id, conflict_agency_id in conflicts.get(item.surveyor_id, ())
        if conflict_unit_id == unit.unit.id or conflict_agency_id == unit.agency.id
    ]


def refuse_unknown(ids: Sequence[uuid.UUID], found: dict[uuid.UUID, Any], field_name: str, what: str) -> None:
    """Refuse the first id of ``ids`` that is not among ``found``, naming its place in the list."""
    for i, wanted_id in enumerate(ids):
        if wanted_id not in found:
            extra = " (an active surveyor)" if what == "surveyor" else ""
            raise InvalidInput(f"There is no {what}{extra} {wanted_id}.", field=f"{field_name}[{i}]")


def loads(assigned: Sequence[Surveyor]) -> list[tuple[Surveyor, int]]:
    """How many of a batch's assignments each surveyor got (``assigned``: the surveyor of each), by username."""
    counts = Counter(surveyor.id for surveyor in assigned)
    surveyors = {surveyor.id: surveyor for surveyor in assigned}
    return sorted(((surveyors[s_id], n) for s_id, n in counts.items()), key=lambda pair: pair[0].username)


def batch_warnings(wave: WavePeriod, views: Sequence[AssignmentRecord]) -> list[AssignmentWarning]:
    """Units without coordinates (no geofence check), and windows that reach outside the wave's period."""
    warnings = [
        AssignmentWarning(
            code="unit.no_coordinates",
            message=f"{view.unit.unit.name} has no coordinates: its visits cannot be checked against a geofence.",
            unit_id=unit_id,
        )
        for unit_id, view in {view.unit.unit.id: view for view in views}.items()
        if view.unit.unit.lat is None
    ]
    for view in views:
        tz = ZoneInfo(view.unit.region.timezone)
        starts_on = view.window_start.astimezone(tz).date()
        ends_on = (view.window_end - timedelta(microseconds=1)).astimezone(tz).date()
        if starts_on < wave.period_start or ends_on > wave.period_end:
            warnings.append(
                AssignmentWarning(
                    code="window.outside_period",
                    message=f"The window for {view.unit.unit.name} ({view.surveyor.username}) reaches "
                    f"outside the wave's period {wave.period_start}–{wave.period_end}.",
                    unit_id=view.unit.unit.id,
                )
            )
    return warnings


def unassignable_warnings(units: Sequence[PlacedUnit]) -> list[AssignmentWarning]:
    return [
        AssignmentWarning(
            code="unit.unassignable",
            message=f"No surveyor of this draw may take {view.unit.name} (declared "
            "conflicts, or already assigned to all of them).",
            unit_id=view.unit.id,
        )
        for view in units
    ]
