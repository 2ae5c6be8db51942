"""The places routes: regions, agencies and units of the admin API (docs/contract.md, "Other routes").

Unknown ids in the path are 404; unknown ids in a body are 422 naming the field; duplicates are 409 ``duplicate``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, JSONBody

from server.domain.admin.places.schemas import (
    AgencyOut,
    NewAgency,
    NewRegion,
    NewUnit,
    RegionOut,
    UnitChanges,
    UnitImportOut,
    UnitOut,
    agency_out,
    import_out,
    region_out,
    unit_out,
)
from server.domain.admin.places.services import PlaceService
from server.domain.admin.schemas import given_fields
from server.lib.auth import admin_only
from server.lib.http import Caller, DbSession
from server.lib.uploads import FILE_FORM_SCHEMA, UPLOAD_HARD_LIMIT_BYTES, raw_body_operation, read_upload

CSV_KINDS = {
    content_type: "csv"
    for content_type in (
        "text/csv",
        "application/csv",
        "text/plain",
        "application/vnd.ms-excel",  # what browsers label a .csv with
    )
}
CSV_FILE_KINDS = {".csv": "csv", ".txt": "csv"}


class RegionController(Controller):
    path = "/api/admin/regions"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        summary="Create a region (province, regency or city)",
        description="`kind` defaults from the name: 'Kota …' is a city, 'Provinsi …' a province, else a regency.",
    )
    async def create(self, data: JSONBody[NewRegion], db_session: DbSession, principal: Caller) -> RegionOut:
        region = await PlaceService(db_session, principal).create_region(
            code=data.code, name=data.name, kind=data.kind, timezone=data.timezone, parent_id=data.parent_id
        )
        return region_out(region)

    @get("/", summary="Every region")
    async def list_regions(self, db_session: DbSession, principal: Caller) -> list[RegionOut]:
        return [region_out(region) for region in await PlaceService(db_session, principal).regions()]

    @get("/{region_id:uuid}", summary="One region")
    async def detail(self, region_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller) -> RegionOut:
        return region_out(await PlaceService(db_session, principal).region(region_id))


class AgencyController(Controller):
    path = "/api/admin/agencies"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create an agency (perangkat daerah) in a region")
    async def create(self, data: JSONBody[NewAgency], db_session: DbSession, principal: Caller) -> AgencyOut:
        view = await PlaceService(db_session, principal).create_agency(
            region_id=data.region_id, name=data.name, kind=data.kind
        )
        return agency_out(view)

    @get("/", summary="Every agency, optionally of one region")
    async def list_agencies(
        self, db_session: DbSession, principal: Caller, region_id: FromQuery[uuid.UUID | None] = None
    ) -> list[AgencyOut]:
        return [agency_out(view) for view in await PlaceService(db_session, principal).agencies(region_id=region_id)]

    @get("/{agency_id:uuid}", summary="One agency")
    async def detail(self, agency_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller) -> AgencyOut:
        return agency_out(await PlaceService(db_session, principal).agency(agency_id))


class UnitController(Controller):
    path = "/api/admin/units"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create a unit (unit layanan) of an agency")
    async def create(self, data: JSONBody[NewUnit], db_session: DbSession, principal: Caller) -> UnitOut:
        view = await PlaceService(db_session, principal).create_unit(
            agency_id=data.agency_id,
            name=data.name,
            address=data.address,
            lat=data.lat,
            lon=data.lon,
            geofence_m=data.geofence_m,
            opening_hours=data.opening_hours,
        )
        return unit_out(view)

    @post(
        "/import",
        status_code=200,
        request_max_body_size=UPLOAD_HARD_LIMIT_BYTES,
        summary="Import units from CSV (all or nothing)",
        operation_class=raw_body_operation(
            "CSV with the columns region_code, region_name, agency, unit, address, lat, lon, geofence_m, "
            "opening_hours (UTF-8, ',' or ';'), as the raw body (text/csv) or the one file of a multipart form.",
            {"text/csv": Schema(type=OpenAPIType.STRING), "multipart/form-data": FILE_FORM_SCHEMA},
        ),
        description="Regions and agencies named in the file are created when missing; a unit already stored (same "
        "region code, agency and unit name, ignoring case) is updated. With `dry_run=true` nothing is "
        "written and the answer previews every row with its action and problems. Without it, any bad "
        "row refuses the whole file: 422 with `errors: [{row, field, message}]` for every problem.",
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        principal: Caller,
        dry_run: FromQuery[bool] = False,
    ) -> UnitImportOut:
        settings = request.app.state.settings
        body, _ = await read_upload(
            request, kinds=CSV_KINDS, file_kinds=CSV_FILE_KINDS, max_bytes=settings.max_csv_bytes
        )
        service = PlaceService(db_session, principal)
        imported = await service.import_units(
            body, dry_run=dry_run, max_rows=settings.max_csv_rows, in_worker=request.app.state.photo_decoders.run
        )
        return import_out(imported)

    @get("/", summary="Every unit, optionally of one region or agency")
    async def list_units(
        self,
        db_session: DbSession,
        principal: Caller,
        region_id: FromQuery[uuid.UUID | None] = None,
        agency_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[UnitOut]:
        views = await PlaceService(db_session, principal).units(region_id=region_id, agency_id=agency_id)
        return [unit_out(view) for view in views]

    @get("/{unit_id:uuid}", summary="One unit")
    async def detail(self, unit_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller) -> UnitOut:
        return unit_out(await PlaceService(db_session, principal).unit(unit_id))

    @patch("/{unit_id:uuid}", summary="Edit a unit: only the fields sent change")
    async def edit(
        self, unit_id: FromPath[uuid.UUID], data: JSONBody[UnitChanges], db_session: DbSession, principal: Caller
    ) -> UnitOut:
        return unit_out(await PlaceService(db_session, principal).update_unit(unit_id, given_fields(data)))
