"""Results of a wave and its publication (DESIGN.md, "Scoring": roll-up; "Admin, review and results").

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import Text as SqlText
from sqlalchemy import cast, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Region, Unit, Visit, VisitScore, Wave
from server.domain.audit.services import AuditLog
from server.domain.results.profiles import profile_from_dict
from server.domain.results.values import ApprovedScore, DimensionInfo, Id, UnitPlace, WaveResults
from server.domain.results.wave_results import build_results
from server.domain.review.services import in_scope, load_instrument, region_scope
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import NotFound, WaveStateConflict

PUBLISHABLE_FROM = "review"


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
