"""The shapes of the insights answers: internal against external results, trends, indicator changes, rankings and
improvement plans. Figures are decimal strings (see ``controllers``); the classified fields come from
``results.schemas``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from server.domain.instruments.documents import Text
from server.domain.results.schemas import (
    ClassifiedResultOut,
    IdText,
    PlaceRef,
    ResultDimension,
    ScoredResultOut,
)


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


class WaveResultOut(ScoredResultOut):
    wave: WaveSummary
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


class TrendPointOut(ScoredResultOut):
    wave: WaveSummary
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


class PublicTrendPointOut(ScoredResultOut):
    wave: WaveSummary
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


class RankedOut(ScoredResultOut):
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
    previous_score: Annotated[
        str | None, msgspec.Meta(description="the score in the wave compared with (``previous_wave``)")
    ]
    change: str | None
    visit_ids: list[IdText]


class PublicRankedOut(ScoredResultOut):
    rank: int
    tied: bool
    id: IdText
    name: str
    agency: PlaceRef | None
    agency_kind: str | None
    region: PlaceRef
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


class PlanVisitOut(ClassifiedResultOut):
    id: uuid.UUID
    wave: WaveSummary
    finished_at: datetime
    approved_at: datetime | None
    approval_comment: str | None


class PlanOut(msgspec.Struct):
    unit: UnitRef
    timezone: Annotated[
        str, msgspec.Meta(description="the IANA zone of the unit's region, which its times are read in")
    ]
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
