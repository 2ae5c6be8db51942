"""HTTP for supervisor review: the queue, the whole visit, decisions, and the waves a caller can review.

Scores in answers are decimal strings: 0–100 totals and dimensions with exactly 2 decimals ("80.99"), indicator
scores on 0–1 with 4 decimals ("0.6667"); strings, because a float would turn 80.99 into 80.98999….
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Photo, Review
from server.domain.instruments.documents import Band, Choice, Text
from server.domain.results.scoring import round_score
from server.domain.results.zoning import Classification, zone_name_id
from server.domain.review.explanations import explain_flag
from server.domain.review.services import (
    QUEUE_DEFAULT_LIMIT,
    QUEUE_MAX_LIMIT,
    DecisionOutcome,
    DecisionRequest,
    QueueFilters,
    QueuePage,
    QueueRow,
    ReviewableWave,
    ReviewService,
    StoredScore,
    VisitDetail,
)
from server.domain.visits.documents import IndicatorComment
from server.lib.auth import Principal, reviewers

VisitStatusParam = Literal["incomplete", "submitted", "approved", "returned", "rejected"]
_INDICATOR_PLACES = Decimal("0.0001")


# --- bodies ------------------------------------------------------------------------------------------------------


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "return", "reject"]
    revision: Annotated[int, msgspec.Meta(ge=1, description="the revision the reviewer looked at")]
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    indicator_comments: Annotated[list[IndicatorComment], msgspec.Meta(max_length=500)] = msgspec.field(
        default_factory=list
    )
    seen_status: Annotated[
        VisitStatusParam | None,
        msgspec.Meta(
            description="the status the reviewer saw; when given and the visit is now in another (another reviewer "
            "decided meanwhile), the decision is refused with 409"
        ),
    ] = None


class NamedRef(msgspec.Struct):
    id: uuid.UUID
    name: str


class QueueRegion(msgspec.Struct):
    id: uuid.UUID
    name: str
    code: str
    timezone: Annotated[str, msgspec.Meta(description="the region's IANA time zone, the one its units' times read in")]


class Person(msgspec.Struct):
    id: uuid.UUID
    display_name: str


class FlagSummaryOut(msgspec.Struct):
    code: str
    severity: str
    count: int


class PhotoCounts(msgspec.Struct):
    declared: int
    stored: int


class QueueRowOut(msgspec.Struct):
    id: uuid.UUID
    wave: NamedRef
    unit: NamedRef
    agency: NamedRef
    region: QueueRegion
    surveyor: Person
    status: str
    revision: int
    started_at: datetime
    finished_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    time_on_site_s: float
    flags: list[FlagSummaryOut]
    photos: PhotoCounts


class QueueCounts(msgspec.Struct):
    status: dict[str, int]
    """Visits per status under every other filter."""
    flags: dict[str, int]
    """Visits per flag code under every other filter."""


class QueueOut(msgspec.Struct):
    items: list[QueueRowOut]
    total: int
    limit: int
    offset: int
    counts: QueueCounts


class ScoreLabel(msgspec.Struct):
    id: str
    en: str


class ScoreOut(msgspec.Struct):
    total: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ScoreLabel | None
    dimensions: dict[str, str | None]


class PhotoUrls(msgspec.Struct):
    thumb: str
    display: str
    original: str


class PhotoOut(msgspec.Struct):
    id: uuid.UUID
    indicator: str
    content_type: str
    size: int
    sha256: str
    taken_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    declared_revision: int
    is_stored: bool
    width: int | None
    height: int | None
    has_exif: bool | None
    exif_taken_at: datetime | None
    exif_lat: float | None
    exif_lon: float | None
    exif_make: str | None
    exif_model: str | None
    flags: list[str]
    urls: PhotoUrls | None


class AnswerOut(msgspec.Struct):
    indicator: str
    dimension: str
    text: Text
    guidance: Text | None
    type: str
    weight: float
    required: bool
    allow_na: bool
    reverse: bool
    photo_requirement: str
    choices: list[Choice] | None
    bands: list[Band] | None
    unit: str | None
    is_answered: bool
    value: Any
    not_applicable: bool
    note: str | None
    answered_at: datetime | None
    score: str | None
    """0–1 with 4 decimals, once the visit is approved; null when the indicator does not count."""
    photos: list[PhotoOut]


class VisitDimension(msgspec.Struct):
    id: str
    title: Text
    weight: float


class Explanation(msgspec.Struct):
    id: str
    en: str


class FlagOut(msgspec.Struct):
    code: str
    severity: str
    detail: str
    """In English; ``facts`` holds what it says, for words in the reader's own language."""
    facts: dict[str, Any] | None
    photo_id: uuid.UUID | None
    computed_at: datetime
    explanation: Explanation


class PositionOut(msgspec.Struct):
    seq: int
    lat: float
    lon: float
    accuracy_m: float
    at: datetime
    distance_to_unit_m: float | None
    is_within_geofence: bool | None


class RevisionOut(msgspec.Struct):
    revision: int
    received_at: datetime
    content_hash: str
    changed_indicators: list[str] | None


class ReviewOut(msgspec.Struct):
    id: uuid.UUID
    revision: int
    decision: str
    comment: str | None
    indicator_comments: list[IndicatorComment]
    reviewer: Person
    decided_at: datetime


class VisitWave(msgspec.Struct):
    id: uuid.UUID
    name: str
    status: str
    profile_key: str


class VisitAssignment(msgspec.Struct):
    id: uuid.UUID
    window_start: datetime
    window_end: datetime


class VisitUnit(msgspec.Struct):
    id: uuid.UUID
    name: str
    address: str
    lat: float | None
    lon: float | None
    geofence_m: int
    opening_hours: str


class VisitRegion(msgspec.Struct):
    id: uuid.UUID
    name: str
    code: str
    timezone: str


class VisitDetailOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    revision: int
    allowed_decisions: list[str]
    wave: VisitWave
    assignment: VisitAssignment
    unit: VisitUnit
    agency: NamedRef
    region: VisitRegion
    surveyor: Person
    started_at: datetime
    finished_at: datetime
    time_on_site_s: float
    first_received_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    nearest_distance_m: float | None
    dimensions: list[VisitDimension]
    answers: list[AnswerOut]
    other_photos: list[PhotoOut]
    """Photos declared for an indicator the instrument does not have (kept, never hidden)."""
    flags: list[FlagOut]
    positions: list[PositionOut]
    revisions: list[RevisionOut]
    reviews: list[ReviewOut]
    score: ScoreOut | None


class DecisionOut(msgspec.Struct):
    visit_id: uuid.UUID
    status: str
    revision: int
    review: ReviewOut
    score: ScoreOut | None


class ReviewableWaveOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    status: str
    profile_key: str
    period_start: date
    period_end: date
    published_at: datetime | None
    visit_counts: dict[str, int]
    """Visits per status in the caller's regions."""


# --- shaping ----------------------------------------------------------------------------------------------------


def _queue_row_out(row: QueueRow) -> QueueRowOut:
    visit = row.visit
    return QueueRowOut(
        id=visit.id,
        wave=NamedRef(row.wave.id, row.wave.name),
        unit=NamedRef(row.unit.id, row.unit.name),
        agency=NamedRef(row.agency.id, row.agency.name),
        region=QueueRegion(row.region.id, row.region.name, row.region.code, row.region.timezone),
        surveyor=Person(visit.surveyor_id, row.surveyor_name),
        status=visit.status,
        revision=visit.revision,
        started_at=visit.started_at,
        finished_at=visit.finished_at,
        submitted_at=visit.submitted_at,
        updated_at=visit.updated_at,
        time_on_site_s=(visit.finished_at - visit.started_at).total_seconds(),
        flags=[FlagSummaryOut(f.code, f.severity, f.count) for f in row.flags],
        photos=PhotoCounts(row.photos_declared, row.photos_stored),
    )


def _queue_out(page: QueuePage) -> QueueOut:
    return QueueOut(
        items=[_queue_row_out(row) for row in page.rows],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        counts=QueueCounts(status=page.status_counts, flags=page.flag_counts),
    )


def photo_urls(photo_id: uuid.UUID) -> PhotoUrls:
    base = f"/api/photos/{photo_id}"
    return PhotoUrls(thumb=f"{base}/thumb", display=f"{base}/display", original=f"{base}/original")


def _photo_out(photo: Photo, flag_codes: list[str]) -> PhotoOut:
    is_stored = photo.stored_at is not None
    return PhotoOut(
        id=photo.id,
        indicator=photo.indicator,
        content_type=photo.content_type,
        size=photo.size,
        sha256=photo.sha256,
        taken_at=photo.taken_at,
        lat=photo.lat,
        lon=photo.lon,
        accuracy_m=photo.accuracy_m,
        declared_revision=photo.declared_revision,
        is_stored=is_stored,
        width=photo.width,
        height=photo.height,
        has_exif=photo.has_exif,
        exif_taken_at=photo.exif_taken_at,
        exif_lat=photo.exif_lat,
        exif_lon=photo.exif_lon,
        exif_make=photo.exif_make,
        exif_model=photo.exif_model,
        flags=flag_codes,
        urls=photo_urls(photo.id) if is_stored else None,
    )


def _decimal_text(value: Any, places: Decimal | None = None) -> str | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return str(round_score(number) if places is None else number.quantize(places, rounding=ROUND_HALF_UP))


def _score_out(stored: StoredScore) -> ScoreOut:
    score, classification = stored.score, stored.classification
    return ScoreOut(
        total=_decimal_text(score.total),
        zone=classification.zone if classification else None,
        zone_name=zone_name_id(classification.zone) if classification else None,
        grade=classification.grade if classification else None,
        index=_decimal_text(classification.index) if classification else None,
        label=_label(classification),
        dimensions={k: _decimal_text(v) for k, v in score.dimensions.items()},
    )


def _label(classification: Classification | None) -> ScoreLabel | None:
    return None if classification is None else ScoreLabel(classification.label.id, classification.label.en)


def _review_out(review: Review, reviewer_name: str) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        revision=review.revision,
        decision=review.decision,
        comment=review.comment,
        indicator_comments=[
            IndicatorComment(indicator=c["indicator"], text=c["text"]) for c in review.indicator_comments
        ],
        reviewer=Person(review.reviewer_id, reviewer_name),
        decided_at=review.decided_at,
    )


def _answers_out(detail: VisitDetail, photo_flags: dict[uuid.UUID, list[str]]) -> list[AnswerOut]:
    photos_by_indicator: dict[str, list[Photo]] = {}
    for photo in detail.photos:
        photos_by_indicator.setdefault(photo.indicator, []).append(photo)
    indicator_scores = detail.score.score.indicators if detail.score else {}
    answers = []
    for dimension in detail.instrument.dimensions:
        for indicator in dimension.indicators:
            answer = detail.answers.get(indicator.id)
            answers.append(
                AnswerOut(
                    indicator=indicator.id,
                    dimension=dimension.id,
                    text=indicator.text,
                    guidance=indicator.guidance,
                    type=indicator.type,
                    weight=indicator.weight,
                    required=indicator.required,
                    allow_na=indicator.allow_na,
                    reverse=indicator.reverse,
                    photo_requirement=indicator.photo,
                    choices=indicator.choices,
                    bands=indicator.bands,
                    unit=indicator.unit,
                    is_answered=answer is not None,
                    value=answer.value if answer else None,
                    not_applicable=bool(answer and answer.not_applicable),
                    note=answer.note if answer else None,
                    answered_at=answer.answered_at if answer else None,
                    score=_decimal_text(indicator_scores.get(indicator.id), _INDICATOR_PLACES),
                    photos=[
                        _photo_out(p, photo_flags.get(p.id, [])) for p in photos_by_indicator.get(indicator.id, [])
                    ],
                )
            )
    return answers


def _detail_out(detail: VisitDetail) -> VisitDetailOut:
    visit, unit = detail.visit, detail.unit
    photo_flags: dict[uuid.UUID, list[str]] = {}
    for flag in detail.flags:
        if flag.photo_id is not None:
            photo_flags.setdefault(flag.photo_id, []).append(flag.code)
    known = detail.instrument.indicators()
    return VisitDetailOut(
        id=visit.id,
        status=visit.status,
        revision=visit.revision,
        allowed_decisions=detail.allowed_decisions,
        wave=VisitWave(detail.wave.id, detail.wave.name, detail.wave.status, detail.wave.profile_key),
        assignment=VisitAssignment(detail.assignment.id, detail.assignment.window_start, detail.assignment.window_end),
        unit=VisitUnit(unit.id, unit.name, unit.address, unit.lat, unit.lon, unit.geofence_m, unit.opening_hours),
        agency=NamedRef(detail.agency.id, detail.agency.name),
        region=VisitRegion(detail.region.id, detail.region.name, detail.region.code, detail.region.timezone),
        surveyor=Person(detail.surveyor.id, detail.surveyor.display_name),
        started_at=visit.started_at,
        finished_at=visit.finished_at,
        time_on_site_s=detail.time_on_site_s,
        first_received_at=visit.first_received_at,
        submitted_at=visit.submitted_at,
        updated_at=visit.updated_at,
        nearest_distance_m=detail.nearest_distance_m,
        dimensions=[VisitDimension(d.id, d.title, d.weight) for d in detail.instrument.dimensions],
        answers=_answers_out(detail, photo_flags),
        other_photos=[_photo_out(p, photo_flags.get(p.id, [])) for p in detail.photos if p.indicator not in known],
        flags=[
            FlagOut(
                code=f.code,
                severity=f.severity,
                detail=f.detail,
                facts=f.facts,
                photo_id=f.photo_id,
                computed_at=f.computed_at,
                explanation=_explanation(f.code),
            )
            for f in detail.flags
        ],
        positions=[
            PositionOut(
                seq=p.position.seq,
                lat=p.position.lat,
                lon=p.position.lon,
                accuracy_m=p.position.accuracy_m,
                at=p.position.at,
                distance_to_unit_m=p.distance_to_unit_m,
                is_within_geofence=p.is_within_geofence,
            )
            for p in detail.positions
        ],
        revisions=[
            RevisionOut(r.revision, r.received_at, r.content_hash, r.changed_indicators) for r in detail.revisions
        ],
        reviews=[_review_out(entry.review, entry.reviewer_name) for entry in detail.reviews],
        score=_score_out(detail.score) if detail.score else None,
    )


def _explanation(code: str) -> Explanation:
    text = explain_flag(code)
    return Explanation(id=text.id, en=text.en)


def _decision_out(outcome: DecisionOutcome) -> DecisionOut:
    return DecisionOut(
        visit_id=outcome.visit_id,
        status=outcome.status,
        revision=outcome.revision,
        review=_review_out(outcome.review, outcome.reviewer_name),
        score=_score_out(outcome.score) if outcome.score else None,
    )


def _wave_out(entry: ReviewableWave) -> ReviewableWaveOut:
    wave = entry.wave
    return ReviewableWaveOut(
        id=wave.id,
        name=wave.name,
        kind=wave.kind,
        status=wave.status,
        profile_key=wave.profile_key,
        period_start=wave.period_start,
        period_end=wave.period_end,
        published_at=wave.published_at,
        visit_counts=entry.status_counts,
    )


# --- routes -------------------------------------------------------------------------------------------------------


class ReviewController(Controller):
    path = "/api/review"
    tags = ["review"]
    guards = [reviewers]

    @get("/visits", summary="The review queue: visits in the caller's regions, with flags and counts per filter")
    async def queue(
        self,
        db_session: AsyncSession,
        principal: Principal,
        wave: FromQuery[uuid.UUID | None] = None,
        region: FromQuery[uuid.UUID | None] = None,
        agency: FromQuery[uuid.UUID | None] = None,
        status: VisitStatusParam | None = Parameter(default=None, description="default: every status but incomplete"),
        flag: str | None = Parameter(default=None, max_length=64, description="a flag code such as geo.outside"),
        limit: int = Parameter(default=QUEUE_DEFAULT_LIMIT, ge=1, le=QUEUE_MAX_LIMIT),
        offset: int = Parameter(default=0, ge=0),
    ) -> QueueOut:
        filters = QueueFilters(
            wave_id=wave, region_id=region, agency_id=agency, status=status, flag=flag, limit=limit, offset=offset
        )
        return _queue_out(await ReviewService(db_session, principal).queue(filters))

    @get(
        "/visits/{visit_id:uuid}",
        summary="The whole visit: answers beside photos, flags explained, positions, revisions and reviews",
    )
    async def visit(
        self, visit_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> VisitDetailOut:
        return _detail_out(await ReviewService(db_session, principal).visit_detail(visit_id))

    @post(
        "/visits/{visit_id:uuid}/decision",
        status_code=200,
        summary="Approve, return or reject the revision the reviewer looked at",
    )
    async def decide(
        self, visit_id: FromPath[uuid.UUID], data: DecisionIn, db_session: AsyncSession, principal: Principal
    ) -> DecisionOut:
        request = DecisionRequest(
            decision=data.decision,
            revision=data.revision,
            comment=data.comment,
            indicator_comments=data.indicator_comments,
            seen_status=data.seen_status,
        )
        return _decision_out(await ReviewService(db_session, principal).decide(visit_id, request))

    @get("/waves", summary="Waves the caller can review, with visit counts per status")
    async def waves(self, db_session: AsyncSession, principal: Principal) -> list[ReviewableWaveOut]:
        return [_wave_out(entry) for entry in await ReviewService(db_session, principal).reviewable_waves()]
