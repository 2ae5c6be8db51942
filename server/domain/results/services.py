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
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Wave
from server.domain.audit.services import AuditLog
from server.domain.results import queries
from server.domain.results.profiles import profile_from_dict
from server.domain.results.values import DimensionInfo, WaveResults
from server.domain.results.wave_results import build_results
from server.domain.review.queries import load_instrument, region_scope
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
        wave = await queries.wave(self.session, wave_id)
        if wave is None:
            raise NotFound("There is no wave with this id.")
        return await self._compute(wave, await region_scope(self.session, self.principal))

    async def public_results(self, wave_id: uuid.UUID) -> WaveResults:
        wave = await queries.wave(self.session, wave_id)
        if wave is None or wave.status != "published":
            raise NotFound("There is no published wave with this id.")
        return await self._compute(wave, None)

    async def published_waves(self) -> list[Wave]:
        return await queries.published_waves(self.session)

    async def publish(self, wave_id: uuid.UUID) -> Publication:
        """Freeze a wave under review: no more decisions, no more visit revisions; its results become public."""
        assert self.principal is not None and self.principal.is_admin  # the route is guarded
        now = clock.now()
        changed = await queries.mark_published(self.session, wave_id, from_status=PUBLISHABLE_FROM, now=now)
        wave = await queries.wave_as_stored(self.session, wave_id)
        if wave is None:
            raise NotFound("There is no wave with this id.")
        if not changed:
            raise WaveStateConflict(
                f"Only a wave in {PUBLISHABLE_FROM} can be published; {wave.name!r} is {wave.status}.",
                field="status",
                wave_status=wave.status,
            )
        unreviewed = await queries.unreviewed_visit_count(self.session, wave_id)
        await AuditLog(self.session).record(
            "wave.published",
            entity_type="wave",
            entity_id=wave_id,
            actor_id=self.principal.id,
            data={"name": wave.name, "unreviewed_visits": unreviewed},
        )
        return Publication(wave=wave, unreviewed_visits=unreviewed)

    async def _compute(self, wave: Wave, scope: frozenset[uuid.UUID] | None) -> WaveResults:
        instrument = await load_instrument(self.session, wave.instrument_id)
        dimensions = [DimensionInfo(id=d.id, title=d.title, weight=d.weight) for d in instrument.dimensions]
        places = await queries.unit_places(self.session, wave.id, scope)
        scores = await queries.approved_scores(self.session, wave.id, scope)
        return build_results(wave, profile_from_dict(wave.profile), dimensions, places, scores)
