"""The units CSV import: what each read row does to what the database holds (create, update, unchanged, or a
problem), and writing it. Reading the file itself is ``unit_csv``; the use case is ``PlaceService.import_units``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Region, Unit, new_id
from server.domain.admin.places import queries
from server.domain.admin.places.unit_csv import ReadRow, RowProblem, UnitRow
from server.lib import clock

ImportAction = Literal["create", "update", "unchanged"]
TURN_ROWS = 1000
"""Rows handled between two turns of the event loop: deciding or writing 10,000 rows at a stretch held it (and every
other request of the process) for a second on a busy machine."""
T = TypeVar("T")


async def in_turns(items: Sequence[T]) -> AsyncIterator[T]:
    for start in range(0, len(items), TURN_ROWS):
        if start:
            await asyncio.sleep(0)
        for item in items[start : start + TURN_ROWS]:
            yield item


@dataclass(frozen=True)
class ImportedRow:
    read: ReadRow
    action: ImportAction | None
    unit_id: uuid.UUID | None
    problems: tuple[RowProblem, ...]


@dataclass(frozen=True)
class UnitImport:
    dry_run: bool
    rows: list[ImportedRow]
    regions_created: list[str]
    agencies_created: list[str]
    file_problems: list[RowProblem] = field(default_factory=list)
    """Problems of the whole file (encoding, header, no rows): then there are no rows to show."""

    @property
    def problems(self) -> list[RowProblem]:
        return [*self.file_problems, *(problem for row in self.rows for problem in row.problems)]

    def count(self, action: ImportAction) -> int:
        return sum(1 for row in self.rows if row.action == action)


def region_kind_from_name(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith(("kota ", "kota adm")):
        return "city"
    if lowered.startswith("provinsi "):
        return "province"
    return "regency"


class ImportPlan:
    """What the database already holds for the regions, agencies and units named in a file."""

    def __init__(
        self,
        regions: dict[str, Region],
        agencies: dict[tuple[uuid.UUID, str], Agency],
        units: dict[tuple[uuid.UUID, str], Unit],
    ) -> None:
        self.regions = regions
        self.agencies = agencies
        self.units = units
        self.unit_ids: dict[int, uuid.UUID] = {}
        self.new_region_ids: dict[str, uuid.UUID] = {}
        self.new_agency_ids: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        self.new_regions: list[Region] = []
        self.new_agencies: list[Agency] = []

    @classmethod
    async def load(cls, session: AsyncSession, rows: Sequence[ReadRow]) -> ImportPlan:
        regions = await queries.regions_by_code(session, {row.row.region_code for row in rows if row.row is not None})
        agencies = await queries.agencies_by_name(session, [region.id for region in regions.values()])
        units = await queries.units_by_name(session, [agency.id for agency in agencies.values()])
        return cls(regions, agencies, units)

    def row(self, read: ReadRow) -> ImportedRow:
        row = read.row
        if row is None:
            return ImportedRow(read=read, action=None, unit_id=None, problems=read.problems)
        region = self.regions.get(row.region_code)
        if region is not None and region.name != row.region_name:
            problem = RowProblem(
                row=read.line,
                field="region_name",
                message=f"region {row.region_code} is stored as {region.name!r}, not {row.region_name!r}",
            )
            return ImportedRow(read=read, action=None, unit_id=None, problems=(problem,))
        agency = self.agencies.get((region.id, row.agency.lower())) if region else None
        unit = self.units.get((agency.id, row.unit.lower())) if agency else None
        if unit is None:
            return ImportedRow(read=read, action="create", unit_id=None, problems=())
        stored = (unit.address, unit.lat, unit.lon, unit.geofence_m, unit.opening_hours)
        is_same = stored == (row.address, row.lat, row.lon, row.geofence_m, row.opening_hours)
        return ImportedRow(read=read, action="unchanged" if is_same else "update", unit_id=unit.id, problems=())

    def new_region_codes(self, rows: Sequence[ImportedRow]) -> list[str]:
        return sorted({row.region_code for row in _rows_to_write(rows) if row.region_code not in self.regions})

    def new_agency_names(self, rows: Sequence[ImportedRow]) -> list[str]:
        names: dict[tuple[str, str], str] = {}
        for row in _rows_to_write(rows):
            region = self.regions.get(row.region_code)
            if region is None or (region.id, row.agency.lower()) not in self.agencies:
                names.setdefault((row.region_code, row.agency.lower()), f"{row.agency} ({row.region_code})")
        return sorted(names.values())

    async def write(self, session: AsyncSession, rows: Sequence[ImportedRow]) -> dict[str, list[str]]:
        """Create or update the units of the rows (and the regions and agencies they name); the ids written, by
        action. Every row is prepared first, ids included, and then each table gets one batched statement: a flush
        per row took 37 s for 20,000 units, ORM objects flushed in bulk still 2.3 s, and while the transaction is
        open every other request waits for SQLite's write lock."""
        now = clock.now()
        written: dict[str, list[str]] = {"create": [], "update": []}
        new_regions: list[dict[str, Any]] = []
        new_agencies: list[dict[str, Any]] = []
        new_units: list[dict[str, Any]] = []
        changed_units: list[dict[str, Any]] = []
        async for imported in in_turns(rows):
            row = imported.read.row
            if row is None or imported.action == "unchanged":
                continue
            region_id = self._region_id(row, now, new_regions)
            agency_id = self._agency_id(region_id, row, now, new_agencies)
            values = {
                "address": row.address,
                "lat": row.lat,
                "lon": row.lon,
                "geofence_m": row.geofence_m,
                "opening_hours": row.opening_hours,
            }
            unit = self.units.get((agency_id, row.unit.lower()))
            if unit is None:
                unit_id = new_id()
                new_units.append({"id": unit_id, "agency_id": agency_id, "name": row.unit, "created_at": now, **values})
            else:
                unit_id = unit.id
                changed_units.append({"id": unit_id, **values})
            self.unit_ids[imported.read.line] = unit_id
            written[imported.action or "create"].append(str(unit_id))
        for table, new_rows in ((Region, new_regions), (Agency, new_agencies), (Unit, new_units)):
            for start in range(0, len(new_rows), TURN_ROWS):
                await session.execute(insert(table.__table__), new_rows[start : start + TURN_ROWS])
        for start in range(0, len(changed_units), TURN_ROWS):
            await session.execute(update(Unit), changed_units[start : start + TURN_ROWS])
        return written

    def _region_id(self, row: UnitRow, now: datetime, new_regions: list[dict[str, Any]]) -> uuid.UUID:
        region = self.regions.get(row.region_code)
        if region is not None:
            return region.id
        region_id = self.new_region_ids.get(row.region_code)
        if region_id is None:
            region_id = self.new_region_ids[row.region_code] = new_id()
            kind = region_kind_from_name(row.region_name)
            new_regions.append(
                {"id": region_id, "code": row.region_code, "name": row.region_name, "kind": kind, "created_at": now}
            )
        return region_id

    def _agency_id(
        self, region_id: uuid.UUID, row: UnitRow, now: datetime, new_agencies: list[dict[str, Any]]
    ) -> uuid.UUID:
        key = (region_id, row.agency.lower())
        agency = self.agencies.get(key)
        if agency is not None:
            return agency.id
        agency_id = self.new_agency_ids.get(key)
        if agency_id is None:
            agency_id = self.new_agency_ids[key] = new_id()
            new_agencies.append({"id": agency_id, "region_id": region_id, "name": row.agency, "created_at": now})
        return agency_id


def _rows_to_write(rows: Sequence[ImportedRow]) -> list[UnitRow]:
    return [imported.read.row for imported in rows if imported.action and imported.read.row is not None]
