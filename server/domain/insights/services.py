"""Between waves (issue 8): internal against external results, trends, rankings and improvement plans.

Everything is computed on each read from the scores stored when visits were approved (``visit_scores``), with the
roll-up and classification of the results pages, so a figure here always equals the one on the wave's results.

Which waves count:
- the public sees published waves only;
- supervisors and admins also see waves still in fieldwork or review (their approved visits are scored already); each
  figure names its wave and the wave's status, and ``published_only`` restricts them to published waves.

Scope is the results pages' scope: an admin sees every region, a supervisor the regions they cover. A unit, agency or
region outside the caller's scope is answered exactly like one that does not exist, so an id cannot be probed.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Region, Review, Wave
from server.domain.insights import queries
from server.domain.insights.comparison import agreement
from server.domain.insights.plans import PlanComment, improvement_plan
from server.domain.insights.rankings import competition_ranking, most_improved, points_gained
from server.domain.insights.trends import (
    changes_since_previous_of_same_kind,
    in_period_order,
    indicator_changes,
    latest,
    mean_indicator_scores,
    period_key,
    previous_of_same_kind,
)
from server.domain.insights.values import (
    ChangedIndicators,
    Comparison,
    ComparisonRow,
    ImprovementPlan,
    Level,
    LevelRanking,
    PlanVisit,
    RankEntry,
    RankingFilters,
    Rankings,
    Subject,
    Trend,
    TrendPoint,
    UnitInfo,
    WaveResult,
)
from server.domain.instruments.documents import Instrument
from server.domain.results.profiles import Profile, profile_from_dict
from server.domain.results.rollup import mean_score
from server.domain.results.services import ResultsService
from server.domain.results.values import (
    AgencyResult,
    ApprovedScore,
    DimensionInfo,
    RegionResult,
    Result,
    UnitPlace,
    UnitResult,
    WaveRecord,
    WaveResults,
)
from server.domain.results.wave_results import build_results
from server.domain.results.zoning import Classification, classify
from server.domain.review.queries import load_instrument, region_scope
from server.lib.auth import Principal
from server.lib.errors import NotFound

WAVE_KINDS = ("internal", "external")
VISIBLE_TO_PUBLIC = ("published",)
VISIBLE_TO_REVIEWERS = ("fieldwork", "review", "published")


# --- the service ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ScoredVisit:
    wave_id: uuid.UUID
    visit_id: uuid.UUID
    total: Decimal | None
    unit: UnitInfo
    dimensions: dict[str, Decimal | None]
    indicators: dict[str, Decimal | None]


class InsightsService:
    """``principal`` None is the public: published waves only, every region."""

    def __init__(self, session: AsyncSession, principal: Principal | None = None) -> None:
        self.session = session
        self.principal = principal
        self._profiles: dict[uuid.UUID, Profile] = {}
        self._instruments: dict[uuid.UUID, Instrument] = {}

    # --- internal against external ---------------------------------------------------------------------------

    async def comparison(
        self, *, region_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None, published_only: bool = False
    ) -> Comparison:
        """Per unit of the caller's regions (narrowed to a region or an agency) with any approved visit: its latest
        internal and latest external result, and whether they disagree."""
        scope = await self._scope()
        if region_id is not None:
            await self._region(region_id, scope)
        if agency_id is not None:
            await self._agency(agency_id, scope)
        waves = await self._visible_waves(published_only)
        scored = await self._scored_visits(waves, scope, region_id=region_id, agency_id=agency_id)
        totals: dict[uuid.UUID, dict[uuid.UUID, dict[uuid.UUID, Decimal | None]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        units: dict[uuid.UUID, UnitInfo] = {}
        for row in scored:
            totals[row.unit.id][row.wave_id][row.visit_id] = row.total
            units[row.unit.id] = row.unit
        rows = []
        for unit_id, by_wave in totals.items():
            results = {
                wave_id: result
                for wave_id, visit_totals in by_wave.items()
                if (result := self._unit_result(waves[wave_id], visit_totals)) is not None
            }
            internal, external = (self._latest_of_kind(kind, results, waves) for kind in WAVE_KINDS)
            if internal is None and external is None:
                continue
            rows.append(
                ComparisonRow(
                    unit=units[unit_id],
                    internal=internal,
                    external=external,
                    agreement=agreement(
                        internal.result.score if internal else None,
                        internal.result.zone if internal else None,
                        external.result.score if external else None,
                        external.result.zone if external else None,
                    ),
                )
            )
        rows.sort(key=lambda r: (r.unit.region_name, r.unit.agency_name, r.unit.name, str(r.unit.id)))
        return Comparison(rows=rows)

    # --- trends ----------------------------------------------------------------------------------------------

    async def trend(self, level: Level, entity_id: uuid.UUID, *, published_only: bool = False) -> Trend:
        """The score and zone of a unit, agency or region in every wave it was scored in, in period order."""
        scope = await self._scope()
        subject = await self._subject(level, entity_id, scope)
        waves = await self._visible_waves(published_only)
        scored = await self._scored_visits(
            waves,
            scope,
            with_dimensions=True,
            unit_id=entity_id if level == "unit" else None,
            agency_id=entity_id if level == "agency" else None,
            region_id=entity_id if level == "region" else None,
        )
        by_wave: dict[uuid.UUID, list[_ScoredVisit]] = defaultdict(list)
        for row in scored:
            by_wave[row.wave_id].append(row)
        found: list[tuple[Wave, Result]] = []
        for wave in in_period_order(waves[wave_id] for wave_id in by_wave):
            result = await self._rolled_result(wave, by_wave[wave.id], subject)
            if result is not None:
                found.append((wave, result))
        changes = changes_since_previous_of_same_kind([(wave.kind, result.score) for wave, result in found])
        points = [
            TrendPoint(wave=wave, result=result, change=change)
            for (wave, result), change in zip(found, changes, strict=True)
        ]
        dimensions: list[DimensionInfo] = []
        if points:
            instrument = await self._instrument(points[-1].wave.instrument_id)
            dimensions = [DimensionInfo(id=d.id, title=d.title, weight=d.weight) for d in instrument.dimensions]
        return Trend(subject=subject, dimensions=dimensions, points=points)

    async def changed_indicators(
        self, unit_id: uuid.UUID, *, before_wave_id: uuid.UUID | None = None, after_wave_id: uuid.UUID | None = None
    ) -> ChangedIndicators:
        """The indicators of a unit that changed between two waves it was scored in (default: its last two)."""
        scope = await self._scope()
        subject = await self._subject("unit", unit_id, scope)
        waves = await self._visible_waves(False)
        scored = await self._scored_visits(waves, scope, unit_id=unit_id, with_indicators=True)
        by_wave: dict[uuid.UUID, list[_ScoredVisit]] = defaultdict(list)
        for row in scored:
            by_wave[row.wave_id].append(row)
        unit = _unit_info(subject)
        order = in_period_order(waves[wave_id] for wave_id in by_wave)
        after = self._chosen_wave(after_wave_id, by_wave, waves, "to_wave") or (order[-1] if order else None)
        before = self._chosen_wave(before_wave_id, by_wave, waves, "from_wave")
        if before_wave_id is None and after is not None:
            before = max((w for w in order if period_key(w) < period_key(after)), key=period_key, default=None)
        if after is None:
            return ChangedIndicators(unit=unit, before=None, after=None, changes=None, indicators={})
        instrument = await self._instrument(after.instrument_id)
        indicators = {i.id: (d, i) for d in instrument.dimensions for i in d.indicators}
        after_result = self._unit_result(after, {r.visit_id: r.total for r in by_wave[after.id]})
        if before is None:
            return ChangedIndicators(
                unit=unit, before=None, after=_wave_result(after, after_result), changes=None, indicators=indicators
            )
        before_result = self._unit_result(before, {r.visit_id: r.total for r in by_wave[before.id]})
        changes = indicator_changes(
            mean_indicator_scores(r.indicators for r in by_wave[before.id]),
            mean_indicator_scores(r.indicators for r in by_wave[after.id]),
            list(indicators),
        )
        return ChangedIndicators(
            unit=unit,
            before=_wave_result(before, before_result),
            after=_wave_result(after, after_result),
            changes=changes,
            indicators=indicators,
        )

    # --- rankings --------------------------------------------------------------------------------------------

    async def rankings(self, wave_id: uuid.UUID, filters: RankingFilters) -> Rankings:
        """Units and agencies of a wave ranked by score (within the caller's regions and the filters), and who
        improved most since the wave compared with. The public may rank published waves only."""
        results_service = ResultsService(self.session, self.principal)
        read = results_service.public_results if self.principal is None else results_service.results
        results = await read(wave_id)
        scope = await self._scope()
        if filters.region_id is not None:
            await self._region(filters.region_id, scope)
        previous_wave = await self._wave_compared_with(results.wave, filters.compare_to)
        previous = None if previous_wave is None else await read(previous_wave.id)
        kinds = await self._agency_kinds(agency.id for agency in results.agencies)
        units = [
            _unit_entry(unit, kinds)
            for unit in results.units
            if _passes(unit.region_id, kinds.get(unit.agency_id), filters)
        ]
        agencies = [
            _agency_entry(agency, kinds)
            for agency in results.agencies
            if _passes(agency.region_id, kinds.get(agency.id), filters)
        ]
        return Rankings(
            wave=results.wave,
            previous_wave=previous_wave,
            filters=filters,
            regions=[(region.id, region.name) for region in results.regions],
            agency_kinds=sorted({kind for kind in kinds.values() if kind}),
            units=_level_ranking(units, _previous_results(previous, "units")),
            agencies=_level_ranking(agencies, _previous_results(previous, "agencies")),
        )

    # --- improvement plan ------------------------------------------------------------------------------------

    async def improvement_plan(self, unit_id: uuid.UUID, *, wave_id: uuid.UUID | None = None) -> ImprovementPlan:
        """From the unit's latest approved visit (in ``wave_id`` when given): every indicator not fully met, with
        its evidence photos, the supervisors' comments and the points it would recover."""
        scope = await self._scope()
        unit = _unit_info(await self._subject("unit", unit_id, scope))
        row = await queries.latest_approved_visit(self.session, unit_id, wave_id)
        if row is None:
            return ImprovementPlan(unit=unit, source=None, plan=None)
        visit, wave = row
        instrument = await self._instrument(wave.instrument_id)
        answers = await queries.answers(self.session, visit.id)
        photo_ids: dict[str, list[str]] = defaultdict(list)
        for photo_id, indicator in await queries.stored_photo_indicators(self.session, visit.id):
            photo_ids[indicator].append(str(photo_id))
        reviews = await queries.reviews(self.session, visit.id)
        plan = improvement_plan(instrument, answers, photo_ids, _comments_by_indicator(reviews))
        approval = next((r for r in reversed(reviews) if r.decision == "approve"), None)
        classification = None if plan.total is None else classify(plan.total, self._profile(wave))
        return ImprovementPlan(
            unit=unit,
            source=PlanVisit(
                visit=visit,
                wave=wave,
                classification=classification,
                approved_at=approval.decided_at if approval else None,
                approval_comment=approval.comment if approval else None,
            ),
            plan=plan,
        )

    # --- helpers ---------------------------------------------------------------------------------------------

    async def _scope(self) -> frozenset[uuid.UUID] | None:
        return None if self.principal is None else await region_scope(self.session, self.principal)

    async def _visible_waves(self, published_only: bool) -> dict[uuid.UUID, Wave]:
        statuses = VISIBLE_TO_PUBLIC if self.principal is None or published_only else VISIBLE_TO_REVIEWERS
        return {wave.id: wave for wave in await queries.waves_in(self.session, statuses)}

    async def _region(self, region_id: uuid.UUID, scope: frozenset[uuid.UUID] | None) -> Region:
        region = await queries.region(self.session, region_id)
        if region is None or (scope is not None and region.id not in scope):
            raise NotFound("There is no region with this id that you may see.")
        return region

    async def _agency(self, agency_id: uuid.UUID, scope: frozenset[uuid.UUID] | None) -> tuple[Agency, Region]:
        row = await queries.agency_with_region(self.session, agency_id)
        if row is None or (scope is not None and row.Region.id not in scope):
            raise NotFound("There is no agency with this id that you may see.")
        return row.Agency, row.Region

    async def _subject(self, level: Level, entity_id: uuid.UUID, scope: frozenset[uuid.UUID] | None) -> Subject:
        if level == "region":
            region = await self._region(entity_id, scope)
            return Subject(level=level, id=region.id, name=region.name, agency=None, region=region)
        if level == "agency":
            agency, region = await self._agency(entity_id, scope)
            return Subject(level=level, id=agency.id, name=agency.name, agency=agency, region=region)
        row = await queries.unit_with_places(self.session, entity_id)
        if row is None or (scope is not None and row.Region.id not in scope):
            raise NotFound("There is no unit with this id that you may see.")
        return Subject(
            level=level,
            id=row.Unit.id,
            name=row.Unit.name,
            agency=row.Agency,
            region=row.Region,
            address=row.Unit.address,
        )

    async def _scored_visits(
        self,
        waves: dict[uuid.UUID, Wave],
        scope: frozenset[uuid.UUID] | None,
        *,
        unit_id: uuid.UUID | None = None,
        agency_id: uuid.UUID | None = None,
        region_id: uuid.UUID | None = None,
        with_dimensions: bool = False,
        with_indicators: bool = False,
    ) -> list[_ScoredVisit]:
        """The approved visits' scores in these waves and the caller's scope, narrowed to a unit, agency or region;
        dimension and indicator scores only when asked for (they are most of each row)."""
        if not waves:
            return []
        rows = await queries.approved_score_rows(
            self.session,
            list(waves),
            scope,
            unit_id=unit_id,
            agency_id=agency_id,
            region_id=region_id,
            with_dimensions=with_dimensions,
            with_indicators=with_indicators,
        )
        return [
            _ScoredVisit(
                wave_id=wave_id,
                visit_id=visit_id,
                total=None if total is None else Decimal(total),
                unit=UnitInfo(
                    id=row_unit_id,
                    name=unit_name,
                    address=address,
                    agency_id=row_agency_id,
                    agency_name=agency_name,
                    agency_kind=agency_kind,
                    region_id=row_region_id,
                    region_name=region_name,
                ),
                dimensions=_decimals(dimensions),
                indicators=_decimals(indicators),
            )
            for (
                wave_id,
                visit_id,
                total,
                row_unit_id,
                unit_name,
                address,
                row_agency_id,
                agency_name,
                agency_kind,
                row_region_id,
                region_name,
                dimensions,
                indicators,
            ) in rows
        ]

    def _profile(self, wave: Wave) -> Profile:
        if wave.id not in self._profiles:
            self._profiles[wave.id] = profile_from_dict(wave.profile)
        return self._profiles[wave.id]

    async def _instrument(self, instrument_id: uuid.UUID) -> Instrument:
        if instrument_id not in self._instruments:
            self._instruments[instrument_id] = await load_instrument(self.session, instrument_id)
        return self._instruments[instrument_id]

    @staticmethod
    def _latest_of_kind(kind: str, results: dict[uuid.UUID, Result], waves: dict[uuid.UUID, Wave]) -> WaveResult | None:
        wave = latest(waves[wave_id] for wave_id in results if waves[wave_id].kind == kind)
        return None if wave is None else WaveResult(wave=wave, result=results[wave.id])

    def _unit_result(self, wave: Wave, visit_totals: dict[uuid.UUID, Decimal | None]) -> Result | None:
        scored = {visit_id: total for visit_id, total in visit_totals.items() if total is not None}
        score = mean_score(scored.values())
        if score is None:
            return None
        return _result(classify(score, self._profile(wave)), {}, tuple(sorted(str(v) for v in scored)))

    async def _rolled_result(self, wave: Wave, rows: Sequence[_ScoredVisit], subject: Subject) -> Result | None:
        """The subject's result in one wave, rolled up by the results pages' own code from these visits."""
        instrument = await self._instrument(wave.instrument_id)
        places = {
            row.unit.id: UnitPlace(
                unit_id=str(row.unit.id),
                unit_name=row.unit.name,
                address=row.unit.address,
                lat=None,
                lon=None,
                agency_id=str(row.unit.agency_id),
                agency_name=row.unit.agency_name,
                region_id=str(row.unit.region_id),
                region_name=row.unit.region_name,
                region_code="",
            )
            for row in rows
        }
        results = build_results(
            wave,
            self._profile(wave),
            [DimensionInfo(id=d.id, title=d.title, weight=d.weight) for d in instrument.dimensions],
            list(places.values()),
            [
                ApprovedScore(
                    visit_id=str(row.visit_id), unit_id=str(row.unit.id), total=row.total, dimensions=row.dimensions
                )
                for row in rows
            ],
        )
        by_level: dict[str, Sequence[UnitResult | AgencyResult | RegionResult]] = {
            "unit": results.units,
            "agency": results.agencies,
            "region": results.regions,
        }
        level_rows = by_level[subject.level]
        return next((row.result for row in level_rows if row.id == str(subject.id)), None)

    def _chosen_wave(
        self,
        wave_id: uuid.UUID | None,
        by_wave: dict[uuid.UUID, list[_ScoredVisit]],
        waves: dict[uuid.UUID, Wave],
        field_name: str,
    ) -> Wave | None:
        if wave_id is None:
            return None
        if wave_id not in by_wave:
            raise NotFound("The unit has no approved visit in this wave.", field=field_name)
        return waves[wave_id]

    async def _wave_compared_with(self, wave: WaveRecord, compare_to: uuid.UUID | None) -> Wave | None:
        visible = await self._visible_waves(False)
        if compare_to is None:
            return previous_of_same_kind(wave, visible.values())
        if compare_to not in visible or compare_to == wave.id:
            raise NotFound("There is no other wave with this id to compare with.", field="compare_to")
        return visible[compare_to]

    async def _agency_kinds(self, agency_ids: Iterable[str]) -> dict[str, str | None]:
        ids = [uuid.UUID(agency_id) for agency_id in agency_ids]
        if not ids:
            return {}
        return await queries.agency_kinds(self.session, ids)


def _unit_info(subject: Subject) -> UnitInfo:
    assert subject.agency is not None  # a unit's subject always carries its agency
    return UnitInfo(
        id=subject.id,
        name=subject.name,
        address=subject.address,
        agency_id=subject.agency.id,
        agency_name=subject.agency.name,
        agency_kind=subject.agency.kind,
        region_id=subject.region.id,
        region_name=subject.region.name,
        region_timezone=subject.region.timezone,
    )


def _decimals(scores: dict[str, Any] | None) -> dict[str, Decimal | None]:
    # Stored as strings so that every digit survives JSON.
    return {key: None if value is None else Decimal(value) for key, value in (scores or {}).items()}


def _result(
    classification: Classification, dimensions: dict[str, Decimal | None], visit_ids: tuple[str, ...]
) -> Result:
    return Result(
        score=classification.score,
        zone=classification.zone,
        grade=classification.grade,
        index=classification.index,
        label=classification.label,
        dimensions=dimensions,
        visit_ids=visit_ids,
    )


def _wave_result(wave: Wave, result: Result | None) -> WaveResult | None:
    return None if result is None else WaveResult(wave=wave, result=result)


def _comments_by_indicator(reviews: Sequence[Review]) -> dict[str, list[PlanComment]]:
    comments: dict[str, list[PlanComment]] = defaultdict(list)
    for review in reviews:
        for comment in review.indicator_comments or []:
            if isinstance(comment, dict) and comment.get("indicator") and comment.get("text"):
                comments[comment["indicator"]].append(
                    PlanComment(text=comment["text"], decision=review.decision, decided_at=review.decided_at)
                )
    return comments


# --- rankings, pure parts ----------------------------------------------------------------------------------------


def _passes(region_id: str, agency_kind: str | None, filters: RankingFilters) -> bool:
    if filters.region_id is not None and region_id != str(filters.region_id):
        return False
    return filters.agency_kind is None or agency_kind == filters.agency_kind


def _unit_entry(unit: UnitResult, kinds: dict[str, str | None]) -> RankEntry:
    return RankEntry(
        id=unit.id,
        name=unit.name,
        agency_id=unit.agency_id,
        agency_name=unit.agency_name,
        agency_kind=kinds.get(unit.agency_id),
        region_id=unit.region_id,
        region_name=unit.region_name,
        result=unit.result,
        previous=None,
        change=None,
    )


def _agency_entry(agency: AgencyResult, kinds: dict[str, str | None]) -> RankEntry:
    return RankEntry(
        id=agency.id,
        name=agency.name,
        agency_id=None,
        agency_name=None,
        agency_kind=kinds.get(agency.id),
        region_id=agency.region_id,
        region_name=agency.region_name,
        result=agency.result,
        previous=None,
        change=None,
    )


def _previous_results(previous: WaveResults | None, level: str) -> dict[str, Result]:
    if previous is None:
        return {}
    rows: list[Any] = previous.units if level == "units" else previous.agencies
    return {row.id: row.result for row in rows if row.result is not None}


def _level_ranking(entries: list[RankEntry], previous: dict[str, Result]) -> LevelRanking:
    scored = [entry for entry in entries if entry.result is not None]
    gains = points_gained(
        {e.id: e.result.score for e in scored if e.result}, {key: result.score for key, result in previous.items()}
    )
    compared = {e.id: dataclasses.replace(e, previous=previous.get(e.id), change=gains.get(e.id)) for e in scored}

    def by_name(entry: RankEntry) -> tuple[str, ...]:
        return entry.name, entry.id

    ranked = competition_ranking(compared.values(), lambda e: e.result.score if e.result else Decimal(0), by_name)
    return LevelRanking(
        ranked=ranked,
        unscored=[entry for entry in entries if entry.result is None],
        most_improved=most_improved(gains, compared, by_name),
    )
