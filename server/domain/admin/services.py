"""The admin's use cases: regions, agencies, units (one by one or from CSV), users, waves and assignments.

Every method checks what it can before writing (unknown references → 422 naming the field, duplicates → 409), writes
inside the request's transaction and records its audit event in that same transaction. Callers are admins: the
controllers' guards say so; ``create_user_from_cli`` is the one way in without a principal.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio.to_thread
from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import (
    REGION_KINDS,
    ROLES,
    WAVE_KINDS,
    Agency,
    Assignment,
    Instrument,
    RefreshToken,
    Region,
    SupervisorRegion,
    SurveyorConflict,
    Unit,
    User,
    Visit,
    Wave,
)
from server.domain.admin.draw import DrawSurveyor, DrawUnit, Seed, draw_assignments
from server.domain.admin.opening_hours import parse_opening_hours
from server.domain.admin.unit_csv import MAX_GEOFENCE_M, ReadRow, RowProblem, invalid_units_csv, read_units_csv
from server.domain.audit.services import AuditLog
from server.domain.instruments.services import find_instrument
from server.domain.results.profiles import PROFILES, Profile, profile_for_key, profile_from_dict, profile_to_dict
from server.domain.visits.integrity import IntegritySettings
from server.lib import clock
from server.lib.auth import Principal, hash_password
from server.lib.errors import AssignmentVisited, DuplicateKey, InvalidInput, NotFound, WaveStateConflict

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
REGION_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MIN_PASSWORD_LENGTH = 8
NEXT_WAVE_STATUS = {"draft": "fieldwork", "fieldwork": "review"}
ASSIGNABLE_WAVE_STATUSES = ("draft", "fieldwork")
EDITABLE_WAVE_STATUSES = ("draft", "fieldwork")


def _clean_name(value: str, field_name: str) -> str:
    """Trimmed, inner whitespace collapsed; an empty name is refused."""
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput(f"{field_name} may not be empty.", field=field_name)
    return cleaned


def _region_kind_from_name(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith(("kota ", "kota adm")):
        return "city"
    if lowered.startswith("provinsi "):
        return "province"
    return "regency"


def _canonical_opening_hours(text: str, field_name: str = "opening_hours") -> str:
    try:
        hours = parse_opening_hours(text)
    except InvalidInput as error:
        raise InvalidInput(error.detail, field=field_name) from error
    return hours.format() if hours is not None else ""


# --- views handed to the controllers --------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyView:
    agency: Agency
    region: Region


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    agency: Agency
    region: Region


@dataclass(frozen=True)
class UserView:
    user: User
    regions: list[Region]
    conflicts: list[SurveyorConflict]


@dataclass(frozen=True)
class WaveView:
    wave: Wave
    instrument: Instrument
    assignment_count: int


ImportAction = Literal["create", "update", "unchanged"]


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


@dataclass(frozen=True)
class AssignmentView:
    id: uuid.UUID | None
    unit: UnitView
    surveyor: User
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True)
class AssignmentWarning:
    code: str
    message: str
    unit_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AssignmentBatch:
    wave: Wave
    assignments: list[AssignmentView]
    loads: list[tuple[User, int]]
    warnings: list[AssignmentWarning] = field(default_factory=list)
    unassigned: list[UnitView] = field(default_factory=list)
    dry_run: bool = False
    seed: Seed | None = None


@dataclass(frozen=True)
class NewAssignment:
    unit_id: uuid.UUID
    surveyor_id: uuid.UUID
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True)
class DrawOrder:
    seed: Seed
    surveyor_ids: Sequence[uuid.UUID]
    window_start: datetime
    window_end: datetime
    unit_ids: Sequence[uuid.UUID] | None = None
    dry_run: bool = False


class AdminService:
    def __init__(self, session: AsyncSession, actor: Principal | None) -> None:
        self.session = session
        self.actor = actor
        self.audit = AuditLog(session)

    async def _record(self, action: str, entity_type: str, entity_id: object, data: dict[str, Any]) -> None:
        await self.audit.record(
            action,
            entity_type=entity_type,
            entity_id=entity_id,
            actor_id=self.actor.id if self.actor else None,
            data=data,
        )

    async def _flush_refusing_duplicates(self, what: str, field_name: str | None) -> None:
        # The checks before a write catch duplicates; a unique constraint settles the race between two requests.
        try:
            await self.session.flush()
        except IntegrityError as error:
            raise DuplicateKey(f"{what} was stored by another request at the same moment.", field=field_name) from error

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
        name = _clean_name(name, "name")
        kind = kind or _region_kind_from_name(name)
        if kind not in REGION_KINDS:
            raise InvalidInput(f"A region kind is one of {', '.join(REGION_KINDS)}.", field="kind")
        _check_timezone(timezone)
        if parent_id is not None and await self.session.get(Region, parent_id) is None:
            raise InvalidInput(f"There is no region {parent_id}.", field="parent_id")
        if await self.session.scalar(select(Region.id).where(Region.code == code)):
            raise DuplicateKey(f"A region with code {code} already exists.", field="code")
        region = Region(code=code, name=name, kind=kind, timezone=timezone, parent_id=parent_id, created_at=clock.now())
        self.session.add(region)
        await self._flush_refusing_duplicates(f"A region with code {code}", "code")
        await self._record("region.created", "region", region.id, {"code": code, "name": name, "kind": kind})
        return region

    async def regions(self) -> list[Region]:
        return list((await self.session.scalars(select(Region).order_by(Region.code))).all())

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
        name = _clean_name(name, "name")
        if await self._agency_named(region.id, name) is not None:
            raise DuplicateKey(f"{region.name} already has an agency called {name!r}.", field="name")
        agency = Agency(region_id=region.id, name=name, kind=(kind or "").strip() or None, created_at=clock.now())
        self.session.add(agency)
        await self._flush_refusing_duplicates(f"An agency called {name!r}", "name")
        await self._record("agency.created", "agency", agency.id, {"region_id": region.id, "name": name})
        return AgencyView(agency, region)

    async def agencies(self, *, region_id: uuid.UUID | None = None) -> list[AgencyView]:
        query = select(Agency, Region).join(Region, Agency.region_id == Region.id).order_by(Region.code, Agency.name)
        if region_id is not None:
            query = query.where(Agency.region_id == region_id)
        return [AgencyView(agency, region) for agency, region in (await self.session.execute(query)).all()]

    async def agency(self, agency_id: uuid.UUID) -> AgencyView:
        row = (
            await self.session.execute(
                select(Agency, Region).join(Region, Agency.region_id == Region.id).where(Agency.id == agency_id)
            )
        ).first()
        if row is None:
            raise NotFound(f"There is no agency {agency_id}.")
        return AgencyView(*row)

    async def _agency_named(self, region_id: uuid.UUID, name: str) -> Agency | None:
        return await self.session.scalar(
            select(Agency).where(Agency.region_id == region_id, func.lower(Agency.name) == name.lower())
        )

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
        name = _clean_name(name, "name")
        _check_coordinates(lat, lon)
        _check_geofence(geofence_m)
        hours = _canonical_opening_hours(opening_hours)
        if await self._unit_named(agency.id, name) is not None:
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
        await self._flush_refusing_duplicates(f"A unit called {name!r}", "name")
        await self._record("unit.created", "unit", unit.id, {"agency_id": agency.id, "name": name})
        return await self.unit(unit.id)

    async def update_unit(self, unit_id: uuid.UUID, changes: dict[str, Any]) -> UnitView:
        """Apply the fields given (``None`` clears lat/lon); the result must still be a valid unit."""
        unit = await self.session.get(Unit, unit_id, with_for_update=True)
        if unit is None:
            raise NotFound(f"There is no unit {unit_id}.")
        if "agency_id" in changes and await self.session.get(Agency, changes["agency_id"]) is None:
            raise InvalidInput(f"There is no agency {changes['agency_id']}.", field="agency_id")
        if "name" in changes:
            changes["name"] = _clean_name(changes["name"], "name")
        if "address" in changes:
            changes["address"] = " ".join(changes["address"].split())
        if "opening_hours" in changes:
            changes["opening_hours"] = _canonical_opening_hours(changes["opening_hours"])
        if "geofence_m" in changes:
            _check_geofence(changes["geofence_m"])
        _check_coordinates(changes.get("lat", unit.lat), changes.get("lon", unit.lon))
        agency_id, name = changes.get("agency_id", unit.agency_id), changes.get("name", unit.name)
        if (agency_id, name) != (unit.agency_id, unit.name):
            other = await self._unit_named(agency_id, name)
            if other is not None and other.id != unit.id:
                raise DuplicateKey(f"That agency already has a unit called {name!r}.", field="name")
        changed = {
            key: [_plain(getattr(unit, key)), _plain(value)]
            for key, value in changes.items()
            if getattr(unit, key) != value
        }
        for key, value in changes.items():
            setattr(unit, key, value)
        await self._flush_refusing_duplicates(f"A unit called {name!r}", "name")
        if changed:
            await self._record("unit.updated", "unit", unit.id, {"changes": changed})
        return await self.unit(unit.id)

    async def units(self, *, region_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None) -> list[UnitView]:
        query = _unit_views_query().order_by(Region.code, Agency.name, Unit.name)
        if region_id is not None:
            query = query.where(Agency.region_id == region_id)
        if agency_id is not None:
            query = query.where(Unit.agency_id == agency_id)
        return [UnitView(*row) for row in (await self.session.execute(query)).all()]

    async def unit(self, unit_id: uuid.UUID) -> UnitView:
        row = (await self.session.execute(_unit_views_query().where(Unit.id == unit_id))).first()
        if row is None:
            raise NotFound(f"There is no unit {unit_id}.")
        return UnitView(*row)

    async def _unit_named(self, agency_id: uuid.UUID, name: str) -> Unit | None:
        return await self.session.scalar(
            select(Unit).where(Unit.agency_id == agency_id, func.lower(Unit.name) == name.lower())
        )

    # --- units from CSV -------------------------------------------------------------------------------------------

    async def import_units(self, data: bytes, *, dry_run: bool) -> UnitImport:
        """All or nothing: every row is checked (file and database) before anything is written. A unit already stored
        (same region code, agency and unit name, ignoring case) is updated, so a corrected sheet can be imported
        again. ``dry_run`` only reports; without it, any problem refuses the whole file with a 422."""
        read = await anyio.to_thread.run_sync(read_units_csv, data)
        if read.file_problems:
            if dry_run:
                return UnitImport(True, [], [], [], list(read.file_problems))
            raise invalid_units_csv(list(read.file_problems))
        plan = await _ImportPlan.load(self.session, read.rows)
        rows = [plan.row(read_row) for read_row in read.rows]
        result = UnitImport(dry_run, rows, plan.new_region_codes(rows), plan.new_agency_names(rows))
        if dry_run:
            return result
        if result.problems:
            raise invalid_units_csv(result.problems)
        written = await plan.write(self.session, rows)
        await self._record(
            "units.imported",
            "unit",
            None,
            {
                "rows": len(rows),
                "created": written["create"],
                "updated": written["update"],
                "unchanged": result.count("unchanged"),
                "regions_created": result.regions_created,
                "agencies_created": result.agencies_created,
            },
        )
        return UnitImport(
            False,
            [ImportedRow(r.read, r.action, r.unit_id or plan.unit_ids.get(r.read.line), ()) for r in rows],
            result.regions_created,
            result.agencies_created,
        )

    # --- users ----------------------------------------------------------------------------------------------------

    async def create_user(
        self, *, username: str, display_name: str, role: str, password: str, region_ids: Sequence[uuid.UUID] = ()
    ) -> UserView:
        username = username.strip().lower()
        if not USERNAME_PATTERN.match(username):
            raise InvalidInput("A username is 2–64 lower-case letters, digits, '.', '-' or '_'.", field="username")
        display_name = _clean_name(display_name, "display_name")
        if role not in ROLES:
            raise InvalidInput(f"A role is one of {', '.join(ROLES)}.", field="role")
        _check_password(password)
        regions = await self._supervisor_regions(role, region_ids)
        if await self.session.scalar(select(User.id).where(User.username == username)):
            raise DuplicateKey(f"The username {username} is taken.", field="username")
        now = clock.now()
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            is_active=True,
            created_at=now,
            password_changed_at=now,
            password_hash=await anyio.to_thread.run_sync(hash_password, password),
        )
        self.session.add(user)
        await self._flush_refusing_duplicates(f"The username {username}", "username")
        self.session.add_all(SupervisorRegion(user_id=user.id, region_id=region.id) for region in regions)
        await self.session.flush()
        await self._record(
            "user.created",
            "user",
            user.id,
            {"username": username, "role": role, "region_codes": [region.code for region in regions]},
        )
        return await self.user(user.id)

    async def update_user(
        self,
        user_id: uuid.UUID,
        *,
        display_name: str | None = None,
        is_active: bool | None = None,
        password: str | None = None,
        region_ids: Sequence[uuid.UUID] | None = None,
    ) -> UserView:
        user = await self.session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        changed: dict[str, Any] = {}
        if display_name is not None:
            user.display_name = changed["display_name"] = _clean_name(display_name, "display_name")
        if is_active is not None and is_active != user.is_active:
            if not is_active and self.actor is not None and self.actor.id == user.id:
                raise InvalidInput("You cannot deactivate your own account.", field="is_active")
            user.is_active = changed["is_active"] = is_active
        if password is not None:
            _check_password(password)
            user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
            user.password_changed_at = clock.now()
            changed["password"] = "reset"
        if region_ids is not None:
            regions = await self._supervisor_regions(user.role, region_ids)
            await self._replace_supervisor_regions(user, regions)
            changed["region_codes"] = [region.code for region in regions]
        if "password" in changed or changed.get("is_active") is False:
            await self._revoke_refresh_tokens(user.id)
        await self.session.flush()
        if changed:
            await self._record("user.updated", "user", user.id, {"changes": changed})
        return await self.user(user.id)

    async def add_conflict(
        self, user_id: uuid.UUID, *, unit_id: uuid.UUID | None, agency_id: uuid.UUID | None, note: str = ""
    ) -> UserView:
        """A surveyor declares they (or family) work at a unit or agency: the draw never sends them there."""
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        if user.role != "surveyor":
            raise InvalidInput(f"{user.username} is a {user.role}; only surveyors declare conflicts of interest.")
        if (unit_id is None) == (agency_id is None):
            raise InvalidInput("Name either a unit_id or an agency_id.", field="unit_id" if unit_id else "agency_id")
        if unit_id is not None and await self.session.get(Unit, unit_id) is None:
            raise InvalidInput(f"There is no unit {unit_id}.", field="unit_id")
        if agency_id is not None and await self.session.get(Agency, agency_id) is None:
            raise InvalidInput(f"There is no agency {agency_id}.", field="agency_id")
        same = select(SurveyorConflict.id).where(SurveyorConflict.user_id == user.id)
        same = (
            same.where(SurveyorConflict.unit_id == unit_id)
            if unit_id
            else same.where(SurveyorConflict.agency_id == agency_id)
        )
        if await self.session.scalar(same):
            raise DuplicateKey(
                f"{user.username} already declared this conflict.", field="unit_id" if unit_id else "agency_id"
            )
        conflict = SurveyorConflict(
            user_id=user.id, unit_id=unit_id, agency_id=agency_id, note=" ".join(note.split()), created_at=clock.now()
        )
        self.session.add(conflict)
        await self.session.flush()
        await self._record(
            "user.conflict_declared",
            "user",
            user.id,
            {"unit_id": unit_id, "agency_id": agency_id, "note": conflict.note},
        )
        return await self.user(user.id)

    async def users(self, *, role: str | None = None) -> list[UserView]:
        query = select(User).order_by(User.role, User.username)
        if role is not None:
            query = query.where(User.role == role)
        users = (await self.session.scalars(query)).all()
        return await self._user_views(users)

    async def user(self, user_id: uuid.UUID) -> UserView:
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        [view] = await self._user_views([user])
        return view

    async def _user_views(self, users: Sequence[User]) -> list[UserView]:
        ids = [user.id for user in users]
        regions: dict[uuid.UUID, list[Region]] = {user_id: [] for user_id in ids}
        for user_id, region in (
            await self.session.execute(
                select(SupervisorRegion.user_id, Region)
                .join(Region, SupervisorRegion.region_id == Region.id)
                .where(SupervisorRegion.user_id.in_(ids))
                .order_by(Region.code)
            )
        ).all():
            regions[user_id].append(region)
        conflicts: dict[uuid.UUID, list[SurveyorConflict]] = {user_id: [] for user_id in ids}
        for conflict in (
            await self.session.scalars(
                select(SurveyorConflict).where(SurveyorConflict.user_id.in_(ids)).order_by(SurveyorConflict.created_at)
            )
        ).all():
            conflicts[conflict.user_id].append(conflict)
        return [UserView(user, regions[user.id], conflicts[user.id]) for user in users]

    async def _supervisor_regions(self, role: str, region_ids: Sequence[uuid.UUID]) -> list[Region]:
        if region_ids and role != "supervisor":
            raise InvalidInput("Only supervisors cover regions.", field="region_ids")
        regions = []
        for i, region_id in enumerate(dict.fromkeys(region_ids)):
            region = await self.session.get(Region, region_id)
            if region is None:
                raise InvalidInput(f"There is no region {region_id}.", field=f"region_ids[{i}]")
            regions.append(region)
        return regions

    async def _replace_supervisor_regions(self, user: User, regions: list[Region]) -> None:
        stored = (await self.session.scalars(select(SupervisorRegion).where(SupervisorRegion.user_id == user.id))).all()
        wanted = {region.id for region in regions}
        for link in stored:
            if link.region_id not in wanted:
                await self.session.delete(link)
        kept = {link.region_id for link in stored}
        self.session.add_all(SupervisorRegion(user_id=user.id, region_id=region_id) for region_id in wanted - kept)

    async def _revoke_refresh_tokens(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )

    # --- waves ----------------------------------------------------------------------------------------------------

    async def create_wave(
        self,
        *,
        name: str,
        kind: str,
        instrument_key: str,
        instrument_version: int,
        profile_key: str,
        profile: dict[str, Any] | None,
        period_start: date,
        period_end: date,
        integrity_settings: dict[str, Any] | None,
    ) -> WaveView:
        name = _clean_name(name, "name")
        if kind not in WAVE_KINDS:
            raise InvalidInput(f"A wave kind is one of {', '.join(WAVE_KINDS)}.", field="kind")
        instrument = await find_instrument(self.session, instrument_key, instrument_version)
        if instrument is None:
            raise InvalidInput(
                f"There is no instrument {instrument_key} version {instrument_version}.", field="instrument"
            )
        stored_profile = _wave_profile(profile_key, profile)
        if period_end < period_start:
            raise InvalidInput("The period ends before it starts.", field="period.end")
        settings = _integrity_settings(integrity_settings)
        if await self.session.scalar(select(Wave.id).where(func.lower(Wave.name) == name.lower())):
            raise DuplicateKey(f"A wave called {name!r} already exists.", field="name")
        wave = Wave(
            name=name,
            kind=kind,
            instrument_id=instrument.id,
            profile_key=profile_key,
            profile=stored_profile,
            integrity_settings=settings.to_dict(),
            period_start=period_start,
            period_end=period_end,
            status="draft",
            created_at=clock.now(),
        )
        self.session.add(wave)
        await self.session.flush()
        await self._record(
            "wave.created",
            "wave",
            wave.id,
            {
                "name": name,
                "kind": kind,
                "instrument": {"key": instrument.key, "version": instrument.version},
                "profile_key": profile_key,
                "period": [period_start.isoformat(), period_end.isoformat()],
            },
        )
        return WaveView(wave, instrument, 0)

    async def waves(self) -> list[WaveView]:
        count = (
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.wave_id == Wave.id)
            .correlate(Wave)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Wave, Instrument, count)
            .join(Instrument, Wave.instrument_id == Instrument.id)
            .order_by(Wave.period_start.desc(), Wave.name)
        )
        return [WaveView(*row) for row in rows.all()]

    async def wave(self, wave_id: uuid.UUID) -> WaveView:
        wave = await self._wave(wave_id)
        instrument = await self.session.get(Instrument, wave.instrument_id)
        count = await self.session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.wave_id == wave.id)
        )
        return WaveView(wave, instrument, count or 0)

    async def move_wave(self, wave_id: uuid.UUID, status: str) -> WaveView:
        """Forward one step only: draft → fieldwork → review. Publishing has its own route."""
        wave = await self._wave(wave_id, for_update=True)
        expected = NEXT_WAVE_STATUS.get(wave.status)
        if status != expected:
            step = f"its next status is {expected}" if expected else "it has no next status here"
            raise WaveStateConflict(f"The wave is in {wave.status}; {step}, not {status}.", status_now=wave.status)
        previous, wave.status = wave.status, status
        await self.session.flush()
        await self._record("wave.status_changed", "wave", wave.id, {"from": previous, "to": status})
        return await self.wave(wave.id)

    async def update_wave(
        self,
        wave_id: uuid.UUID,
        *,
        name: str | None = None,
        period: tuple[date, date] | None = None,
        integrity_settings: dict[str, Any] | None = None,
        instrument: tuple[str, int] | None = None,
        profile_key: str | None = None,
        profile: dict[str, Any] | None = None,
    ) -> WaveView:
        """Change what is given (``None``: leave it). Name, period and integrity settings while the wave is in draft or
        fieldwork; the instrument version and the profile only in draft, before any visit was scored against them."""
        wave = await self._wave(wave_id, for_update=True)
        if wave.status not in EDITABLE_WAVE_STATUSES:
            raise WaveStateConflict(
                f"The wave is in {wave.status}; it can be edited in draft or fieldwork.", status_now=wave.status
            )
        draft_only = [
            field_name
            for field_name, value in (("instrument", instrument), ("profile_key", profile_key), ("profile", profile))
            if value is not None
        ]
        if draft_only and wave.status != "draft":
            raise WaveStateConflict(
                f"The wave is in {wave.status}; its {draft_only[0]} can change in draft only.",
                field=draft_only[0],
                status_now=wave.status,
            )
        changed: dict[str, list[Any]] = {}
        if name is not None:
            await self._rename_wave(wave, _clean_name(name, "name"), changed)
        if period is not None:
            _set_period(wave, period, changed)
        if integrity_settings is not None:
            _integrity_settings(integrity_settings)  # refuses a bad key or value naming the field as sent
            merged = IntegritySettings.from_dict({**wave.integrity_settings, **integrity_settings}).to_dict()
            _set_changed(wave, "integrity_settings", merged, changed)
        if instrument is not None:
            await self._set_instrument(wave, *instrument, changed)
        if profile_key is not None or profile is not None:
            key = profile_key or wave.profile_key
            _set_changed(wave, "profile", _wave_profile(key, profile), changed)
            _set_changed(wave, "profile_key", key, changed)
        await self._flush_refusing_duplicates(f"A wave called {wave.name!r}", "name")
        if changed:
            await self._record("wave.updated", "wave", wave.id, {"changes": changed})
        return await self.wave(wave.id)

    async def _rename_wave(self, wave: Wave, name: str, changed: dict[str, list[Any]]) -> None:
        other = await self.session.scalar(
            select(Wave.id).where(func.lower(Wave.name) == name.lower(), Wave.id != wave.id)
        )
        if other is not None:
            raise DuplicateKey(f"A wave called {name!r} already exists.", field="name")
        _set_changed(wave, "name", name, changed)

    async def _set_instrument(self, wave: Wave, key: str, version: int, changed: dict[str, list[Any]]) -> None:
        instrument = await find_instrument(self.session, key, version)
        if instrument is None:
            raise InvalidInput(f"There is no instrument {key} version {version}.", field="instrument")
        if instrument.id != wave.instrument_id:
            previous = await self.session.get(Instrument, wave.instrument_id)
            changed["instrument"] = [
                {"key": previous.key, "version": previous.version} if previous else None,
                {"key": key, "version": version},
            ]
            wave.instrument_id = instrument.id

    def scoring_profiles(self) -> list[Profile]:
        """The published profiles a wave may start from (each may be stored as an edited copy)."""
        return list(PROFILES.values())

    async def _wave(self, wave_id: uuid.UUID, *, for_update: bool = False) -> Wave:
        wave = await self.session.get(Wave, wave_id, with_for_update=for_update)
        if wave is None:
            raise NotFound(f"There is no wave {wave_id}.")
        return wave

    # --- assignments ----------------------------------------------------------------------------------------------

    async def wave_assignments(self, wave_id: uuid.UUID) -> AssignmentBatch:
        wave = await self._wave(wave_id)
        rows = (
            await self.session.execute(
                select(Assignment, User, Unit, Agency, Region)
                .join(User, Assignment.surveyor_id == User.id)
                .join(Unit, Assignment.unit_id == Unit.id)
                .join(Agency, Unit.agency_id == Agency.id)
                .join(Region, Agency.region_id == Region.id)
                .where(Assignment.wave_id == wave.id)
                .order_by(User.username, Assignment.window_start, Unit.name)
            )
        ).all()
        views = [
            AssignmentView(a.id, UnitView(unit, agency, region), user, a.window_start, a.window_end)
            for a, user, unit, agency, region in rows
        ]
        return AssignmentBatch(wave, views, _loads(views), _warnings(wave, views))

    async def add_assignments(
        self, wave_id: uuid.UUID, *, explicit: Sequence[NewAssignment] | None = None, draw: DrawOrder | None = None
    ) -> AssignmentBatch:
        if (explicit is None) == (draw is None):
            raise InvalidInput("Send either `assignments` (a list) or `draw` (a seeded draw).", field="assignments")
        return await self.assign(wave_id, explicit) if explicit is not None else await self.draw(wave_id, draw)

    async def assign(self, wave_id: uuid.UUID, wanted: Sequence[NewAssignment]) -> AssignmentBatch:
        """Store an explicit list of assignments: every item is checked and all problems are listed at once."""
        wave = await self._assignable_wave(wave_id)
        if not wanted:
            raise InvalidInput("Give at least one assignment.", field="assignments")
        units = await self._unit_views({item.unit_id for item in wanted})
        surveyors = await self._surveyors({item.surveyor_id for item in wanted})
        conflicts = await self._conflicts(surveyors)
        existing = await self._assigned_pairs(wave.id)
        errors: list[dict[str, str]] = []
        seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for i, item in enumerate(wanted):
            errors.extend(_assignment_problems(i, item, units, surveyors, conflicts, seen))
            seen.add((item.unit_id, item.surveyor_id))
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
                    None, units[item.unit_id], surveyors[item.surveyor_id], item.window_start, item.window_end
                )
                for item in wanted
            ],
        )
        await self._record("wave.assigned", "wave", wave.id, {"assignment_ids": [view.id for view in views]})
        return AssignmentBatch(wave, views, _loads(views), _warnings(wave, views))

    async def draw(self, wave_id: uuid.UUID, order: DrawOrder) -> AssignmentBatch:
        """The seeded random draw (``server.domain.admin.draw``). Without ``unit_ids`` it covers every unit not yet
        assigned in this wave, so a second draw picks up units added since the first. Units nobody may take are
        reported in ``unassigned``; the rest are stored unless ``dry_run``."""
        wave = await (self._wave(wave_id) if order.dry_run else self._assignable_wave(wave_id))
        if order.window_end <= order.window_start:
            raise InvalidInput("The window ends before it starts.", field="draw.window_end")
        if not order.surveyor_ids:
            raise InvalidInput("Name at least one surveyor.", field="draw.surveyor_ids")
        surveyors = await self._surveyors(set(order.surveyor_ids))
        _refuse_unknown(order.surveyor_ids, surveyors, "draw.surveyor_ids", "surveyor")
        existing = await self._assigned_pairs(wave.id)
        if order.unit_ids is None:
            assigned_units = {unit_id for unit_id, _ in existing}
            all_ids = set((await self.session.scalars(select(Unit.id))).all())
            units = await self._unit_views(all_ids - assigned_units)
        else:
            units = await self._unit_views(set(order.unit_ids))
            _refuse_unknown(order.unit_ids, units, "draw.unit_ids", "unit")
        if not units:
            raise InvalidInput(
                "There are no units to draw: every unit is already assigned in this wave.", field="draw.unit_ids"
            )
        conflicts = await self._conflicts(surveyors)
        result = draw_assignments(
            [DrawUnit(view.unit.id, view.agency.id) for view in units.values()],
            [
                DrawSurveyor(
                    s_id,
                    frozenset(u for u, _ in conflicts.get(s_id, ())),
                    frozenset(a for _, a in conflicts.get(s_id, ())),
                )
                for s_id in surveyors
            ],
            order.seed,
            excluded=existing,
        )
        views = [
            AssignmentView(None, units[unit_id], surveyors[surveyor_id], order.window_start, order.window_end)
            for unit_id, surveyor_id in result.pairs
        ]
        unassigned = [units[unit_id] for unit_id in result.unassignable]
        if not order.dry_run:
            views = await self._store_assignments(wave, views)
            await self._record(
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
        loads = [(surveyors[s_id], count) for s_id, count in result.loads.items()]
        loads.sort(key=lambda pair: pair[0].username)
        warnings = _warnings(wave, views) + [
            AssignmentWarning(
                "unit.unassignable",
                f"No surveyor of this draw may take {view.unit.name} (declared "
                "conflicts, or already assigned to all of them).",
                view.unit.id,
            )
            for view in unassigned
        ]
        return AssignmentBatch(wave, views, loads, warnings, unassigned, order.dry_run, order.seed)

    async def delete_assignment(self, wave_id: uuid.UUID, assignment_id: uuid.UUID) -> None:
        """Take back an assignment nobody has visited yet, while the wave is in draft or fieldwork."""
        wave = await self._wave(wave_id, for_update=True)
        assignment = await self.session.get(Assignment, assignment_id, with_for_update=True)
        if assignment is None or assignment.wave_id != wave.id:
            raise NotFound(f"The wave has no assignment {assignment_id}.")
        if wave.status not in ASSIGNABLE_WAVE_STATUSES:
            raise WaveStateConflict(
                f"The wave is in {wave.status}; assignments can be removed in draft or fieldwork.",
                status_now=wave.status,
            )
        visited = AssignmentVisited("A visit was already sent for this assignment; it stays as the visit's record.")
        if await self.session.scalar(select(exists().where(Visit.assignment_id == assignment.id))):
            raise visited
        await self.session.delete(assignment)
        try:
            await self.session.flush()
        except IntegrityError as error:
            # A visit for it arrived between the check and the delete: the foreign key keeps the assignment.
            raise visited from error
        await self._record(
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
        wave = await self._wave(wave_id, for_update=True)
        if wave.status not in ASSIGNABLE_WAVE_STATUSES:
            raise WaveStateConflict(
                f"The wave is in {wave.status}; assignments can be added in draft or fieldwork.", status_now=wave.status
            )
        return wave

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
        await self._flush_refusing_duplicates("One of these assignments", "assignments")
        return [
            AssignmentView(row.id, view.unit, view.surveyor, view.window_start, view.window_end)
            for row, view in zip(rows, views, strict=True)
        ]

    async def _unit_views(self, unit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UnitView]:
        ids = list(unit_ids)
        if not ids:
            return {}
        rows = (await self.session.execute(_unit_views_query().where(Unit.id.in_(ids)))).all()
        return {unit.id: UnitView(unit, agency, region) for unit, agency, region in rows}

    async def _surveyors(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
        """Active surveyors among ``user_ids``; others (unknown, another role, deactivated) are left out."""
        ids = list(user_ids)
        rows = (
            await self.session.scalars(
                select(User).where(User.id.in_(ids), User.role == "surveyor", User.is_active.is_(True))
            )
        ).all()
        return {user.id: user for user in rows}

    async def _conflicts(
        self, surveyors: dict[uuid.UUID, User]
    ) -> dict[uuid.UUID, list[tuple[uuid.UUID | None, uuid.UUID | None]]]:
        conflicts: dict[uuid.UUID, list[tuple[uuid.UUID | None, uuid.UUID | None]]] = {}
        for conflict in (
            await self.session.scalars(select(SurveyorConflict).where(SurveyorConflict.user_id.in_(list(surveyors))))
        ).all():
            conflicts.setdefault(conflict.user_id, []).append((conflict.unit_id, conflict.agency_id))
        return conflicts

    async def _assigned_pairs(self, wave_id: uuid.UUID) -> set[tuple[uuid.UUID, uuid.UUID]]:
        rows = await self.session.execute(
            select(Assignment.unit_id, Assignment.surveyor_id).where(Assignment.wave_id == wave_id)
        )
        return {(unit_id, surveyor_id) for unit_id, surveyor_id in rows.all()}


# --- helpers without a session -----------------------------------------------------------------------------------


def _unit_views_query() -> Select[tuple[Unit, Agency, Region]]:
    return (
        select(Unit, Agency, Region)
        .join(Agency, Unit.agency_id == Agency.id)
        .join(Region, Agency.region_id == Region.id)
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD_LENGTH} characters.", field="password")


def _wave_profile(profile_key: str, profile: dict[str, Any] | None) -> dict[str, Any]:
    """The stored profile: the named one, or an edited copy of it (checked; its key must stay the same)."""
    if profile is None:
        return profile_to_dict(profile_for_key(profile_key))
    edited = profile_from_dict(profile)
    if edited.key != profile_key:
        raise InvalidInput(
            f"The edited profile's key is {edited.key!r}, but the wave names {profile_key!r}.", field="profile.key"
        )
    return profile_to_dict(edited)


def _set_changed(wave: Wave, attribute: str, value: Any, changed: dict[str, list[Any]]) -> None:
    """Set ``wave.<attribute>`` and note ``[before, after]`` for the audit event when it really changes."""
    before = getattr(wave, attribute)
    if before != value:
        changed[attribute] = [_plain(before), _plain(value)]
        setattr(wave, attribute, value)


def _set_period(wave: Wave, period: tuple[date, date], changed: dict[str, list[Any]]) -> None:
    start, end = period
    if end < start:
        raise InvalidInput("The period ends before it starts.", field="period.end")
    if (start, end) != (wave.period_start, wave.period_end):
        changed["period"] = [
            [wave.period_start.isoformat(), wave.period_end.isoformat()],
            [start.isoformat(), end.isoformat()],
        ]
        wave.period_start, wave.period_end = start, end


def _integrity_settings(data: dict[str, Any] | None) -> IntegritySettings:
    try:
        return IntegritySettings.from_dict(data)
    except InvalidInput as error:
        raise InvalidInput(error.detail, field=f"integrity_settings.{error.field}") from error


def _refuse_unknown(ids: Sequence[uuid.UUID], found: dict[uuid.UUID, Any], field_name: str, what: str) -> None:
    for i, wanted_id in enumerate(ids):
        if wanted_id not in found:
            extra = " (an active surveyor)" if what == "surveyor" else ""
            raise InvalidInput(f"There is no {what}{extra} {wanted_id}.", field=f"{field_name}[{i}]")


def _assignment_problems(
    i: int,
    item: NewAssignment,
    units: dict[uuid.UUID, UnitView],
    surveyors: dict[uuid.UUID, User],
    conflicts: dict[uuid.UUID, list[tuple[uuid.UUID | None, uuid.UUID | None]]],
    seen: set[tuple[uuid.UUID, uuid.UUID]],
) -> list[dict[str, str]]:
    where = f"assignments[{i}]"
    problems = []
    unit = units.get(item.unit_id)
    if unit is None:
        problems.append({"field": f"{where}.unit_id", "message": f"there is no unit {item.unit_id}"})
    if item.surveyor_id not in surveyors:
        problems.append({"field": f"{where}.surveyor_id", "message": f"there is no active surveyor {item.surveyor_id}"})
    if item.window_end <= item.window_start:
        problems.append({"field": f"{where}.window_end", "message": "the window ends before it starts"})
    if (item.unit_id, item.surveyor_id) in seen:
        problems.append({"field": where, "message": "the same unit and surveyor appear twice"})
    if unit is not None:
        for conflict_unit_id, conflict_agency_id in conflicts.get(item.surveyor_id, ()):
            if conflict_unit_id == unit.unit.id or conflict_agency_id == unit.agency.id:
                problems.append(
                    {
                        "field": f"{where}.surveyor_id",
                        "message": f"the surveyor declared a conflict of interest with {unit.unit.name}"
                        f" or {unit.agency.name}",
                    }
                )
    return problems


def _loads(views: Sequence[AssignmentView]) -> list[tuple[User, int]]:
    counts = Counter(view.surveyor.id for view in views)
    surveyors = {view.surveyor.id: view.surveyor for view in views}
    return sorted(((surveyors[s_id], n) for s_id, n in counts.items()), key=lambda pair: pair[0].username)


def _warnings(wave: Wave, views: Sequence[AssignmentView]) -> list[AssignmentWarning]:
    warnings = []
    for unit_id, view in {view.unit.unit.id: view for view in views}.items():
        if view.unit.unit.lat is None:
            warnings.append(
                AssignmentWarning(
                    "unit.no_coordinates",
                    f"{view.unit.unit.name} has no coordinates: its visits cannot be checked against a geofence.",
                    unit_id,
                )
            )
    for view in views:
        tz = ZoneInfo(view.unit.region.timezone)
        starts_on = view.window_start.astimezone(tz).date()
        ends_on = (view.window_end - timedelta(microseconds=1)).astimezone(tz).date()
        if starts_on < wave.period_start or ends_on > wave.period_end:
            warnings.append(
                AssignmentWarning(
                    "window.outside_period",
                    f"The window for {view.unit.unit.name} ({view.surveyor.username}) reaches "
                    f"outside the wave's period {wave.period_start}–{wave.period_end}.",
                    view.unit.unit.id,
                )
            )
    return warnings


# --- the unit import plan -------------------------------------------------------------------------------------------


class _ImportPlan:
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

    @classmethod
    async def load(cls, session: AsyncSession, rows: Sequence[ReadRow]) -> _ImportPlan:
        codes = {row.row.region_code for row in rows if row.row is not None}
        regions = (
            {
                region.code: region
                for region in (await session.scalars(select(Region).where(Region.code.in_(codes)))).all()
            }
            if codes
            else {}
        )
        region_ids = [region.id for region in regions.values()]
        agencies = {
            (agency.region_id, agency.name.lower()): agency
            for agency in (await session.scalars(select(Agency).where(Agency.region_id.in_(region_ids)))).all()
        }
        agency_ids = [agency.id for agency in agencies.values()]
        units = {
            (unit.agency_id, unit.name.lower()): unit
            for unit in (await session.scalars(select(Unit).where(Unit.agency_id.in_(agency_ids)))).all()
        }
        return cls(regions, agencies, units)

    def row(self, read: ReadRow) -> ImportedRow:
        row = read.row
        if row is None:
            return ImportedRow(read, None, None, read.problems)
        region = self.regions.get(row.region_code)
        if region is not None and region.name != row.region_name:
            problem = RowProblem(
                read.line,
                "region_name",
                f"region {row.region_code} is stored as {region.name!r}, not {row.region_name!r}",
            )
            return ImportedRow(read, None, None, (problem,))
        agency = self.agencies.get((region.id, row.agency.lower())) if region else None
        unit = self.units.get((agency.id, row.unit.lower())) if agency else None
        if unit is None:
            return ImportedRow(read, "create", None, ())
        is_same = (unit.address, unit.lat, unit.lon, unit.geofence_m, unit.opening_hours) == (
            row.address,
            row.lat,
            row.lon,
            row.geofence_m,
            row.opening_hours,
        )
        return ImportedRow(read, "unchanged" if is_same else "update", unit.id, ())

    def new_region_codes(self, rows: Sequence[ImportedRow]) -> list[str]:
        return sorted({r.read.row.region_code for r in rows if r.action and r.read.row.region_code not in self.regions})

    def new_agency_names(self, rows: Sequence[ImportedRow]) -> list[str]:
        names: dict[tuple[str, str], str] = {}
        for r in rows:
            if r.action and r.read.row is not None:
                region = self.regions.get(r.read.row.region_code)
                if region is None or (region.id, r.read.row.agency.lower()) not in self.agencies:
                    names.setdefault(
                        (r.read.row.region_code, r.read.row.agency.lower()),
                        f"{r.read.row.agency} ({r.read.row.region_code})",
                    )
        return sorted(names.values())

    async def write(self, session: AsyncSession, rows: Sequence[ImportedRow]) -> dict[str, list[str]]:
        now = clock.now()
        written: dict[str, list[str]] = {"create": [], "update": []}
        for imported in rows:
            row = imported.read.row
            if row is None or imported.action == "unchanged":
                continue
            region = self.regions.get(row.region_code)
            if region is None:
                region = Region(
                    code=row.region_code,
                    name=row.region_name,
                    kind=_region_kind_from_name(row.region_name),
                    created_at=now,
                )
                session.add(region)
                await session.flush()
                self.regions[row.region_code] = region
            agency = self.agencies.get((region.id, row.agency.lower()))
            if agency is None:
                agency = Agency(region_id=region.id, name=row.agency, created_at=now)
                session.add(agency)
                await session.flush()
                self.agencies[(region.id, row.agency.lower())] = agency
            unit = self.units.get((agency.id, row.unit.lower()))
            if unit is None:
                unit = Unit(agency_id=agency.id, name=row.unit, created_at=now)
                session.add(unit)
                self.units[(agency.id, row.unit.lower())] = unit
            unit.address, unit.lat, unit.lon = row.address, row.lat, row.lon
            unit.geofence_m, unit.opening_hours = row.geofence_m, row.opening_hours
            await session.flush()
            self.unit_ids[imported.read.line] = unit.id
            written[imported.action or "create"].append(str(unit.id))
        return written


# --- the command line ----------------------------------------------------------------------------------------------


async def create_user_from_cli(
    session: AsyncSession, *, username: str, role: str, password: str, display_name: str, region_codes: Sequence[str]
) -> User:
    """``sidak createuser``: the way to make the first admin. Audited with no actor."""
    region_ids = []
    for code in region_codes:
        region_id = await session.scalar(select(Region.id).where(Region.code == code))
        if region_id is None:
            raise InvalidInput(f"There is no region with code {code}.", field="region")
        region_ids.append(region_id)
    view = await AdminService(session, None).create_user(
        username=username, display_name=display_name, role=role, password=password, region_ids=region_ids
    )
    return view.user
