"""Request bodies and answers of the places routes (regions, agencies, units, the units CSV import), and how a
stored place becomes an answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from server.db.models import Region
from server.domain.admin.places.import_service import UnitImport, in_turns
from server.domain.admin.places.queries import AgencyView, UnitView
from server.domain.admin.schemas import UNSET, Name, Unset

ShortText = Annotated[str, msgspec.Meta(max_length=64)]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
GeofenceM = Annotated[int, msgspec.Meta(ge=1, le=50_000)]


class RegionRef(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str


class AgencyRef(msgspec.Struct):
    id: uuid.UUID
    name: str


class NewRegion(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=32, description="e.g. the BPS code 32.09")]
    name: Name
    kind: Literal["province", "regency", "city"] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] = "Asia/Jakarta"
    parent_id: uuid.UUID | None = None


class RegionOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    timezone: str
    parent_id: uuid.UUID | None
    created_at: datetime


class NewAgency(msgspec.Struct, forbid_unknown_fields=True):
    region_id: uuid.UUID
    name: Name
    kind: ShortText | None = None


class AgencyOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str | None
    region: RegionRef
    created_at: datetime


class NewUnit(msgspec.Struct, forbid_unknown_fields=True):
    agency_id: uuid.UUID
    name: Name
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""
    lat: Latitude | None = None
    lon: Longitude | None = None
    geofence_m: GeofenceM = 100
    opening_hours: Annotated[
        str, msgspec.Meta(max_length=200, description="e.g. 'Mo-Th 08:00-15:30; Fr 08:00-11:00'")
    ] = ""


class UnitChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change; `lat` and `lon` set to null together remove the coordinates."""

    agency_id: uuid.UUID | Unset = UNSET
    name: Name | Unset = UNSET
    address: Annotated[str, msgspec.Meta(max_length=500)] | Unset = UNSET
    lat: Latitude | None | Unset = UNSET
    lon: Longitude | None | Unset = UNSET
    geofence_m: GeofenceM | Unset = UNSET
    opening_hours: Annotated[str, msgspec.Meta(max_length=200)] | Unset = UNSET


class UnitOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    address: str
    lat: float | None
    lon: float | None
    geofence_m: int
    opening_hours: str
    agency: AgencyRef
    region: RegionRef
    created_at: datetime


class RowProblemOut(msgspec.Struct):
    field: str
    message: str


class ImportRowOut(msgspec.Struct):
    row: int
    values: dict[str, str]
    action: Literal["create", "update", "unchanged"] | None
    unit_id: uuid.UUID | None
    problems: list[RowProblemOut]


class ImportErrorOut(msgspec.Struct):
    row: int
    field: str
    message: str


class ImportSummary(msgspec.Struct):
    rows: int
    create: int
    update: int
    unchanged: int
    rows_with_problems: int
    regions_created: list[str]
    agencies_created: list[str]


class UnitImportOut(msgspec.Struct):
    dry_run: bool
    ok: bool
    summary: ImportSummary
    rows: list[ImportRowOut]
    errors: list[ImportErrorOut]


def region_ref(region: Region) -> RegionRef:
    return RegionRef(id=region.id, code=region.code, name=region.name)


def region_out(region: Region) -> RegionOut:
    return RegionOut(
        id=region.id,
        code=region.code,
        name=region.name,
        kind=region.kind,
        timezone=region.timezone,
        parent_id=region.parent_id,
        created_at=region.created_at,
    )


def agency_out(view: AgencyView) -> AgencyOut:
    agency = view.agency
    return AgencyOut(
        id=agency.id, name=agency.name, kind=agency.kind, region=region_ref(view.region), created_at=agency.created_at
    )


def unit_out(view: UnitView) -> UnitOut:
    unit = view.unit
    return UnitOut(
        id=unit.id,
        name=unit.name,
        address=unit.address,
        lat=unit.lat,
        lon=unit.lon,
        geofence_m=unit.geofence_m,
        opening_hours=unit.opening_hours,
        agency=AgencyRef(id=view.agency.id, name=view.agency.name),
        region=region_ref(view.region),
        created_at=unit.created_at,
    )


async def import_out(result: UnitImport) -> UnitImportOut:
    """In turns: shaping 10,000 rows at a stretch held the event loop (every other request of the process) for a
    quarter of a second on a busy machine."""
    rows = [
        ImportRowOut(
            row=r.read.line,
            values=r.read.values,
            action=r.action,
            unit_id=r.unit_id,
            problems=[RowProblemOut(field=p.field, message=p.message) for p in r.problems],
        )
        async for r in in_turns(result.rows)
    ]
    problems = result.problems
    return UnitImportOut(
        dry_run=result.dry_run,
        ok=not problems,
        rows=rows,
        errors=[ImportErrorOut(row=p.row, field=p.field, message=p.message) for p in problems],
        summary=ImportSummary(
            rows=len(rows),
            create=result.count("create"),
            update=result.count("update"),
            unchanged=result.count("unchanged"),
            rows_with_problems=sum(1 for r in result.rows if r.problems),
            regions_created=result.regions_created,
            agencies_created=result.agencies_created,
        ),
    )
