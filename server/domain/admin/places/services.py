"""The admin's places: regions, agencies and units, one by one or from a units CSV.

Every method checks what it can before writing (unknown references → 422 naming the field, duplicates → 409), writes
inside the request's transaction and records its audit event in that same transaction.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio.to_thread

from server.db.models import REGION_KINDS, Agency, Region, Unit
from server.domain.admin.opening_hours import parse_opening_hours
from server.domain.admin.places import queries
from server.domain.admin.places.import_service import (
    ImportedRow,
    ImportPlan,
    UnitImport,
    in_turns,
    region_kind_from_name,
)
from server.domain.admin.places.queries import AgencyView, UnitView
from server.domain.admin.places.unit_csv import (
    DEFAULT_MAX_ROWS,
    MAX_GEOFENCE_M,
    UnitsCsv,
    invalid_units_csv,
    read_units_csv,
)
from server.domain.admin.services import AdminUseCases, clean_name, plain
from server.lib import clock
from server.lib.errors import DuplicateKey, InvalidInput, NotFound

REGION_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


RunInWorker = Callable[[Callable[[], UnitsCsv]], Awaitable[UnitsCsv]]


class PlaceService(AdminUseCases):
    # --- regions --------------------------------------------------------------------------------------------------

    async def create_region(
        self,
        *,
        code: str,
        name: str,
        kind: str | None = None,
        timezone: str = "Asia/Jakarta",
        parent_id: uuid.UUID | None = None,
    ) -> Region:
        code = code.strip()
        if not REGION_CODE_PATTERN.match(code):
            raise InvalidInput(
                "A region code holds letters, digits, '.', '-' or '_' (e.g. the BPS code 32.09).", field="code"
            )
        name = clean_name(name, "name")
        kind = kind or region_kind_from_name(name)
        if kind not in REGION_KINDS:
            raise InvalidInput(f"A region kind is one of {', '.join(REGION_KINDS)}.", field="kind")
        _check_timezone(timezone)
        if parent_id is not None and await self.session.get(Region, parent_id) is None:
            raise InvalidInput(f"There is no region {parent_id}.", field="parent_id")
        if await queries.region_id_by_code(self.session, code):
            raise DuplicateKey(f"A region with code {code} already exists.", field="code")
        region = Region(code=code, name=name, kind=kind, timezone=timezone, parent_id=parent_id, created_at=clock.now())
        self.session.add(region)
        await self.flush_refusing_duplicates(f"A region with code {code}", "code")
        await self.record("region.created", "region", region.id, {"code": code, "name": name, "kind": kind})
        return region

    async def regions(self) -> list[Region]:
        return await queries.regions(self.session)

    async def region(self, region_id: uuid.UUID) -> Region:
        region = await self.session.get(Region, region_id)
        if region is None:
            raise NotFound(f"There is no region {region_id}.")
        return region

    # --- agencies -------------------------------------------------------------------------------------------------

    async def create_agency(self, *, region_id: uuid.UUID, name: str, kind: str | None = None) -> AgencyView:
        region = await self.session.get(Region, region_id)
        if region is None:
            raise InvalidInput(f"There is no region {region_id}.", field="region_id")
        name = clean_name(name, "name")
        if await queries.agency_named(self.session, region.id, name) is not None:
            raise DuplicateKey(f"{region.name} already has an agency called {name!r}.", field="name")
        agency = Agency(region_id=region.id, name=name, kind=(kind or "").strip() or None, created_at=clock.now())
        self.session.add(agency)
        await self.flush_refusing_duplicates(f"An agency called {name!r}", "name")
        await self.record("agency.created", "agency", agency.id, {"region_id": region.id, "name": name})
        return AgencyView(agency=agency, region=region)

    async def agencies(self, *, region_id: uuid.UUID | None = None) -> list[AgencyView]:
        return await queries.agency_views(self.session, region_id=region_id)

    async def agency(self, agency_id: uuid.UUID) -> AgencyView:
        view = await queries.agency_view(self.session, agency_id)
        if view is None:
            raise NotFound(f"There is no agency {agency_id}.")
        return view

    # --- units ----------------------------------------------------------------------------------------------------

    async def create_unit(
        self,
        *,
        agency_id: uuid.UUID,
        name: str,
        address: str = "",
        lat: float | None = None,
        lon: float | None = None,
        geofence_m: int = 100,
        opening_hours: str = "",
    ) -> UnitView:
        agency = await self.session.get(Agency, agency_id)
        if agency is None:
            raise InvalidInput(f"There is no agency {agency_id}.", field="agency_id")
        name = clean_name(name, "name")
        _check_coordinates(lat, lon)
        _check_geofence(geofence_m)
        hours = _canonical_opening_hours(opening_hours)
        if await queries.unit_named(self.session, agency.id, name) is not None:
            raise DuplicateKey(f"{agency.name} already has a unit called {name!r}.", field="name")
        unit = Unit(
            agency_id=agency.id,
            name=name,
            address=" ".join(address.split()),
            lat=lat,
            lon=lon,
            geofence_m=geofence_m,
            opening_hours=hours,
            created_at=clock.now(),
        )
        self.session.add(unit)
        await self.flush_refusing_duplicates(f"A unit called {name!r}", "name")
        await self.record("unit.created", "unit", unit.id, {"agency_id": agency.id, "name": name})
        return await self.unit(unit.id)

    async def update_unit(self, unit_id: uuid.UUID, changes: dict[str, Any]) -> UnitView:
        """Apply the fields given (``None`` clears lat/lon); the result must still be a valid unit."""
        unit = await self.session.get(Unit, unit_id, with_for_update=True)
        if unit is None:
            raise NotFound(f"There is no unit {unit_id}.")
        if "agency_id" in changes and await self.session.get(Agency, changes["agency_id"]) is None:
            raise InvalidInput(f"There is no agency {changes['agency_id']}.", field="agency_id")
        changes = _checked_unit_changes(unit, changes)
        agency_id, name = changes.get("agency_id", unit.agency_id), changes.get("name", unit.name)
        if (agency_id, name) != (unit.agency_id, unit.name):
            other = await queries.unit_named(self.session, agency_id, name)
            if other is not None and other.id != unit.id:
                raise DuplicateKey(f"That agency already has a unit called {name!r}.", field="name")
        changed = {
            key: [plain(getattr(unit, key)), plain(value)]
            for key, value in changes.items()
            if getattr(unit, key) != value
        }
        for key, value in changes.items():
            setattr(unit, key, value)
        await self.flush_refusing_duplicates(f"A unit called {name!r}", "name")
        if changed:
            await self.record("unit.updated", "unit", unit.id, {"changes": changed})
        return await self.unit(unit.id)

    async def units(self, *, region_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None) -> list[UnitView]:
        return await queries.unit_views(self.session, region_id=region_id, agency_id=agency_id)

    async def unit(self, unit_id: uuid.UUID) -> UnitView:
        view = await queries.unit_view(self.session, unit_id)
        if view is None:
            raise NotFound(f"There is no unit {unit_id}.")
        return view

    # --- units from CSV -------------------------------------------------------------------------------------------

    async def import_units(
        self,
        data: bytes,
        *,
        dry_run: bool,
        max_rows: int = DEFAULT_MAX_ROWS,
        in_worker: RunInWorker | None = None,
    ) -> UnitImport:
        """All or nothing: every row is checked (file and database) before anything is written. A unit already stored
        (same region code, agency and unit name, ignoring case) is updated, so a corrected sheet can be imported
        again. ``dry_run`` only reports; without it, any problem refuses the whole file with a 422."""
        # Read before the transaction begins, so no database connection is held meanwhile, and in a worker process
        # when the app has one (the photo decoders): in a thread of the app process the reading held the GIL the
        # event loop needs, and slowed every other request as long as it ran.
        reading = functools.partial(read_units_csv, data, max_rows=max_rows)
        read = await (in_worker(reading) if in_worker else anyio.to_thread.run_sync(reading))
        if read.file_problems:
            if dry_run:
                return UnitImport(
                    dry_run=True,
                    rows=[],
                    regions_created=[],
                    agencies_created=[],
                    file_problems=list(read.file_problems),
                )
            raise invalid_units_csv(list(read.file_problems))
        plan = await ImportPlan.load(self.session, read.rows)
        # Ends the read (nothing is written yet): on SQLite every transaction holds the one write lock, which every
        # other request then waits for, so the transaction that writes starts only once every row is decided. A
        # region, agency or unit another admin creates meanwhile makes the write a 409 (unique keys), not a double.
        await self.session.commit()
        rows = [plan.row(read_row) async for read_row in in_turns(read.rows)]
        preview = UnitImport(
            dry_run=dry_run,
            rows=rows,
            regions_created=plan.new_region_codes(rows),
            agencies_created=plan.new_agency_names(rows),
        )
        if dry_run:
            return preview
        if preview.problems:
            raise invalid_units_csv(preview.problems)
        written = await plan.write(self.session, rows)
        await self.record(
            "units.imported",
            "unit",
            None,
            {
                "rows": len(rows),
                "created": written["create"],
                "updated": written["update"],
                "unchanged": preview.count("unchanged"),
                "regions_created": preview.regions_created,
                "agencies_created": preview.agencies_created,
            },
        )
        return UnitImport(
            dry_run=False,
            rows=[
                ImportedRow(
                    read=r.read, action=r.action, unit_id=r.unit_id or plan.unit_ids.get(r.read.line), problems=()
                )
                for r in rows
            ],
            regions_created=preview.regions_created,
            agencies_created=preview.agencies_created,
        )


def _checked_unit_changes(unit: Unit, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes in their stored form (names cleaned, opening hours canonical); refuses an invalid result."""
    checked = dict(changes)
    if "name" in checked:
        checked["name"] = clean_name(checked["name"], "name")
    if "address" in checked:
        checked["address"] = " ".join(checked["address"].split())
    if "opening_hours" in checked:
        checked["opening_hours"] = _canonical_opening_hours(checked["opening_hours"])
    if "geofence_m" in checked:
        _check_geofence(checked["geofence_m"])
    _check_coordinates(checked.get("lat", unit.lat), checked.get("lon", unit.lon))
    return checked


def _canonical_opening_hours(text: str, field_name: str = "opening_hours") -> str:
    try:
        hours = parse_opening_hours(text)
    except InvalidInput as error:
        raise InvalidInput(error.detail, field=field_name) from error
    return hours.format() if hours is not None else ""


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name!r} is not a time zone; use an IANA name such as Asia/Jakarta.", field="timezone"
        ) from None


def _check_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput("Give both lat and lon, or neither.", field="lon" if lon is None else "lat")


def _check_geofence(geofence_m: int) -> None:
    if not 0 < geofence_m <= MAX_GEOFENCE_M:
        raise InvalidInput(f"A geofence is 1 to {MAX_GEOFENCE_M} metres.", field="geofence_m")
