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
from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get
from litestar.params import FromPath, FromQuery, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Wave
from server.domain.insights.exports import (
    indicator_score_text,
    photo_url,
    plan_csv,
    points_text,
    rankings_csv,
)
from server.domain.insights.rankings import Standing
from server.domain.insights.services import InsightsService
from server.domain.insights.trends import IndicatorChange
from server.domain.insights.values import (
    ChangedIndicators,
    Comparison,
    ImprovementPlan,
    Level,
    LevelRanking,
    RankEntry,
    RankingFilters,
    Rankings,
    Trend,
    UnitInfo,
    WaveResult,
)
from server.domain.instruments.documents import Text
from server.domain.results.controllers import IdText, PlaceRef, ResultDimension, ResultLabel
from server.domain.results.values import Result
from server.domain.results.zoning import zone_name_id
from server.lib.auth import Principal, reviewers

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
PUBLISHED_ONLY = Parameter(default=False, description="only published waves (the public sees nothing else)")


# --- answer shapes -----------------------------------------------------------------------------------------------


class WaveSummary(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: Annotated[
        str, msgspec.Meta(description="internal (the region's own assessment team) or external (the assessor's survey)")
    ]
    status: str
    profile_key: str
    period_start: date
    period_end: date
    published_at: datetime | None


class AgencyWithKind(msgspec.Struct):
    id: IdText
    name: str
    kind: str | None


class UnitRef(msgspec.Struct):
    id: IdText
    name: str
    address: str
    agency: AgencyWithKind
    region: PlaceRef


class WaveResultOut(msgspec.Struct):
    wave: WaveSummary
    score: str
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel
    visit_ids: list[IdText]


class ComparisonUnitOut(msgspec.Struct):
    id: IdText
    name: str
    agency: AgencyWithKind
    region: PlaceRef
    internal: Annotated[
        WaveResultOut | None,
        msgspec.Meta(description="the latest internal wave in which the unit has an approved visit"),
    ]
    external: WaveResultOut | None
    difference: Annotated[
        str | None,
        msgspec.Meta(description="internal minus external score in points; positive when the unit rated itself higher"),
    ]
    zone_steps: Annotated[
        int | None,
        msgspec.Meta(
            description="how many zone steps (red < yellow < green) apart the two results are; null unless both have a "
            "zone"
        ),
    ]
    disagrees: Annotated[
        bool, msgspec.Meta(description="the zones are more than one step apart: one green, the other red")
    ]


class ComparisonSummaryOut(msgspec.Struct):
    units: int
    with_both: Annotated[int, msgspec.Meta(description="units with an internal and an external result")]
    disagreeing: int


class ComparisonOut(msgspec.Struct):
    units: list[ComparisonUnitOut]
    summary: ComparisonSummaryOut


class TrendSubjectOut(msgspec.Struct):
    level: Annotated[str, msgspec.Meta(description="unit, agency or region")]
    id: IdText
    name: str
    agency: Annotated[
        AgencyWithKind | None, msgspec.Meta(description="the unit's agency; for an agency, itself; null for a region")
    ]
    region: PlaceRef


class TrendPointOut(msgspec.Struct):
    wave: WaveSummary
    score: str
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel
    dimensions: dict[str, str | None]
    change: Annotated[
        str | None,
        msgspec.Meta(
            description="score minus the previous point of the same wave kind; null for the first of its kind"
        ),
    ]
    visit_ids: list[IdText]


class TrendOut(msgspec.Struct):
    subject: TrendSubjectOut
    dimensions: Annotated[
        list[ResultDimension], msgspec.Meta(description="the dimensions of the newest point's instrument")
    ]
    points: Annotated[
        list[TrendPointOut],
        msgspec.Meta(
            description="every wave the subject was scored in, in period order (internal and external together)"
        ),
    ]


class PublicTrendPointOut(msgspec.Struct):
    wave: WaveSummary
    score: str
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel
    dimensions: dict[str, str | None]
    change: str | None


class PublicTrendOut(msgspec.Struct):
    subject: TrendSubjectOut
    dimensions: list[ResultDimension]
    points: list[PublicTrendPointOut]


class IndicatorChangeOut(msgspec.Struct):
    indicator: str
    dimension: str
    text: Text
    before: Annotated[
        str,
        msgspec.Meta(description="0–1 indicator score in the earlier wave (mean of the unit's approved visits there)"),
    ]
    after: str


class ChangesOut(msgspec.Struct):
    unit: UnitRef
    from_wave: WaveResultOut | None
    to_wave: WaveResultOut | None
    newly_compliant: Annotated[
        list[IndicatorChangeOut], msgspec.Meta(description="below 1 before, fully met (1) after")
    ]
    newly_failing: Annotated[list[IndicatorChangeOut], msgspec.Meta(description="fully met before, below 1 after")]
    improved: Annotated[list[IndicatorChangeOut], msgspec.Meta(description="better but still not fully met")]
    declined: Annotated[list[IndicatorChangeOut], msgspec.Meta(description="worse, and not fully met before either")]
    unchanged: int


class RankedOut(msgspec.Struct):
    rank: Annotated[
        int,
        msgspec.Meta(
            description='standard competition ranking: tied entries share a rank, the next rank skips ("1, 2, 2, 4")'
        ),
    ]
    tied: bool
    id: IdText
    name: str
    agency: Annotated[PlaceRef | None, msgspec.Meta(description="a unit's agency; null for an agency")]
    agency_kind: str | None
    region: PlaceRef
    score: str
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel
    previous_score: Annotated[
        str | None, msgspec.Meta(description="the score in the wave compared with (``previous_wave``)")
    ]
    change: str | None
    visit_ids: list[IdText]


class PublicRankedOut(msgspec.Struct):
    rank: int
    tied: bool
    id: IdText
    name: str
    agency: PlaceRef | None
    agency_kind: str | None
    region: PlaceRef
    score: str
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel
    previous_score: str | None
    change: str | None


class UnscoredOut(msgspec.Struct):
    id: IdText
    name: str
    agency: PlaceRef | None
    agency_kind: str | None
    region: PlaceRef


class ImprovedOut(msgspec.Struct):
    rank: Annotated[int, msgspec.Meta(description="rank by points gained, ties shared as for scores")]
    tied: bool
    id: IdText
    name: str
    agency: PlaceRef | None
    agency_kind: str | None
    region: PlaceRef
    previous_score: str
    score: str
    change: Annotated[str, msgspec.Meta(description="points gained (always positive here)")]


class LevelRankingOut(msgspec.Struct):
    ranked: list[RankedOut]
    unscored: list[UnscoredOut]
    most_improved: list[ImprovedOut]


class PublicLevelRankingOut(msgspec.Struct):
    ranked: list[PublicRankedOut]
    unscored: list[UnscoredOut]
    most_improved: list[ImprovedOut]


class RankingFiltersOut(msgspec.Struct):
    region: IdText | None
    agency_kind: str | None
    compare_to: IdText | None


class RankingsOut(msgspec.Struct):
    wave: WaveSummary
    previous_wave: Annotated[
        WaveSummary | None,
        msgspec.Meta(
            description="the wave improvement is measured against: ``compare_to``, else the previous wave of the same "
            "kind"
        ),
    ]
    filters: RankingFiltersOut
    regions: Annotated[
        list[PlaceRef], msgspec.Meta(description="regions of the wave (that the caller may see), for the region filter")
    ]
    agency_kinds: list[str]
    units: LevelRankingOut
    agencies: LevelRankingOut


class PublicRankingsOut(msgspec.Struct):
    wave: WaveSummary
    previous_wave: WaveSummary | None
    filters: RankingFiltersOut
    regions: list[PlaceRef]
    agency_kinds: list[str]
    units: PublicLevelRankingOut
    agencies: PublicLevelRankingOut


class PlanPhotoOut(msgspec.Struct):
    id: uuid.UUID
    thumb: str
    display: str


class PlanCommentOut(msgspec.Struct):
    text: str
    decision: Annotated[str, msgspec.Meta(description="the review the comment was made in: approve, return or reject")]
    decided_at: datetime


class PlanAnswerOut(msgspec.Struct):
    value: bool | int | float | str | None
    not_applicable: bool
    note: str | None
    text: Annotated[
        Text, msgspec.Meta(description='the answer in words ("Tidak", "1 dari 3", a choice\'s label, "45 min")')
    ]


class PlanItemOut(msgspec.Struct):
    indicator: str
    text: Text
    guidance: Annotated[Text | None, msgspec.Meta(description="what counts as compliant, from the instrument")]
    type: str
    weight: float
    answer: PlanAnswerOut
    score: Annotated[str, msgspec.Meta(description="0–1, as scored")]
    points_recoverable: Annotated[
        str, msgspec.Meta(description="points of the 0–100 total the unit would gain by meeting this indicator fully")
    ]
    photos: list[PlanPhotoOut]
    comments: list[PlanCommentOut]


class PlanDimensionOut(msgspec.Struct):
    id: str
    title: Text
    weight: float
    score: str | None
    points_recoverable: str
    items: Annotated[list[PlanItemOut], msgspec.Meta(description="most points first")]


class PlanVisitOut(msgspec.Struct):
    id: uuid.UUID
    wave: WaveSummary
    finished_at: datetime
    approved_at: datetime | None
    approval_comment: str | None
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None


class PlanOut(msgspec.Struct):
    unit: UnitRef
    visit: Annotated[
        PlanVisitOut | None,
        msgspec.Meta(
            description="the unit's latest approved visit, which the plan comes from; null when it has none (no items "
            "then)"
        ),
    ]
    points_recoverable: Annotated[
        str | None, msgspec.Meta(description="all items together: 100 minus the visit's score (before rounding)")
    ]
    dimensions: Annotated[
        list[PlanDimensionOut], msgspec.Meta(description="dimensions with something to improve, most points first")
    ]


# --- shaping ------------------------------------------------------------------------------------------------------


def _wave_summary(wave: Wave) -> WaveSummary:
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


def _label(result: Result) -> ResultLabel:
    return ResultLabel(result.label.id, result.label.en)


def _index(result: Result) -> str | None:
    return None if result.index is None else str(result.index)


def _wave_result_out(found: WaveResult | None) -> WaveResultOut | None:
    if found is None:
        return None
    result = found.result
    return WaveResultOut(
        wave=_wave_summary(found.wave),
        score=str(result.score),
        zone=result.zone,
        zone_name=zone_name_id(result.zone),
        grade=result.grade,
        index=_index(result),
        label=_label(result),
        visit_ids=list(result.visit_ids),
    )


def _unit_ref(unit: UnitInfo) -> UnitRef:
    return UnitRef(
        id=str(unit.id),
        name=unit.name,
        address=unit.address,
        agency=AgencyWithKind(str(unit.agency_id), unit.agency_name, unit.agency_kind),
        region=PlaceRef(str(unit.region_id), unit.region_name),
    )


def _comparison_out(comparison: Comparison) -> ComparisonOut:
    units = [
        ComparisonUnitOut(
            id=str(row.unit.id),
            name=row.unit.name,
            agency=AgencyWithKind(str(row.unit.agency_id), row.unit.agency_name, row.unit.agency_kind),
            region=PlaceRef(str(row.unit.region_id), row.unit.region_name),
            internal=_wave_result_out(row.internal),
            external=_wave_result_out(row.external),
            difference=points_text(row.agreement.difference),
            zone_steps=row.agreement.zone_steps,
            disagrees=row.agreement.disagrees,
        )
        for row in comparison.rows
    ]
    return ComparisonOut(
        units,
        ComparisonSummaryOut(
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
        else AgencyWithKind(str(subject.agency.id), subject.agency.name, subject.agency.kind)
    )
    return TrendSubjectOut(
        level=subject.level,
        id=str(subject.id),
        name=subject.name,
        agency=agency,
        region=PlaceRef(str(subject.region.id), subject.region.name),
    )


def _point_fields(result: Result) -> tuple[object, ...]:
    """score, zone, zone_name, grade, index, label, dimensions — in the order of the point structs."""
    return (
        str(result.score),
        result.zone,
        zone_name_id(result.zone),
        result.grade,
        _index(result),
        _label(result),
        {key: None if value is None else str(value) for key, value in result.dimensions.items()},
    )


def _trend_out(trend: Trend) -> TrendOut:
    return TrendOut(
        subject=_subject_out(trend),
        dimensions=[ResultDimension(d.id, d.title, d.weight) for d in trend.dimensions],
        points=[
            TrendPointOut(
                _wave_summary(p.wave), *_point_fields(p.result), points_text(p.change), list(p.result.visit_ids)
            )
            for p in trend.points
        ],
    )


def _public_trend_out(trend: Trend) -> PublicTrendOut:
    return PublicTrendOut(
        subject=_subject_out(trend),
        dimensions=[ResultDimension(d.id, d.title, d.weight) for d in trend.dimensions],
        points=[
            PublicTrendPointOut(_wave_summary(p.wave), *_point_fields(p.result), points_text(p.change))
            for p in trend.points
        ],
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

    changes = found.changes
    return ChangesOut(
        unit=_unit_ref(found.unit),
        from_wave=_wave_result_out(found.before),
        to_wave=_wave_result_out(found.after),
        newly_compliant=shaped(changes.newly_compliant) if changes else [],
        newly_failing=shaped(changes.newly_failing) if changes else [],
        improved=shaped(changes.improved) if changes else [],
        declined=shaped(changes.declined) if changes else [],
        unchanged=changes.unchanged if changes else 0,
    )


def _agency_of(entry: RankEntry) -> PlaceRef | None:
    return None if entry.agency_id is None else PlaceRef(entry.agency_id, entry.agency_name or "")


def _ranked_fields(standing: Standing[RankEntry]) -> tuple[object, ...]:
    """rank … change — the fields shared by the reviewers' and the public ranked entries, in their order."""
    entry, result = standing.entry, standing.entry.result
    assert result is not None  # only scored entries are ranked
    return (
        standing.rank,
        standing.tied,
        entry.id,
        entry.name,
        _agency_of(entry),
        entry.agency_kind,
        PlaceRef(entry.region_id, entry.region_name),
        str(result.score),
        result.zone,
        zone_name_id(result.zone),
        result.grade,
        _index(result),
        _label(result),
        None if entry.previous is None else str(entry.previous.score),
        points_text(entry.change),
    )


def _unscored_out(entry: RankEntry) -> UnscoredOut:
    return UnscoredOut(
        entry.id, entry.name, _agency_of(entry), entry.agency_kind, PlaceRef(entry.region_id, entry.region_name)
    )


def _improved_out(standing: Standing[RankEntry]) -> ImprovedOut:
    entry = standing.entry
    assert entry.result is not None and entry.previous is not None  # only entries scored in both improve
    return ImprovedOut(
        standing.rank,
        standing.tied,
        entry.id,
        entry.name,
        _agency_of(entry),
        entry.agency_kind,
        PlaceRef(entry.region_id, entry.region_name),
        str(entry.previous.score),
        str(entry.result.score),
        points_text(entry.change) or "",
    )


def _level_out(ranking: LevelRanking) -> LevelRankingOut:
    return LevelRankingOut(
        ranked=[
            RankedOut(*_ranked_fields(s), list(s.entry.result.visit_ids) if s.entry.result else [])
            for s in ranking.ranked
        ],
        unscored=[_unscored_out(e) for e in ranking.unscored],
        most_improved=[_improved_out(s) for s in ranking.most_improved],
    )


def _public_level_out(ranking: LevelRanking) -> PublicLevelRankingOut:
    return PublicLevelRankingOut(
        ranked=[PublicRankedOut(*_ranked_fields(s)) for s in ranking.ranked],
        unscored=[_unscored_out(e) for e in ranking.unscored],
        most_improved=[_improved_out(s) for s in ranking.most_improved],
    )


def _rankings_head(rankings: Rankings) -> tuple[object, ...]:
    filters = rankings.filters
    return (
        _wave_summary(rankings.wave),
        None if rankings.previous_wave is None else _wave_summary(rankings.previous_wave),
        RankingFiltersOut(
            None if filters.region_id is None else str(filters.region_id),
            filters.agency_kind,
            None if filters.compare_to is None else str(filters.compare_to),
        ),
        [PlaceRef(region_id, name) for region_id, name in rankings.regions],
        rankings.agency_kinds,
    )


def _rankings_out(rankings: Rankings) -> RankingsOut:
    return RankingsOut(*_rankings_head(rankings), _level_out(rankings.units), _level_out(rankings.agencies))


def _public_rankings_out(rankings: Rankings) -> PublicRankingsOut:
    # Built field by field, never by removing fields from the reviewers' answer, so that evidence added there later
    # cannot leak here by accident.
    return PublicRankingsOut(
        *_rankings_head(rankings), _public_level_out(rankings.units), _public_level_out(rankings.agencies)
    )


def _plan_out(found: ImprovementPlan) -> PlanOut:
    source, plan = found.source, found.plan
    visit = None
    if source is not None:
        c = source.classification
        visit = PlanVisitOut(
            id=source.visit.id,
            wave=_wave_summary(source.wave),
            finished_at=source.visit.finished_at,
            approved_at=source.approved_at,
            approval_comment=source.approval_comment,
            score=None if c is None else str(c.score),
            zone=None if c is None else c.zone,
            zone_name=None if c is None else zone_name_id(c.zone),
            grade=None if c is None else c.grade,
            index=None if c is None or c.index is None else str(c.index),
            label=None if c is None else ResultLabel(c.label.id, c.label.en),
        )
    dimensions = (
        []
        if plan is None
        else [
            PlanDimensionOut(
                id=d.dimension.id,
                title=d.dimension.title,
                weight=d.dimension.weight,
                score=points_text(d.score),
                points_recoverable=points_text(d.points) or "",
                items=[
                    PlanItemOut(
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
                            PlanPhotoOut(uuid.UUID(p), photo_url(p, "thumb"), photo_url(p, "display"))
                            for p in item.photo_ids
                        ],
                        comments=[PlanCommentOut(c.text, c.decision, c.decided_at) for c in item.comments],
                    )
                    for item in d.items
                ],
            )
            for d in plan.dimensions
        ]
    )
    return PlanOut(
        unit=_unit_ref(found.unit),
        visit=visit,
        points_recoverable=None if plan is None else points_text(plan.points),
        dimensions=dimensions,
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
        db_session: AsyncSession,
        principal: Principal,
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
        db_session: AsyncSession,
        principal: Principal,
        published_only: bool = PUBLISHED_ONLY,
    ) -> TrendOut:
        return await self._trend("unit", unit_id, db_session, principal, published_only)

    @get("/agencies/{agency_id:uuid}/trend", summary="An agency's score and zone in every wave, in period order")
    async def agency_trend(
        self,
        agency_id: FromPath[uuid.UUID],
        db_session: AsyncSession,
        principal: Principal,
        published_only: bool = PUBLISHED_ONLY,
    ) -> TrendOut:
        return await self._trend("agency", agency_id, db_session, principal, published_only)

    @get("/regions/{region_id:uuid}/trend", summary="A region's score and zone in every wave, in period order")
    async def region_trend(
        self,
        region_id: FromPath[uuid.UUID],
        db_session: AsyncSession,
        principal: Principal,
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
        db_session: AsyncSession,
        principal: Principal,
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
        db_session: AsyncSession,
        principal: Principal,
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
        db_session: AsyncSession,
        principal: Principal,
        wave: FromQuery[uuid.UUID | None] = None,
    ) -> Response[bytes]:
        found = await InsightsService(db_session, principal).improvement_plan(unit_id, wave_id=wave)
        return _csv_attachment(plan_csv(found), f"rencana-perbaikan-{_slug(found.unit.name)}.csv")

    async def _trend(
        self, level: Level, entity_id: uuid.UUID, db_session: AsyncSession, principal: Principal, published_only: bool
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
        db_session: AsyncSession,
        principal: Principal,
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
        db_session: AsyncSession,
        principal: Principal,
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
        db_session: AsyncSession,
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
        db_session: AsyncSession,
        region: uuid.UUID | None = _REGION,
        agency_kind: str | None = _AGENCY_KIND,
        compare_to: uuid.UUID | None = _COMPARE_TO,
    ) -> Response[bytes]:
        rankings = await InsightsService(db_session).rankings(wave_id, _filters(region, agency_kind, compare_to))
        return _csv_attachment(rankings_csv(rankings, with_visits=False), f"peringkat-{_slug(rankings.wave.name)}.csv")

    @get("/units/{unit_id:uuid}/trend", summary="A unit's score and zone in every published wave")
    async def unit_trend(self, unit_id: FromPath[uuid.UUID], db_session: AsyncSession) -> PublicTrendOut:
        return _public_trend_out(await InsightsService(db_session).trend("unit", unit_id))

    @get("/agencies/{agency_id:uuid}/trend", summary="An agency's score and zone in every published wave")
    async def agency_trend(self, agency_id: FromPath[uuid.UUID], db_session: AsyncSession) -> PublicTrendOut:
        return _public_trend_out(await InsightsService(db_session).trend("agency", agency_id))

    @get("/regions/{region_id:uuid}/trend", summary="A region's score and zone in every published wave")
    async def region_trend(self, region_id: FromPath[uuid.UUID], db_session: AsyncSession) -> PublicTrendOut:
        return _public_trend_out(await InsightsService(db_session).trend("region", region_id))


INSIGHTS_CONTROLLERS = [InsightsController, RankingsController, PublicInsightsController]
