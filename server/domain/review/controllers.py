"""HTTP for supervisor review: the queue, the whole visit, decisions, and the waves a caller can review.

Scores in answers are decimal strings: 0–100 totals and dimensions with exactly 2 decimals ("80.99"), indicator
scores on 0–1 with 4 decimals ("0.6667"); strings, because a float would turn 80.99 into 80.98999….
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Photo, Review
from server.domain.instruments.metadata import metadata_values
from server.domain.results.schemas import ClassifiedShaper
from server.domain.results.scoring import round_score
from server.domain.review.evidence import EvidenceSummary
from server.domain.review.explanations import explain_flag
from server.domain.review.schemas import (
    AnswerOut,
    DecisionIn,
    DecisionOut,
    EvidenceOut,
    Explanation,
    FlagOut,
    FlagSummaryOut,
    NamedRef,
    Person,
    PhotoCounts,
    PhotoOut,
    PhotoUrls,
    PositionOut,
    QueueCounts,
    QueueOut,
    QueueRegion,
    QueueRowOut,
    ReviewableWaveOut,
    ReviewOut,
    RevisionOut,
    ScoreOut,
    SortParam,
    StrongestParam,
    VisitAssignment,
    VisitDetailOut,
    VisitDimension,
    VisitRegion,
    VisitStatusParam,
    VisitUnit,
    VisitWave,
)
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

_INDICATOR_PLACES = Decimal("0.0001")


# --- shaping ----------------------------------------------------------------------------------------------------


def _queue_row_out(row: QueueRow) -> QueueRowOut:
    visit = row.visit
    return QueueRowOut(
        id=visit.id,
        wave=NamedRef(id=row.wave.id, name=row.wave.name),
        unit=NamedRef(id=row.unit.id, name=row.unit.name),
        agency=NamedRef(id=row.agency.id, name=row.agency.name),
        region=QueueRegion(id=row.region.id, name=row.region.name, code=row.region.code, timezone=row.region.timezone),
        surveyor=Person(id=visit.surveyor_id, display_name=row.surveyor_name),
        status=visit.status,
        revision=visit.revision,
        started_at=visit.started_at,
        finished_at=visit.finished_at,
        submitted_at=visit.submitted_at,
        updated_at=visit.updated_at,
        time_on_site_s=(visit.finished_at - visit.started_at).total_seconds(),
        flags=[FlagSummaryOut(code=f.code, severity=f.severity, count=f.count) for f in row.flags],
        evidence=_evidence_out(row.evidence),
        photos=PhotoCounts(declared=row.photos_declared, stored=row.photos_stored, processing=row.photos_processing),
    )


def _queue_out(page: QueuePage) -> QueueOut:
    return QueueOut(
        items=[_queue_row_out(row) for row in page.rows],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        counts=QueueCounts(status=page.status_counts, flags=page.flag_counts, strongest=page.strongest_counts),
    )


def _evidence_out(evidence: EvidenceSummary) -> EvidenceOut:
    return EvidenceOut(
        strength=evidence.strength, strongest=evidence.strongest, reasons=evidence.reasons, summary=evidence.line
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
    score = stored.score
    c = ClassifiedShaper().result_fields(stored.classification)
    return ScoreOut(
        total=_decimal_text(score.total),
        dimensions={k: _decimal_text(v) for k, v in score.dimensions.items()},
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _review_out(review: Review, reviewer_name: str) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        revision=review.revision,
        decision=review.decision,
        comment=review.comment,
        indicator_comments=[
            IndicatorComment(indicator=c["indicator"], text=c["text"]) for c in review.indicator_comments
        ],
        reviewer=Person(id=review.reviewer_id, display_name=reviewer_name),
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
        wave=VisitWave(
            id=detail.wave.id,
            name=detail.wave.name,
            status=detail.wave.status,
            profile_key=detail.wave.profile_key,
        ),
        assignment=VisitAssignment(
            id=detail.assignment.id,
            window_start=detail.assignment.window_start,
            window_end=detail.assignment.window_end,
        ),
        unit=VisitUnit(
            id=unit.id,
            name=unit.name,
            address=unit.address,
            lat=unit.lat,
            lon=unit.lon,
            geofence_m=unit.geofence_m,
            opening_hours=unit.opening_hours,
        ),
        agency=NamedRef(id=detail.agency.id, name=detail.agency.name),
        region=VisitRegion(
            id=detail.region.id,
            name=detail.region.name,
            code=detail.region.code,
            timezone=detail.region.timezone,
        ),
        surveyor=Person(id=detail.surveyor.id, display_name=detail.surveyor.display_name),
        started_at=visit.started_at,
        finished_at=visit.finished_at,
        time_on_site_s=detail.time_on_site_s,
        evidence=_evidence_out(detail.evidence),
        first_received_at=visit.first_received_at,
        submitted_at=visit.submitted_at,
        updated_at=visit.updated_at,
        nearest_distance_m=detail.nearest_distance_m,
        dimensions=[VisitDimension(id=d.id, title=d.title, weight=d.weight) for d in detail.instrument.dimensions],
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
            RevisionOut(
                revision=r.revision,
                received_at=r.received_at,
                content_hash=r.content_hash,
                changed_indicators=r.changed_indicators,
            )
            for r in detail.revisions
        ],
        reviews=[_review_out(entry.review, entry.reviewer_name) for entry in detail.reviews],
        score=_score_out(detail.score) if detail.score else None,
        client=detail.client,
        form_metadata=metadata_values(
            detail.instrument.metadata,
            started_at=visit.started_at,
            finished_at=visit.finished_at,
            username=detail.surveyor.username,
            zone=ZoneInfo(detail.region.timezone),
        ),
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


_STATUS = Parameter(default=None, description="default: every status but incomplete")
_FLAG = Parameter(default=None, max_length=64, description="a flag code such as geo.outside")
_STRONGEST = Parameter(default=None, description="only visits whose most severe flag has this severity")
_SORT = Parameter(default="oldest", description="oldest submission first, or the strongest flag first")
_LIMIT = Parameter(default=QUEUE_DEFAULT_LIMIT, ge=1, le=QUEUE_MAX_LIMIT)
_OFFSET = Parameter(default=0, ge=0)


# --- routes -------------------------------------------------------------------------------------------------------


class ReviewController(Controller):
    path = "/api/review"
    tags = ["review"]
    guards = [reviewers]

    @get("/visits", summary="The review queue: visits in the caller's regions, with flags and counts per filter")
    async def queue(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        wave: FromQuery[uuid.UUID | None] = None,
        region: FromQuery[uuid.UUID | None] = None,
        agency: FromQuery[uuid.UUID | None] = None,
        status: VisitStatusParam | None = _STATUS,
        flag: str | None = _FLAG,
        strongest: StrongestParam | None = _STRONGEST,
        sort: SortParam = _SORT,
        limit: int = _LIMIT,
        offset: int = _OFFSET,
    ) -> QueueOut:
        filters = QueueFilters(
            wave_id=wave,
            region_id=region,
            agency_id=agency,
            status=status,
            flag=flag,
            strongest=strongest,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        return _queue_out(await ReviewService(db_session, principal).queue(filters))

    @get(
        "/visits/{visit_id:uuid}",
        summary="The whole visit: answers beside photos, flags explained, positions, revisions and reviews",
    )
    async def visit(
        self,
        visit_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> VisitDetailOut:
        return _detail_out(await ReviewService(db_session, principal).visit_detail(visit_id))

    @post(
        "/visits/{visit_id:uuid}/decision",
        status_code=200,
        summary="Approve, return or reject the revision the reviewer looked at",
    )
    async def decide(
        self,
        visit_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionIn],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
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
    async def waves(
        self, db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> list[ReviewableWaveOut]:
        return [_wave_out(entry) for entry in await ReviewService(db_session, principal).reviewable_waves()]
