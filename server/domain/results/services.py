"""Results of a wave and its publication (docs/contract.md, "Roll-up and results").

Results are computed on each request from the scores stored when visits were approved (``visit_scores``), never
cached: approving, returning or rejecting a visit changes its unit, agency and region at the next read. A unit's
score is the mean of its approved visits' totals, an agency's the mean of its units', a region's the mean of its
agencies' (``rollup.roll_up``); each is classified with the wave's stored profile. Dimension scores roll up the same
way, dimension by dimension. Every score carries the ids of the visits behind it.

Which units belong to a wave: those with an assignment in it. A unit, agency or region with nothing approved yet is
listed with no score rather than left out, so a results table shows the coverage too.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import Text as SqlText
from sqlalchemy import cast, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Region, Unit, Visit, VisitScore, Wave
from server.domain.audit.services import AuditLog
from server.domain.instruments.documents import Text
from server.domain.results.profiles import Label, Profile, profile_from_dict
from server.domain.results.rollup import RolledScore, RollUp, mean_score, roll_up
from server.domain.results.scoring import round_score
from server.domain.results.zoning import classify
from server.domain.review.services import in_scope, load_instrument, region_scope
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import NotFound, WaveStateConflict

PUBLISHABLE_FROM = "review"

Id = str
"""Ids are handled as their text (hyphenated UUID) in here: a results page rolls up thousands of units, and a str
hashes and sorts in C where a uuid.UUID does it in Python, which made the roll-up several times slower.

The records made per unit are msgspec structs without garbage-collector tracking (they form no cycles): with
thousands of units, tracked objects made the collector's passes a third of the request's time."""


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    id: str
    title: Text
    weight: float


class Result(msgspec.Struct, frozen=True, gc=False):
    score: Decimal
    """0–100, rounded half-up to 2 decimals: the figure that was classified."""
    zone: str | None
    grade: str | None
    index: Decimal | None
    label: Label
    dimensions: dict[str, Decimal | None]
    """Per dimension, 0–100 rounded to 2 decimals; None where no approved visit had an applicable indicator."""
    visit_ids: tuple[Id, ...]


class UnitResult(msgspec.Struct, frozen=True, gc=False):
    id: Id
    name: str
    address: str
    lat: float | None
    lon: float | None
    agency_id: Id
    agency_name: str
    region_id: Id
    region_name: str
    result: Result | None


class AgencyResult(msgspec.Struct, frozen=True, gc=False):
    id: Id
    name: str
    region_id: Id
    region_name: str
    unit_ids: tuple[Id, ...]
    """The agency's units in this wave (scored or not)."""
    result: Result | None


class RegionResult(msgspec.Struct, frozen=True, gc=False):
    id: Id
    name: str
    code: str
    agency_ids: tuple[Id, ...]
    result: Result | None


@dataclass(frozen=True, slots=True)
class WaveResults:
    wave: Wave
    profile: Profile
    dimensions: list[DimensionInfo]
    units: list[UnitResult]
    agencies: list[AgencyResult]
    regions: list[RegionResult]


class UnitPlace(msgspec.Struct, frozen=True, gc=False):
    unit_id: Id
    unit_name: str
    address: str
    lat: float | None
    lon: float | None
    agency_id: Id
    agency_name: str
    region_id: Id
    region_name: str
    region_code: str


class ApprovedScore(msgspec.Struct, frozen=True, gc=False):
    visit_id: Id
    unit_id: Id
    total: Decimal | None
    dimensions: dict[str, Decimal | None]


@dataclass(frozen=True, slots=True)
class Publication:
    wave: Wave
    unreviewed_visits: int
    """Visits still incomplete or submitted when the wave was frozen: they will never count."""


class ResultsService:
    def __init__(self, session: AsyncSession, principal: Principal | None = None) -> None:
        self.session = session
        self.principal = principal

    async def results(self, wave_id: uuid.UUID) -> WaveResults:
        """The wave's results within the caller's regions (all of them for an admin)."""
        assert self.principal is not None  # the route is guarded
        wave = await self.session.get(Wave, wave_id)
        if wave is None:
            raise NotFound("There is no wave with this id.")
        return await self._compute(wave, await region_scope(self.session, self.principal))

    async def public_results(self, wave_id: uuid.UUID) -> WaveResults:
        wave = await self.session.get(Wave, wave_id)
        if wave is None or wave.status != "published":
            raise NotFound("There is no published wave with this id.")
        return await self._compute(wave, None)

    async def published_waves(self) -> list[Wave]:
        return list(
            (
                await self.session.scalars(
                    select(Wave).where(Wave.status == "published").order_by(Wave.published_at.desc(), Wave.name)
                )
            ).all()
        )

    async def publish(self, wave_id: uuid.UUID) -> Publication:
        """Freeze a wave under review: no more decisions, no more visit revisions; its results become public."""
        assert self.principal is not None and self.principal.is_admin  # the route is guarded
        now = clock.now()
        changed = await self.session.execute(
            update(Wave)
            .where(Wave.id == wave_id, Wave.status == PUBLISHABLE_FROM)
            .values(status="published", published_at=now)
            .execution_options(synchronize_session=False)
        )
        wave = await self.session.scalar(
            select(Wave).where(Wave.id == wave_id).execution_options(populate_existing=True)
        )
        if wave is None:
            raise NotFound("There is no wave with this id.")
        if changed.rowcount != 1:
            raise WaveStateConflict(
                f"Only a wave in {PUBLISHABLE_FROM} can be published; {wave.name!r} is {wave.status}.",
                field="status",
                wave_status=wave.status,
            )
        unreviewed = await self.session.scalar(
            select(func.count(Visit.id)).where(Visit.wave_id == wave_id, Visit.status.in_(("incomplete", "submitted")))
        )
        await AuditLog(self.session).record(
            "wave.published",
            entity_type="wave",
            entity_id=wave_id,
            actor_id=self.principal.id,
            data={"name": wave.name, "unreviewed_visits": unreviewed or 0},
        )
        return Publication(wave=wave, unreviewed_visits=unreviewed or 0)

    async def _compute(self, wave: Wave, scope: frozenset[uuid.UUID] | None) -> WaveResults:
        instrument = await load_instrument(self.session, wave.instrument_id)
        dimensions = [DimensionInfo(d.id, d.title, d.weight) for d in instrument.dimensions]
        places = await self._places(wave.id, scope)
        scores = await self._approved_scores(wave.id, scope)
        return build_results(wave, profile_from_dict(wave.profile), dimensions, places, scores)

    async def _core(self, statement: Any) -> Any:
        # Plain Core rows: the ORM's per-row bookkeeping costs more than the query for a wave of thousands of units.
        return await (await self.session.connection()).execute(statement)

    async def _places(self, wave_id: uuid.UUID, scope: frozenset[uuid.UUID] | None) -> list[UnitPlace]:
        rows = await self._core(
            select(
                _raw_id(Unit.id),
                Unit.name,
                Unit.address,
                Unit.lat,
                Unit.lon,
                _raw_id(Agency.id),
                Agency.name,
                _raw_id(Region.id),
                Region.name,
                Region.code,
            )
            .join(Agency, Agency.id == Unit.agency_id)
            .join(Region, Region.id == Agency.region_id)
            .where(
                Unit.id.in_(select(Assignment.unit_id).where(Assignment.wave_id == wave_id)),
                *in_scope(Agency.region_id, scope),
            )
        )
        parent_ids: dict[Any, Id] = {}  # thousands of units share a few agencies and regions

        def parent_id(raw: Any) -> Id:
            return parent_ids.get(raw) or parent_ids.setdefault(raw, id_text(raw))

        return [
            UnitPlace(
                id_text(unit_id),
                unit_name,
                address,
                lat,
                lon,
                parent_id(agency_id),
                agency_name,
                parent_id(region_id),
                region_name,
                region_code,
            )
            for unit_id, unit_name, address, lat, lon, agency_id, agency_name, region_id, region_name, region_code in rows.all()
        ]

    async def _approved_scores(self, wave_id: uuid.UUID, scope: frozenset[uuid.UUID] | None) -> list[ApprovedScore]:
        statement = (
            select(
                _raw_id(VisitScore.visit_id),
                _raw_id(VisitScore.unit_id),
                VisitScore.total,
                cast(VisitScore.dimensions, SqlText),
            )
            .join(Visit, Visit.id == VisitScore.visit_id)
            .where(VisitScore.wave_id == wave_id, Visit.status == "approved")
        )
        if scope is not None:
            statement = (
                statement.join(Unit, Unit.id == VisitScore.unit_id)
                .join(Agency, Agency.id == Unit.agency_id)
                .where(*in_scope(Agency.region_id, scope))
            )
        rows = await self._core(statement)
        return [
            ApprovedScore(
                id_text(visit_id),
                id_text(unit_id),
                None if total is None else Decimal(total),
                _decode_dimensions(dimensions),
            )
            for visit_id, unit_id, total, dimensions in rows.all()
        ]


def _raw_id(column: Any) -> Any:
    # Read ids as the driver gives them; ``id_text`` makes them text faster than building uuid.UUID objects.
    return type_coerce(column, SqlText)


def id_text(value: Any) -> Id:
    """The hyphenated text of a UUID read raw: SQLite keeps 32 hex digits, PostgreSQL's driver has its own type."""
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


_DIMENSIONS_DECODER = msgspec.json.Decoder(dict[str, Decimal | None])


def _decode_dimensions(document: str) -> dict[str, Decimal | None]:
    # Read as text (cast in SQL, so PostgreSQL's driver does not parse the JSONB first) and decoded straight into
    # Decimals: the stored strings keep every digit.
    return _DIMENSIONS_DECODER.decode(document)


# --- the pure part: from places and approved scores to classified results ------------------------------------------


def build_results(
    wave: Wave,
    profile: Profile,
    dimensions: list[DimensionInfo],
    places: Sequence[UnitPlace],
    scores: Iterable[ApprovedScore],
) -> WaveResults:
    place_by_unit = {place.unit_id: place for place in places}
    agency_by_unit = {place.unit_id: place.agency_id for place in places}
    region_by_agency = {place.agency_id: place.region_id for place in places}
    totals: dict[Hashable, dict[Hashable, Decimal | None]] = {}
    visit_dimensions: dict[Id, list[dict[str, Decimal | None]]] = {}
    for score in scores:
        if score.unit_id not in place_by_unit:
            continue  # its unit lost its assignment: it is no longer part of the wave
        totals.setdefault(score.unit_id, {})[score.visit_id] = score.total
        visit_dimensions.setdefault(score.unit_id, []).append(score.dimensions)
    overall = roll_up(totals, agency_by_unit, region_by_agency)
    dimension_ids = [d.id for d in dimensions]
    unit_dimensions = {unit_id: _mean_per_dimension(rows, dimension_ids) for unit_id, rows in visit_dimensions.items()}
    agency_dimensions = _mean_per_dimension_by_parent(unit_dimensions, agency_by_unit, dimension_ids)
    classified = _Classifier(
        profile,
        overall,
        {
            "units": unit_dimensions,
            "agencies": agency_dimensions,
            "regions": _mean_per_dimension_by_parent(agency_dimensions, region_by_agency, dimension_ids),
        },
    )

    units = sorted(
        (
            UnitResult(
                id=p.unit_id,
                name=p.unit_name,
                address=p.address,
                lat=p.lat,
                lon=p.lon,
                agency_id=p.agency_id,
                agency_name=p.agency_name,
                region_id=p.region_id,
                region_name=p.region_name,
                result=classified.result("units", p.unit_id),
            )
            for p in places
        ),
        key=lambda u: (u.region_name, u.agency_name, u.name, str(u.id)),
    )
    units_by_agency: dict[Id, list[Id]] = {}
    agencies_by_region: dict[Id, dict[Id, None]] = {}  # a dict keeps order and drops repeats
    for unit in units:
        units_by_agency.setdefault(unit.agency_id, []).append(unit.id)
        agencies_by_region.setdefault(unit.region_id, {})[unit.agency_id] = None
    agency_place = {place.agency_id: place for place in places}
    region_place = {place.region_id: place for place in places}
    agencies = [
        AgencyResult(
            id=agency_id,
            name=place.agency_name,
            region_id=place.region_id,
            region_name=place.region_name,
            unit_ids=tuple(unit_ids),
            result=classified.result("agencies", agency_id),
        )
        for agency_id, unit_ids in units_by_agency.items()
        if (place := agency_place[agency_id])
    ]
    regions = [
        RegionResult(
            id=region_id,
            name=region_place[region_id].region_name,
            code=region_place[region_id].region_code,
            agency_ids=tuple(agency_ids),
            result=classified.result("regions", region_id),
        )
        for region_id, agency_ids in agencies_by_region.items()
    ]
    return WaveResults(
        wave=wave,
        profile=profile,
        dimensions=dimensions,
        units=units,
        agencies=sorted(agencies, key=lambda a: (a.region_name, a.name, str(a.id))),
        regions=sorted(regions, key=lambda r: (r.name, str(r.id))),
    )


def _mean_per_dimension(
    rows: Iterable[dict[str, Decimal | None]], dimension_ids: list[str]
) -> dict[str, Decimal | None]:
    rows = list(rows)
    if len(rows) == 1:  # one visit (the usual case): its own scores, skipping a mean of one
        return {d_id: rows[0].get(d_id) for d_id in dimension_ids}
    return {d_id: mean_score(value for row in rows if (value := row.get(d_id)) is not None) for d_id in dimension_ids}


def _mean_per_dimension_by_parent(
    children: dict[Id, dict[str, Decimal | None]], parent_of: dict[Hashable, Hashable], dimension_ids: list[str]
) -> dict[Id, dict[str, Decimal | None]]:
    """Dimension by dimension, the same mean of means as ``roll_up`` does for totals (without tracking visits,
    which the totals' roll-up already does; four more roll-ups made a 5,000-unit wave twice as slow)."""
    grouped: dict[Hashable, list[dict[str, Decimal | None]]] = {}
    for child_id, values in children.items():
        grouped.setdefault(parent_of[child_id], []).append(values)
    return {
        parent_id: _mean_per_dimension(rows, dimension_ids)  # type: ignore[misc]
        for parent_id, rows in grouped.items()
    }


class _Classifier:
    def __init__(
        self, profile: Profile, overall: RollUp, dimensions: dict[str, dict[Id, dict[str, Decimal | None]]]
    ) -> None:
        self.profile = profile
        self.rolled = {"units": overall.units, "agencies": overall.agencies, "regions": overall.regions}
        self.dimensions = dimensions

    def result(self, level: str, entity_id: Id) -> Result | None:
        rolled: RolledScore | None = self.rolled[level].get(entity_id)
        if rolled is None:
            return None
        classification = classify(rolled.score, self.profile)
        return Result(
            score=classification.score,
            zone=classification.zone,
            grade=classification.grade,
            index=classification.index,
            label=classification.label,
            dimensions={
                d_id: None if value is None else round_score(value)
                for d_id, value in self.dimensions[level][entity_id].items()
            },
            visit_ids=rolled.visit_ids,  # type: ignore[arg-type]
        )
