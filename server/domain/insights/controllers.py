"""HTTP for what happens between waves: internal against external results, trends, indicator changes, rankings
("kompetisi") and improvement plans.

Figures are decimal strings: 0–100 scores, points and changes with exactly 2 decimals ("80.99", "-3.25"; a change is
"now minus before", positive means better), the IPP ``index`` on 0–5 with 2, indicator scores on 0–1 with 4
("0.6667"). ``zone`` is green|yellow|red (null for ``panrb-ipp``), ``zone_name`` its Indonesian name. Every wave is
named with its ``kind`` (internal|external) and ``status``: supervisors and admins also see waves not yet published,
the public only published ones. The reviewers' answers name the visits behind each score; the public ones name none.
"""

from __future__ import annotations

import re
import uuid
from typing import TypedDict

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.insights.exports import indicator_score_text, photo_url, plan_csv, points_text, rankings_csv
from server.domain.insights.plans import PlanDimension, PlanItem
from server.domain.insights.rankings import Standing
from server.domain.insights.schemas import (
    AgencyWithKind,
    ChangesOut,
    ComparisonOut,
    ComparisonSummaryOut,
    ComparisonUnitOut,
    ImprovedOut,
    IndicatorChangeOut,
    LevelRankingOut,
    PlanAnswerOut,
    PlanCommentOut,
    PlanDimensionOut,
    PlanItemOut,
    PlanOut,
    PlanPhotoOut,
    PlanVisitOut,
    PublicLevelRankingOut,
    PublicRankedOut,
    PublicRankingsOut,
    PublicTrendOut,
    PublicTrendPointOut,
    RankedOut,
    RankingFiltersOut,
    RankingsOut,
    TrendOut,
    TrendPointOut,
    TrendSubjectOut,
    UnitRef,
    UnscoredOut,
    WaveResultOut,
    WaveSummary,
)
from server.domain.insights.services import InsightsService
from server.domain.insights.trends import IndicatorChange
from server.domain.insights.values import (
    ChangedIndicators,
    Comparison,
    ImprovementPlan,
    Level,
    LevelRanking,
    PlanVisit,
    RankEntry,
    RankingFilters,
    Rankings,
    Trend,
    TrendPoint,
    UnitInfo,
    WaveResult,
)
from server.domain.results.schemas import ClassifiedShaper, PlaceRef, ResultDimension, dimension_texts
from server.domain.results.values import Result, WaveRecord
from server.lib.auth import Principal, reviewers

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
PUBLISHED_ONLY = Parameter(default=False, description="only published waves (the public sees nothing else)")


# --- shaping ------------------------------------------------------------------------------------------------------


def _wave_summary(wave: WaveRecord) -> WaveSummary:
    return WaveSummary(
        id=wave.id,
        name=wave.name,
        kind=wave.kind,
        status=wave.status,
        profile_key=wave.profile_key,
        period_start=wave.period_start,
        period_end=wave.period_end,
        published_at=wave.published_at,
    )


def _wave_result_out(found: WaveResult | None, shape: ClassifiedShaper) -> WaveResultOut | None:
    if found is None:
        return None
    c = shape.scored_fields(found.result)
    return WaveResultOut(
        wave=_wave_summary(found.wave),
        visit_ids=list(found.result.visit_ids),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _agency_with_kind(unit: UnitInfo) -> AgencyWithKind:
    return AgencyWithKind(id=str(unit.agency_id), name=unit.agency_name, kind=unit.agency_kind)


def _unit_ref(unit: UnitInfo) -> UnitRef:
    return UnitRef(
        id=str(unit.id),
        name=unit.name,
        address=unit.address,
        agency=_agency_with_kind(unit),
        region=PlaceRef(id=str(unit.region_id), name=unit.region_name),
    )


def _comparison_out(comparison: Comparison) -> ComparisonOut:
    shape = ClassifiedShaper()
    units = [
        ComparisonUnitOut(
            id=str(row.unit.id),
            name=row.unit.name,
            agency=_agency_with_kind(row.unit),
            region=PlaceRef(id=str(row.unit.region_id), name=row.unit.region_name),
            internal=_wave_result_out(row.internal, shape),
            external=_wave_result_out(row.external, shape),
            difference=points_text(row.agreement.difference),
            zone_steps=row.agreement.zone_steps,
            disagrees=row.agreement.disagrees,
        )
        for row in comparison.rows
    ]
    return ComparisonOut(
        units=units,
        summary=ComparisonSummaryOut(
            units=len(units),
            with_both=sum(1 for u in units if u.internal and u.external),
            disagreeing=sum(1 for u in units if u.disagrees),
        ),
    )


def _subject_out(trend: Trend) -> TrendSubjectOut:
    subject = trend.subject
    agency = (
        None
        if subject.agency is None
        else AgencyWithKind(id=str(subject.agency.id), name=subject.agency.name, kind=subject.agency.kind)
    )
    return TrendSubjectOut(
        level=subject.level,
        id=str(subject.id),
        name=subject.name,
        agency=agency,
        region=PlaceRef(id=str(subject.region.id), name=subject.region.name),
    )


def _trend_dimensions(trend: Trend) -> list[ResultDimension]:
    return [ResultDimension(id=d.id, title=d.title, weight=d.weight) for d in trend.dimensions]


def _trend_point_out(point: TrendPoint, shape: ClassifiedShaper) -> TrendPointOut:
    c = shape.scored_fields(point.result)
    return TrendPointOut(
        wave=_wave_summary(point.wave),
        dimensions=dimension_texts(point.result.dimensions),
        change=points_text(point.change),
        visit_ids=list(point.result.visit_ids),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _public_trend_point_out(point: TrendPoint, shape: ClassifiedShaper) -> PublicTrendPointOut:
    c = shape.scored_fields(point.result)
    return PublicTrendPointOut(
        wave=_wave_summary(point.wave),
        dimensions=dimension_texts(point.result.dimensions),
        change=points_text(point.change),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _trend_out(trend: Trend) -> TrendOut:
    shape = ClassifiedShaper()
    return TrendOut(
        subject=_subject_out(trend),
        dimensions=_trend_dimensions(trend),
        points=[_trend_point_out(p, shape) for p in trend.points],
    )


def _public_trend_out(trend: Trend) -> PublicTrendOut:
    shape = ClassifiedShaper()
    return PublicTrendOut(
        subject=_subject_out(trend),
        dimensions=_trend_dimensions(trend),
        points=[_public_trend_point_out(p, shape) for p in trend.points],
    )


def _changes_out(found: ChangedIndicators) -> ChangesOut:
    def shaped(changes: list[IndicatorChange]) -> list[IndicatorChangeOut]:
        return [
            IndicatorChangeOut(
                indicator=c.indicator,
                dimension=found.indicators[c.indicator][0].id,
                text=found.indicators[c.indicator][1].text,
                before=indicator_score_text(c.before) or "",
                after=indicator_score_text(c.after) or "",
            )
            for c in changes
        ]

    changes, shape = found.changes, ClassifiedShaper()
    return ChangesOut(
        unit=_unit_ref(found.unit),
        from_wave=_wave_result_out(found.before, shape),
        to_wave=_wave_result_out(found.after, shape),
        newly_compliant=shaped(changes.newly_compliant) if changes else [],
        newly_failing=shaped(changes.newly_failing) if changes else [],
        improved=shaped(changes.improved) if changes else [],
        declined=shaped(changes.declined) if changes else [],
        unchanged=changes.unchanged if changes else 0,
    )


def _agency_of(entry: RankEntry) -> PlaceRef | None:
    return None if entry.agency_id is None else PlaceRef(id=entry.agency_id, name=entry.agency_name or "")


def _region_of(entry: RankEntry) -> PlaceRef:
    return PlaceRef(id=entry.region_id, name=entry.region_name)


def _scored(standing: Standing[RankEntry]) -> Result:
    result = standing.entry.result
    assert result is not None  # only scored entries are ranked
    return result


def _previous_score(entry: RankEntry) -> str | None:
    return None if entry.previous is None else str(entry.previous.score)


def _ranked_out(standing: Standing[RankEntry], shape: ClassifiedShaper) -> RankedOut:
    entry, result = standing.entry, _scored(standing)
    c = shape.scored_fields(result)
    return RankedOut(
        rank=standing.rank,
        tied=standing.tied,
        id=entry.id,
        name=entry.name,
        agency=_agency_of(entry),
        agency_kind=entry.agency_kind,
        region=_region_of(entry),
        previous_score=_previous_score(entry),
        change=points_text(entry.change),
        visit_ids=list(result.visit_ids),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _public_ranked_out(standing: Standing[RankEntry], shape: ClassifiedShaper) -> PublicRankedOut:
    # Built field by field, never by removing fields from the reviewers' entry, so that evidence added there later
    # cannot leak here by accident.
    entry = standing.entry
    c = shape.scored_fields(_scored(standing))
    return PublicRankedOut(
        rank=standing.rank,
        tied=standing.tied,
        id=entry.id,
        name=entry.name,
        agency=_agency_of(entry),
        agency_kind=entry.agency_kind,
        region=_region_of(entry),
        previous_score=_previous_score(entry),
        change=points_text(entry.change),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _unscored_out(entry: RankEntry) -> UnscoredOut:
    return UnscoredOut(
        id=entry.id,
        name=entry.name,
        agency=_agency_of(entry),
        agency_kind=entry.agency_kind,
        region=_region_of(entry),
    )


def _improved_out(standing: Standing[RankEntry]) -> ImprovedOut:
    entry = standing.entry
    assert entry.result is not None and entry.previous is not None  # only entries scored in both improve
    return ImprovedOut(
        rank=standing.rank,
        tied=standing.tied,
        id=entry.id,
        name=entry.name,
        agency=_agency_of(entry),
        agency_kind=entry.agency_kind,
        region=_region_of(entry),
        previous_score=str(entry.previous.score),
        score=str(entry.result.score),
        change=points_text(entry.change) or "",
    )


def _level_out(ranking: LevelRanking, shape: ClassifiedShaper) -> LevelRankingOut:
    return LevelRankingOut(
        ranked=[_ranked_out(s, shape) for s in ranking.ranked],
        unscored=[_unscored_out(e) for e in ranking.unscored],
        most_improved=[_improved_out(s) for s in ranking.most_improved],
    )


def _public_level_out(ranking: LevelRanking, shape: ClassifiedShaper) -> PublicLevelRankingOut:
    return PublicLevelRankingOut(
        ranked=[_public_ranked_out(s, shape) for s in ranking.ranked],
        unscored=[_unscored_out(e) for e in ranking.unscored],
        most_improved=[_improved_out(s) for s in ranking.most_improved],
    )


class _RankingsHead(TypedDict):
    wave: WaveSummary
    previous_wave: WaveSummary | None
    filters: RankingFiltersOut
    regions: list[PlaceRef]
    agency_kinds: list[str]


def _rankings_head(rankings: Rankings) -> _RankingsHead:
    filters = rankings.filters
    return _RankingsHead(
        wave=_wave_summary(rankings.wave),
        previous_wave=None if rankings.previous_wave is None else _wave_summary(rankings.previous_wave),
        filters=RankingFiltersOut(
            region=None if filters.region_id is None else str(filters.region_id),
            agency_kind=filters.agency_kind,
            compare_to=None if filters.compare_to is None else str(filters.compare_to),
        ),
        regions=[PlaceRef(id=region_id, name=name) for region_id, name in rankings.regions],
        agency_kinds=rankings.agency_kinds,
    )


def _rankings_out(rankings: Rankings) -> RankingsOut:
    shape = ClassifiedShaper()
    return RankingsOut(
        units=_level_out(rankings.units, shape),
        agencies=_level_out(rankings.agencies, shape),
        **_rankings_head(rankings),
    )


def _public_rankings_out(rankings: Rankings) -> PublicRankingsOut:
    shape = ClassifiedShaper()
    return PublicRankingsOut(
        units=_public_level_out(rankings.units, shape),
        agencies=_public_level_out(rankings.agencies, shape),
        **_rankings_head(rankings),
    )


def _plan_visit_out(source: PlanVisit) -> PlanVisitOut:
    c = ClassifiedShaper().result_fields(source.classification)
    return PlanVisitOut(
        id=source.visit.id,
        wave=_wave_summary(source.wave),
        finished_at=source.visit.finished_at,
        approved_at=source.approved_at,
        approval_comment=source.approval_comment,
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _plan_item_out(item: PlanItem) -> PlanItemOut:
    return PlanItemOut(
        indicator=item.indicator.id,
        text=item.indicator.text,
        guidance=item.indicator.guidance,
        type=item.indicator.type,
        weight=item.indicator.weight,
        answer=PlanAnswerOut(
            value=None if item.answer is None else item.answer.value,
            not_applicable=bool(item.answer and item.answer.not_applicable),
            note=getattr(item.answer, "note", None),
            text=item.answer_text,
        ),
        score=indicator_score_text(item.score) or "",
        points_recoverable=points_text(item.points) or "",
        photos=[
            PlanPhotoOut(id=uuid.UUID(p), thumb=photo_url(p, "thumb"), display=photo_url(p, "display"))
            for p in item.photo_ids
        ],
        comments=[PlanCommentOut(text=c.text, decision=c.decision, decided_at=c.decided_at) for c in item.comments],
    )


def _plan_dimension_out(dimension: PlanDimension) -> PlanDimensionOut:
    return PlanDimensionOut(
        id=dimension.dimension.id,
        title=dimension.dimension.title,
        weight=dimension.dimension.weight,
        score=points_text(dimension.score),
        points_recoverable=points_text(dimension.points) or "",
        items=[_plan_item_out(item) for item in dimension.items],
    )


def _plan_out(found: ImprovementPlan) -> PlanOut:
    plan = found.plan
    return PlanOut(
        unit=_unit_ref(found.unit),
        timezone=found.unit.region_timezone,
        visit=None if found.source is None else _plan_visit_out(found.source),
        points_recoverable=None if plan is None else points_text(plan.points),
        dimensions=[] if plan is None else [_plan_dimension_out(d) for d in plan.dimensions],
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "x"


def _csv_attachment(content: bytes, filename: str) -> Response[bytes]:
    return Response(
        content=content,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _filters(region: uuid.UUID | None, agency_kind: str | None, compare_to: uuid.UUID | None) -> RankingFilters:
    return RankingFilters(region_id=region, agency_kind=agency_kind or None, compare_to=compare_to)


_AGENCY_KIND = Parameter(default=None, max_length=64, description="only agencies of this kind (exact match)")
_REGION = Parameter(default=None, description="only units and agencies of this region")
_COMPARE_TO = Parameter(
    default=None, description="measure improvement against this wave instead of the previous wave of the same kind"
)


# --- routes -------------------------------------------------------------------------------------------------------


class InsightsController(Controller):
    path = "/api/insights"
    tags = ["insights"]
    guards = [reviewers]

    @get(
        "/comparison",
        summary="Internal against external: each unit's latest internal and external result",
        description="Units of the caller's regions (or of ``region`` / ``agency``) with an approved visit in any "
        "wave. ``disagrees`` marks units whose two zones are more than one step apart (green against "
        "red); ``difference`` is internal minus external in points.",
    )
    async def comparison(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        region: FromQuery[uuid.UUID | None] = None,
        agency: FromQuery[uuid.UUID | None] = None,
        published_only: bool = PUBLISHED_ONLY,
    ) -> ComparisonOut:
        return _comparison_out(
            await InsightsService(db_session, principal).comparison(
                region_id=region, agency_id=agency, published_only=published_only
            )
        )

    @get("/units/{unit_id:uuid}/trend", summary="A unit's score and zone in every wave, in period order")
    async def unit_trend(
        self,
        unit_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        published_only: bool = PUBLISHED_ONLY,
    ) -> TrendOut:
        return await self._trend("unit", unit_id, db_session, principal, published_only)

    @get("/agencies/{agency_id:uuid}/trend", summary="An agency's score and zone in every wave, in period order")
    async def agency_trend(
        self,
        agency_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        published_only: bool = PUBLISHED_ONLY,
    ) -> TrendOut:
        return await self._trend("agency", agency_id, db_session, principal, published_only)

    @get("/regions/{region_id:uuid}/trend", summary="A region's score and zone in every wave, in period order")
    async def region_trend(
        self,
        region_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        published_only: bool = PUBLISHED_ONLY,
    ) -> TrendOut:
        return await self._trend("region", region_id, db_session, principal, published_only)

    @get(
        "/units/{unit_id:uuid}/changes",
        summary="The indicators of a unit that changed between two waves",
        description="Default: the last two waves the unit was scored in. Newly compliant: below 1 before, 1 after; "
        "newly failing: 1 before, below 1 after. 404 when the unit has no approved visit in a wave "
        "named.",
    )
    async def changes(
        self,
        unit_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        from_wave: FromQuery[uuid.UUID | None] = None,
        to_wave: FromQuery[uuid.UUID | None] = None,
    ) -> ChangesOut:
        return _changes_out(
            await InsightsService(db_session, principal).changed_indicators(
                unit_id, before_wave_id=from_wave, after_wave_id=to_wave
            )
        )

    @get(
        "/units/{unit_id:uuid}/plan",
        summary="A unit's improvement plan from its latest approved visit",
        description="Every indicator not fully met, grouped by dimension, most recoverable points first, with "
        "its evidence photos, the supervisors' comments and the instrument's guidance. ``wave`` "
        "takes the latest approved visit of that wave instead.",
    )
    async def plan(
        self,
        unit_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        wave: FromQuery[uuid.UUID | None] = None,
    ) -> PlanOut:
        return _plan_out(await InsightsService(db_session, principal).improvement_plan(unit_id, wave_id=wave))

    @get(
        "/units/{unit_id:uuid}/plan.csv",
        summary="The improvement plan as CSV: one row per indicator",
        media_type=CSV_MEDIA_TYPE,
    )
    async def plan_csv(
        self,
        unit_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        wave: FromQuery[uuid.UUID | None] = None,
    ) -> Response[bytes]:
        found = await InsightsService(db_session, principal).improvement_plan(unit_id, wave_id=wave)
        return _csv_attachment(plan_csv(found), f"rencana-perbaikan-{_slug(found.unit.name)}.csv")

    async def _trend(
        self,
        level: Level,
        entity_id: uuid.UUID,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        published_only: bool,
    ) -> TrendOut:
        return _trend_out(
            await InsightsService(db_session, principal).trend(level, entity_id, published_only=published_only)
        )


class RankingsController(Controller):
    path = "/api/waves/{wave_id:uuid}"
    tags = ["insights"]
    guards = [reviewers]

    @get(
        "/rankings",
        summary="Units and agencies ranked by score within the wave, and the most improved",
        description='Within the caller\'s regions and the filters. Ties share a rank ("1, 2, 2, 4") and are '
        "marked ``tied``. Improvement is measured against ``compare_to`` or the previous wave of the "
        "same kind (``previous_wave``).",
    )
    async def rankings(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        region: uuid.UUID | None = _REGION,
        agency_kind: str | None = _AGENCY_KIND,
        compare_to: uuid.UUID | None = _COMPARE_TO,
    ) -> RankingsOut:
        return _rankings_out(
            await InsightsService(db_session, principal).rankings(wave_id, _filters(region, agency_kind, compare_to))
        )

    @get(
        "/rankings.csv",
        summary="The rankings as CSV: one row per unit and agency (column `level`)",
        media_type=CSV_MEDIA_TYPE,
    )
    async def rankings_csv(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        region: uuid.UUID | None = _REGION,
        agency_kind: str | None = _AGENCY_KIND,
        compare_to: uuid.UUID | None = _COMPARE_TO,
    ) -> Response[bytes]:
        rankings = await InsightsService(db_session, principal).rankings(
            wave_id, _filters(region, agency_kind, compare_to)
        )
        return _csv_attachment(rankings_csv(rankings, with_visits=True), f"peringkat-{_slug(rankings.wave.name)}.csv")


class PublicInsightsController(Controller):
    path = "/api/public"
    tags = ["public"]
    security = [{}]  # no login

    @get(
        "/waves/{wave_id:uuid}/rankings",
        summary="Rankings of a published wave; no evidence, no names",
        description="As the reviewers' rankings, over every region, without the visits behind the scores. "
        "Improvement is measured against published waves only.",
    )
    async def rankings(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        region: uuid.UUID | None = _REGION,
        agency_kind: str | None = _AGENCY_KIND,
        compare_to: uuid.UUID | None = _COMPARE_TO,
    ) -> PublicRankingsOut:
        return _public_rankings_out(
            await InsightsService(db_session).rankings(wave_id, _filters(region, agency_kind, compare_to))
        )

    @get("/waves/{wave_id:uuid}/rankings.csv", summary="Rankings of a published wave as CSV", media_type=CSV_MEDIA_TYPE)
    async def rankings_csv(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        region: uuid.UUID | None = _REGION,
        agency_kind: str | None = _AGENCY_KIND,
        compare_to: uuid.UUID | None = _COMPARE_TO,
    ) -> Response[bytes]:
        rankings = await InsightsService(db_session).rankings(wave_id, _filters(region, agency_kind, compare_to))
        return _csv_attachment(rankings_csv(rankings, with_visits=False), f"peringkat-{_slug(rankings.wave.name)}.csv")

    @get("/units/{unit_id:uuid}/trend", summary="A unit's score and zone in every published wave")
    async def unit_trend(
        self, unit_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> PublicTrendOut:
        return _public_trend_out(await InsightsService(db_session).trend("unit", unit_id))

    @get("/agencies/{agency_id:uuid}/trend", summary="An agency's score and zone in every published wave")
    async def agency_trend(
        self, agency_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> PublicTrendOut:
        return _public_trend_out(await InsightsService(db_session).trend("agency", agency_id))

    @get("/regions/{region_id:uuid}/trend", summary="A region's score and zone in every published wave")
    async def region_trend(
        self, region_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> PublicTrendOut:
        return _public_trend_out(await InsightsService(db_session).trend("region", region_id))


INSIGHTS_CONTROLLERS = [InsightsController, RankingsController, PublicInsightsController]
