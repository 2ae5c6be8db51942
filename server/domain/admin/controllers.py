"""The admin API (docs/contract.md, "Other routes"): regions, agencies, units, users, waves, assignments.

Unknown ids in the path are 404; unknown ids in a body are 422 naming the field; duplicates are 409 ``duplicate``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.admin.services import (
    AdminService,
    AgencyView,
    AssignmentBatch,
    DrawOrder,
    NewAssignment,
    UnitImport,
    UnitView,
    UserView,
    WaveView,
)
from server.domain.results.profiles import profile_to_dict
from server.lib.auth import Principal, admin_only
from server.lib.errors import MalformedRequest, PayloadTooLarge, UnsupportedMediaType

# Litestar's own cap on a body read for an upload route; the setting (e.g. max_csv_bytes) is checked below it.
UPLOAD_HARD_LIMIT_BYTES = 64 * 1024 * 1024

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=64)]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
GeofenceM = Annotated[int, msgspec.Meta(ge=1, le=50_000)]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="RFC 3339 with offset")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]
Seed = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
CSV_KINDS = {
    content_type: "csv"
    for content_type in (
        "text/csv",
        "application/csv",
        "text/plain",
        "application/vnd.ms-excel",  # what browsers label a .csv with
    )
}
CSV_SCHEMA = Schema(type="string")  # type: ignore[arg-type]
FILE_FORM_SCHEMA = Schema(
    type="object",  # type: ignore[arg-type]
    properties={"file": Schema(type="string", format="binary")},
)  # type: ignore[arg-type]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


async def read_upload(
    request: Request[Any, Any, Any], *, kinds: dict[str, str], file_kinds: dict[str, str], max_bytes: int
) -> tuple[bytes, str]:
    """An uploaded file, sent either as the raw body with its content type or as the one file of a multipart form;
    returns its bytes and its kind (looked up in ``kinds`` by content type, else in ``file_kinds`` by extension)."""
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise PayloadTooLarge(f"The upload is larger than {max_bytes} bytes.")
    content_type, _ = request.content_type
    if content_type == "multipart/form-data":
        upload = next(
            (value for _, value in (await request.form()).multi_items() if isinstance(value, UploadFile)), None
        )
        if upload is None:
            raise MalformedRequest("The form holds no file; send the file as a form field such as `file`.")
        body = await upload.read()
        kind = kinds.get(upload.content_type) or _kind_by_extension(upload.filename, file_kinds)
    else:
        body = await request.body()
        kind = kinds.get(content_type)
    if kind is None:
        raise UnsupportedMediaType(
            f"Send one of: {', '.join(sorted(set(kinds)))}, or a multipart form with a "
            f"{'/'.join(sorted(file_kinds))} file."
        )
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"The upload is larger than {max_bytes} bytes.")
    return body, kind


def _kind_by_extension(filename: str | None, file_kinds: dict[str, str]) -> str | None:
    name = (filename or "").lower()
    return next((kind for extension, kind in file_kinds.items() if name.endswith(extension)), None)


def _raw_body_operation(description: str, content: dict[str, Schema]) -> type[Operation]:
    """An OpenAPI operation whose request body is documented by hand (the handler reads the raw body itself)."""

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                description=description,
                content={media_type: OpenAPIMediaType(schema=schema) for media_type, schema in content.items()},
            )

    return RawBodyOperation


# --- bodies and answers -------------------------------------------------------------------------------------------


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


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=2, max_length=64)]
    display_name: Name
    role: Literal["admin", "supervisor", "surveyor"]
    password: Password
    region_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class UserChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Deactivate (`is_active: false`, which also ends the user's sessions), reset the password (also ends them),
    rename, or set the regions a supervisor covers."""

    display_name: Name | Unset = UNSET
    is_active: bool | Unset = UNSET
    password: Password | Unset = UNSET
    region_ids: list[uuid.UUID] | Unset = UNSET


class NewConflict(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of `unit_id` and `agency_id`."""

    unit_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ConflictOut(msgspec.Struct):
    id: uuid.UUID
    unit_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    note: str
    created_at: datetime


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    is_active: bool
    regions: list[RegionRef]
    conflicts: list[ConflictOut]
    created_at: datetime


class InstrumentVersionRef(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    version: Annotated[int, msgspec.Meta(ge=1)]


class Period(msgspec.Struct, forbid_unknown_fields=True):
    start: date
    end: date


class NewWave(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    instrument: InstrumentVersionRef
    period: Period
    kind: Literal["external", "internal"] = "external"
    profile_key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "ombudsman-2021"
    profile: dict[str, Any] | None = None
    """An edited copy of the named profile (cut-offs, labels), when the published one needs correcting."""
    integrity_settings: dict[str, Any] | None = None


class WaveChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change. `name`, `period` and `integrity_settings` (merged over the stored ones) while the
    wave is in draft or fieldwork; `instrument`, `profile_key` and `profile` in draft only."""

    name: Name | Unset = UNSET
    period: Period | Unset = UNSET
    integrity_settings: dict[str, Any] | Unset = UNSET
    instrument: InstrumentVersionRef | Unset = UNSET
    profile_key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | Unset = UNSET
    profile: dict[str, Any] | Unset = UNSET
    """An edited copy of the profile named by `profile_key` (or of the wave's own, when no key is sent)."""


class ProfileLabel(msgspec.Struct):
    id: str
    en: str


class CutoffOut(msgspec.Struct):
    min: Annotated[str, msgspec.Meta(description="a decimal string such as '81.00': a value ≥ min gets this cut-off")]
    zone: Literal["green", "yellow", "red"] | None
    grade: str | None
    label: ProfileLabel


class ProfileOut(msgspec.Struct):
    key: str
    kind: Literal["zones", "grades", "ipp"]
    scale_max: Annotated[str, msgspec.Meta(description="'100' for a 0–100 total, '5' for the IPP index")]
    cutoffs: list[CutoffOut]


class WaveInstrument(msgspec.Struct):
    id: uuid.UUID
    key: str
    version: int
    title: str


class WaveOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    status: str
    instrument: WaveInstrument
    profile_key: str
    profile: dict[str, Any]
    period: Period
    integrity_settings: dict[str, Any]
    assignment_count: int
    published_at: datetime | None
    created_at: datetime


class WaveStatusChange(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["draft", "fieldwork", "review", "published"]


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


# --- shaping answers ----------------------------------------------------------------------------------------------


def _region_ref(region: Any) -> RegionRef:
    return RegionRef(region.id, region.code, region.name)


def _region_out(region: Any) -> RegionOut:
    return RegionOut(
        id=region.id,
        code=region.code,
        name=region.name,
        kind=region.kind,
        timezone=region.timezone,
        parent_id=region.parent_id,
        created_at=region.created_at,
    )


def _agency_out(view: AgencyView) -> AgencyOut:
    agency = view.agency
    return AgencyOut(
        id=agency.id, name=agency.name, kind=agency.kind, region=_region_ref(view.region), created_at=agency.created_at
    )


def _unit_out(view: UnitView) -> UnitOut:
    unit = view.unit
    return UnitOut(
        id=unit.id,
        name=unit.name,
        address=unit.address,
        lat=unit.lat,
        lon=unit.lon,
        geofence_m=unit.geofence_m,
        opening_hours=unit.opening_hours,
        agency=AgencyRef(view.agency.id, view.agency.name),
        region=_region_ref(view.region),
        created_at=unit.created_at,
    )


def _import_out(result: UnitImport) -> UnitImportOut:
    rows = [
        ImportRowOut(
            row=r.read.line,
            values=r.read.values,
            action=r.action,
            unit_id=r.unit_id,
            problems=[RowProblemOut(p.field, p.message) for p in r.problems],
        )
        for r in result.rows
    ]
    problems = result.problems
    return UnitImportOut(
        dry_run=result.dry_run,
        ok=not problems,
        rows=rows,
        errors=[ImportErrorOut(p.row, p.field, p.message) for p in problems],
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


def _user_out(view: UserView) -> UserOut:
    user = view.user
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        is_active=user.is_active,
        regions=[_region_ref(region) for region in view.regions],
        conflicts=[ConflictOut(c.id, c.unit_id, c.agency_id, c.note, c.created_at) for c in view.conflicts],
        created_at=user.created_at,
    )


def _wave_out(view: WaveView) -> WaveOut:
    wave, instrument = view.wave, view.instrument
    return WaveOut(
        id=wave.id,
        name=wave.name,
        kind=wave.kind,
        status=wave.status,
        instrument=WaveInstrument(instrument.id, instrument.key, instrument.version, instrument.title),
        profile_key=wave.profile_key,
        profile=wave.profile,
        period=Period(wave.period_start, wave.period_end),
        integrity_settings=wave.integrity_settings,
        assignment_count=view.assignment_count,
        published_at=wave.published_at,
        created_at=wave.created_at,
    )


def _profile_out(profile: Any) -> ProfileOut:
    return msgspec.convert({**profile_to_dict(profile), "scale_max": str(profile.scale_max)}, type=ProfileOut)


def _assigned_unit(view: UnitView) -> AssignedUnitOut:
    return AssignedUnitOut(
        id=view.unit.id,
        name=view.unit.name,
        agency=view.agency.name,
        region=view.region.name,
        lat=view.unit.lat,
        lon=view.unit.lon,
    )


def _surveyor_ref(user: Any) -> SurveyorRef:
    return SurveyorRef(user.id, user.username, user.display_name)


def _assignments_out(batch: AssignmentBatch) -> AssignmentsOut:
    return AssignmentsOut(
        wave_id=batch.wave.id,
        dry_run=batch.dry_run,
        seed=batch.seed,
        assignments=[
            AssignmentOut(
                id=a.id,
                unit=_assigned_unit(a.unit),
                surveyor=_surveyor_ref(a.surveyor),
                window=WindowOut(a.window_start, a.window_end),
            )
            for a in batch.assignments
        ],
        loads=[LoadOut(_surveyor_ref(user), count) for user, count in batch.loads],
        unassigned=[_assigned_unit(view) for view in batch.unassigned],
        warnings=[WarningOut(w.code, w.message, w.unit_id) for w in batch.warnings],
    )


def _given(struct: msgspec.Struct) -> dict[str, Any]:
    return {name: value for name in struct.__struct_fields__ if (value := getattr(struct, name)) is not msgspec.UNSET}


# --- controllers --------------------------------------------------------------------------------------------------


class RegionController(Controller):
    path = "/api/admin/regions"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        summary="Create a region (province, regency or city)",
        description="`kind` defaults from the name: 'Kota …' is a city, 'Provinsi …' a province, else a regency.",
    )
    async def create(self, data: NewRegion, db_session: AsyncSession, principal: Principal) -> RegionOut:
        region = await AdminService(db_session, principal).create_region(
            code=data.code, name=data.name, kind=data.kind, timezone=data.timezone, parent_id=data.parent_id
        )
        return _region_out(region)

    @get("/", summary="Every region")
    async def list_regions(self, db_session: AsyncSession, principal: Principal) -> list[RegionOut]:
        return [_region_out(region) for region in await AdminService(db_session, principal).regions()]

    @get("/{region_id:uuid}", summary="One region")
    async def detail(self, region_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal) -> RegionOut:
        return _region_out(await AdminService(db_session, principal).region(region_id))


class AgencyController(Controller):
    path = "/api/admin/agencies"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create an agency (perangkat daerah) in a region")
    async def create(self, data: NewAgency, db_session: AsyncSession, principal: Principal) -> AgencyOut:
        view = await AdminService(db_session, principal).create_agency(
            region_id=data.region_id, name=data.name, kind=data.kind
        )
        return _agency_out(view)

    @get("/", summary="Every agency, optionally of one region")
    async def list_agencies(
        self, db_session: AsyncSession, principal: Principal, region_id: FromQuery[uuid.UUID | None] = None
    ) -> list[AgencyOut]:
        return [_agency_out(view) for view in await AdminService(db_session, principal).agencies(region_id=region_id)]

    @get("/{agency_id:uuid}", summary="One agency")
    async def detail(self, agency_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal) -> AgencyOut:
        return _agency_out(await AdminService(db_session, principal).agency(agency_id))


class UnitController(Controller):
    path = "/api/admin/units"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create a unit (unit layanan) of an agency")
    async def create(self, data: NewUnit, db_session: AsyncSession, principal: Principal) -> UnitOut:
        view = await AdminService(db_session, principal).create_unit(
            agency_id=data.agency_id,
            name=data.name,
            address=data.address,
            lat=data.lat,
            lon=data.lon,
            geofence_m=data.geofence_m,
            opening_hours=data.opening_hours,
        )
        return _unit_out(view)

    @post(
        "/import",
        status_code=200,
        request_max_body_size=UPLOAD_HARD_LIMIT_BYTES,
        summary="Import units from CSV (all or nothing)",
        operation_class=_raw_body_operation(
            "CSV with the columns region_code, region_name, agency, unit, address, lat, lon, geofence_m, "
            "opening_hours (UTF-8, ',' or ';'), as the raw body (text/csv) or the one file of a multipart form.",
            {"text/csv": CSV_SCHEMA, "multipart/form-data": FILE_FORM_SCHEMA},
        ),
        description="Regions and agencies named in the file are created when missing; a unit already stored (same "
        "region code, agency and unit name, ignoring case) is updated. With `dry_run=true` nothing is "
        "written and the answer previews every row with its action and problems. Without it, any bad "
        "row refuses the whole file: 422 with `errors: [{row, field, message}]` for every problem.",
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        principal: Principal,
        dry_run: FromQuery[bool] = False,
    ) -> UnitImportOut:
        body, _ = await read_upload(
            request,
            kinds=CSV_KINDS,
            file_kinds={".csv": "csv", ".txt": "csv"},
            max_bytes=request.app.state.settings.max_csv_bytes,
        )
        return _import_out(await AdminService(db_session, principal).import_units(body, dry_run=dry_run))

    @get("/", summary="Every unit, optionally of one region or agency")
    async def list_units(
        self,
        db_session: AsyncSession,
        principal: Principal,
        region_id: FromQuery[uuid.UUID | None] = None,
        agency_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[UnitOut]:
        views = await AdminService(db_session, principal).units(region_id=region_id, agency_id=agency_id)
        return [_unit_out(view) for view in views]

    @get("/{unit_id:uuid}", summary="One unit")
    async def detail(self, unit_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal) -> UnitOut:
        return _unit_out(await AdminService(db_session, principal).unit(unit_id))

    @patch("/{unit_id:uuid}", summary="Edit a unit: only the fields sent change")
    async def edit(
        self, unit_id: FromPath[uuid.UUID], data: UnitChanges, db_session: AsyncSession, principal: Principal
    ) -> UnitOut:
        return _unit_out(await AdminService(db_session, principal).update_unit(unit_id, _given(data)))


class UserController(Controller):
    path = "/api/admin/users"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create a user (admin, supervisor with regions, or surveyor)")
    async def create(self, data: NewUser, db_session: AsyncSession, principal: Principal) -> UserOut:
        view = await AdminService(db_session, principal).create_user(
            username=data.username,
            display_name=data.display_name,
            role=data.role,
            password=data.password,
            region_ids=data.region_ids,
        )
        return _user_out(view)

    @get("/", summary="Every user, optionally of one role")
    async def list_users(
        self,
        db_session: AsyncSession,
        principal: Principal,
        role: FromQuery[Literal["admin", "supervisor", "surveyor"] | None] = None,
    ) -> list[UserOut]:
        return [_user_out(view) for view in await AdminService(db_session, principal).users(role=role)]

    @get("/{user_id:uuid}", summary="One user with their regions and declared conflicts")
    async def detail(self, user_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal) -> UserOut:
        return _user_out(await AdminService(db_session, principal).user(user_id))

    @patch("/{user_id:uuid}", summary="Deactivate, reset the password, rename, or set a supervisor's regions")
    async def edit(
        self, user_id: FromPath[uuid.UUID], data: UserChanges, db_session: AsyncSession, principal: Principal
    ) -> UserOut:
        view = await AdminService(db_session, principal).update_user(user_id, **_given(data))
        return _user_out(view)

    @post(
        "/{user_id:uuid}/conflicts",
        summary="Declare a surveyor's conflict of interest with a unit or agency",
        description="The draw never sends the surveyor there, and explicit assignments there are refused.",
    )
    async def declare_conflict(
        self, user_id: FromPath[uuid.UUID], data: NewConflict, db_session: AsyncSession, principal: Principal
    ) -> UserOut:
        view = await AdminService(db_session, principal).add_conflict(
            user_id, unit_id=data.unit_id, agency_id=data.agency_id, note=data.note
        )
        return _user_out(view)


class WaveController(Controller):
    path = "/api/admin/waves"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        summary="Create a wave (in draft) on an instrument version and a scoring profile",
        description="`profile` may carry an edited copy of the profile named by `profile_key`; "
        "`integrity_settings` overrides the defaults it names (unknown names are refused).",
    )
    async def create(self, data: NewWave, db_session: AsyncSession, principal: Principal) -> WaveOut:
        view = await AdminService(db_session, principal).create_wave(
            name=data.name,
            kind=data.kind,
            instrument_key=data.instrument.key,
            instrument_version=data.instrument.version,
            profile_key=data.profile_key,
            profile=data.profile,
            period_start=data.period.start,
            period_end=data.period.end,
            integrity_settings=data.integrity_settings,
        )
        return _wave_out(view)

    @get("/", summary="Every wave, latest period first")
    async def list_waves(self, db_session: AsyncSession, principal: Principal) -> list[WaveOut]:
        return [_wave_out(view) for view in await AdminService(db_session, principal).waves()]

    @get("/{wave_id:uuid}", summary="One wave")
    async def detail(self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal) -> WaveOut:
        return _wave_out(await AdminService(db_session, principal).wave(wave_id))

    @patch(
        "/{wave_id:uuid}",
        summary="Edit a wave: only the fields sent change",
        description="Name, period and integrity settings while the wave is in draft or fieldwork; instrument "
        "version and scoring profile in draft only. Otherwise 409 `wave.state`. Sending `profile_key` "
        "alone stores that profile's published cut-offs; `profile` carries an edited copy.",
    )
    async def edit(
        self, wave_id: FromPath[uuid.UUID], data: WaveChanges, db_session: AsyncSession, principal: Principal
    ) -> WaveOut:
        given = _given(data)
        period, instrument = given.pop("period", None), given.pop("instrument", None)
        view = await AdminService(db_session, principal).update_wave(
            wave_id,
            **given,
            period=None if period is None else (period.start, period.end),
            instrument=None if instrument is None else (instrument.key, instrument.version),
        )
        return _wave_out(view)

    @post(
        "/{wave_id:uuid}/status",
        status_code=200,
        summary="Move a wave forward: draft → fieldwork → review",
        description="Forward one step only; anything else is 409 `wave.state`. Publishing has its own route.",
    )
    async def move(
        self, wave_id: FromPath[uuid.UUID], data: WaveStatusChange, db_session: AsyncSession, principal: Principal
    ) -> WaveOut:
        return _wave_out(await AdminService(db_session, principal).move_wave(wave_id, data.status))

    @post(
        "/{wave_id:uuid}/assignments",
        summary="Assign units to surveyors: an explicit list or a seeded draw",
        description="201 with the stored assignments and each surveyor's load; a draw with `dry_run` answers 200 "
        "and stores nothing. Units nobody may take are listed in `unassigned`; units without "
        "coordinates and windows outside the period are warnings.",
    )
    async def assign(
        self, wave_id: FromPath[uuid.UUID], data: AssignmentsRequest, db_session: AsyncSession, principal: Principal
    ) -> Response[AssignmentsOut]:
        draw = data.draw
        batch = await AdminService(db_session, principal).add_assignments(
            wave_id,
            explicit=None
            if data.assignments is None
            else [NewAssignment(a.unit_id, a.surveyor_id, a.window_start, a.window_end) for a in data.assignments],
            draw=None
            if draw is None
            else DrawOrder(
                seed=draw.seed,
                surveyor_ids=draw.surveyor_ids,
                window_start=draw.window_start,
                window_end=draw.window_end,
                unit_ids=draw.unit_ids,
                dry_run=draw.dry_run,
            ),
        )
        return Response(_assignments_out(batch), status_code=200 if batch.dry_run else 201)

    @get("/{wave_id:uuid}/assignments", summary="A wave's assignments and each surveyor's load")
    async def list_assignments(
        self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> AssignmentsOut:
        return _assignments_out(await AdminService(db_session, principal).wave_assignments(wave_id))

    @delete(
        "/{wave_id:uuid}/assignments/{assignment_id:uuid}",
        summary="Take back an assignment nobody visited yet",
        description="204 while the wave is in draft or fieldwork (409 `wave.state` otherwise) and no visit was "
        "sent for it (409 `assignment.visited` otherwise). It leaves the surveyor's "
        "`GET /api/me/assignments` at once.",
    )
    async def delete_assignment(
        self,
        wave_id: FromPath[uuid.UUID],
        assignment_id: FromPath[uuid.UUID],
        db_session: AsyncSession,
        principal: Principal,
    ) -> None:
        await AdminService(db_session, principal).delete_assignment(wave_id, assignment_id)


class ProfileController(Controller):
    path = "/api/admin/profiles"
    tags = ["admin"]
    guards = [admin_only]

    @get(
        "/",
        summary="The scoring profiles a wave may use, with their cut-offs",
        description="A wave stores its profile by `key`, or an edited copy of one (`profile` on create or edit).",
    )
    async def list_profiles(self, db_session: AsyncSession, principal: Principal) -> list[ProfileOut]:
        return [_profile_out(profile) for profile in AdminService(db_session, principal).scoring_profiles()]


ADMIN_CONTROLLERS = [
    RegionController,
    AgencyController,
    UnitController,
    UserController,
    WaveController,
    ProfileController,
]
