"""Supervisor review: the queue, the whole visit with its evidence, and decisions (docs/contract.md, "Review
decisions").

Scope: an admin sees every visit; a supervisor sees visits of units whose agency lies in one of their regions
(``supervisor_regions``, the region itself, not its children). A visit outside the caller's scope is answered exactly
like a visit that does not exist, so an id cannot be probed.

A decision is one compare-and-set on ``visits.status``/``visits.revision``: of two supervisors deciding at once,
exactly one changes the row and the other gets 409, whatever the database. Approving stores the visit's score
(``visit_scores``); returning or rejecting a previously approved visit removes it, so results always follow reviews.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
from geopy.distance import geodesic
from sqlalchemy import ColumnElement, Select, delete, distinct, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import (
    Agency,
    Answer,
    Assignment,
    Flag,
    Instrument as InstrumentRow,
    Photo,
    Position,
    Region,
    Review,
    SupervisorRegion,
    Unit,
    User,
    Visit,
    VisitRevision,
    VisitScore,
    Wave,
)
from server.domain.audit.services import AuditLog
from server.domain.instruments.documents import Instrument
from server.domain.results.profiles import profile_from_dict
from server.domain.results.scoring import score_visit
from server.domain.results.zoning import Classification, classify
from server.domain.review.transitions import allowed_decisions, decide_review
from server.domain.visits.documents import IndicatorComment
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import NotFound, ReviewConflict, ReviewInvalid, WaveStateConflict

SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}
QUEUE_DEFAULT_LIMIT = 50
QUEUE_MAX_LIMIT = 200
# Until no photo is missing a visit is not ready for review (docs/contract.md); the queue shows it only when asked.
_NOT_IN_QUEUE_BY_DEFAULT = "incomplete"


# --- scope -----------------------------------------------------------------------------------------------------


async def region_scope(session: AsyncSession, principal: Principal) -> frozenset[uuid.UUID] | None:
    """The regions whose units ``principal`` may review; None means every region (admin)."""
    if principal.is_admin:
        return None
    rows = await session.scalars(select(SupervisorRegion.region_id).where(SupervisorRegion.user_id == principal.id))
    return frozenset(rows.all())


def in_scope(region_column: Any, scope: frozenset[uuid.UUID] | None) -> list[ColumnElement[bool]]:
    """The WHERE condition keeping rows of regions in ``scope`` (none for an admin)."""
    return [] if scope is None else [region_column.in_(sorted(scope, key=str))]


async def load_instrument(session: AsyncSession, instrument_id: uuid.UUID) -> Instrument:
    document = await session.scalar(select(InstrumentRow.document).where(InstrumentRow.id == instrument_id))
    if document is None:
        raise NotFound("The wave's instrument is missing.")
    return msgspec.convert(document, Instrument)


# --- what the service hands to controllers ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    wave_id: uuid.UUID | None = None
    region_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    status: str | None = None
    flag: str | None = None
    limit: int = QUEUE_DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class FlagSummary:
    code: str
    severity: str
    """The most severe of the visit's flags with this code."""
    count: int


@dataclass(frozen=True)
class QueueRow:
    visit: Visit
    wave: Wave
    unit: Unit
    agency: Agency
    region: Region
    surveyor_name: str
    flags: list[FlagSummary]
    photos_declared: int
    photos_stored: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    status_counts: dict[str, int]
    """Visits per status under every filter except ``status``."""
    flag_counts: dict[str, int]
    """Visits carrying each flag code under every filter except ``flag``."""
    limit: int
    offset: int


@dataclass(frozen=True)
class RevisionEntry:
    revision: int
    received_at: Any
    content_hash: str
    changed_indicators: list[str] | None
    """Indicators whose answer or photos differ from the revision before; None for the first revision."""


@dataclass(frozen=True)
class ReviewEntry:
    review: Review
    reviewer_name: str


@dataclass(frozen=True)
class PositionEntry:
    position: Position
    distance_to_unit_m: float | None
    is_within_geofence: bool | None
    """Within the geofence once the position's accuracy is allowed for (the rule of ``geo.outside``)."""


@dataclass(frozen=True)
class StoredScore:
    score: VisitScore
    classification: Classification | None


@dataclass(frozen=True)
class VisitDetail:
    visit: Visit
    wave: Wave
    assignment: Assignment
    unit: Unit
    agency: Agency
    region: Region
    surveyor: User
    instrument: Instrument
    answers: dict[str, Answer]
    photos: list[Photo]
    flags: list[Flag]
    positions: list[PositionEntry]
    revisions: list[RevisionEntry]
    reviews: list[ReviewEntry]
    score: StoredScore | None
    allowed_decisions: list[str]

    @property
    def time_on_site_s(self) -> float:
        return (self.visit.finished_at - self.visit.started_at).total_seconds()

    @property
    def nearest_distance_m(self) -> float | None:
        distances = [p.distance_to_unit_m for p in self.positions if p.distance_to_unit_m is not None]
        return min(distances) if distances else None


@dataclass(frozen=True)
class DecisionRequest:
    decision: str
    revision: int
    comment: str | None = None
    indicator_comments: Sequence[IndicatorComment] = field(default_factory=list)
    seen_status: str | None = None
    """The status the reviewer looked at. The revision alone does not change when another reviewer decides, and
    approved → returned is allowed, so without it a 'return' made on a stale page would silently undo an approval."""


@dataclass(frozen=True)
class DecisionOutcome:
    visit_id: uuid.UUID
    status: str
    revision: int
    review: Review
    reviewer_name: str
    score: StoredScore | None


@dataclass(frozen=True)
class ReviewableWave:
    wave: Wave
    status_counts: dict[str, int]


# --- the service ---------------------------------------------------------------------------------------------


class ReviewService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def queue(self, filters: QueueFilters) -> QueuePage:
        scope = await region_scope(self.session, self.principal)
        conditions = _QueueConditions(filters, scope)
        statement = (
            _visit_join(select(Visit, Wave, Unit, Agency, Region, User.display_name))
            .join(User, User.id == Visit.surveyor_id)
            .where(*conditions.all())
            .order_by(func.coalesce(Visit.submitted_at, Visit.first_received_at), Visit.id)
            .limit(filters.limit)
            .offset(filters.offset)
        )
        page = (await self.session.execute(statement)).all()
        total = await self.session.scalar(_visit_join(select(func.count(Visit.id))).where(*conditions.all()))
        visit_ids = [row.Visit.id for row in page]
        flags = await self._flag_summaries(visit_ids)
        photo_counts = await self._photo_counts(visit_ids)
        rows = [
            QueueRow(
                visit=row.Visit,
                wave=row.Wave,
                unit=row.Unit,
                agency=row.Agency,
                region=row.Region,
                surveyor_name=row.display_name,
                flags=flags.get(row.Visit.id, []),
                photos_declared=photo_counts.get(row.Visit.id, (0, 0))[0],
                photos_stored=photo_counts.get(row.Visit.id, (0, 0))[1],
            )
            for row in page
        ]
        return QueuePage(
            rows=rows,
            total=total or 0,
            status_counts=await self._status_counts(conditions),
            flag_counts=await self._flag_counts(conditions),
            limit=filters.limit,
            offset=filters.offset,
        )

    async def visit_detail(self, visit_id: uuid.UUID) -> VisitDetail:
        visit, wave, unit, agency, region = await self._visit_in_scope(visit_id)
        assignment = await self.session.get_one(Assignment, visit.assignment_id)
        surveyor = await self.session.get_one(User, visit.surveyor_id)
        instrument = await load_instrument(self.session, wave.instrument_id)
        answers = (await self.session.scalars(select(Answer).where(Answer.visit_id == visit.id))).all()
        photos = (
            await self.session.scalars(
                select(Photo).where(Photo.visit_id == visit.id).order_by(Photo.taken_at, Photo.id)
            )
        ).all()
        flags = (await self.session.scalars(select(Flag).where(Flag.visit_id == visit.id).order_by(Flag.id))).all()
        positions = (
            await self.session.scalars(select(Position).where(Position.visit_id == visit.id).order_by(Position.seq))
        ).all()
        score = await self.session.get(VisitScore, visit.id)
        return VisitDetail(
            visit=visit,
            wave=wave,
            assignment=assignment,
            unit=unit,
            agency=agency,
            region=region,
            surveyor=surveyor,
            instrument=instrument,
            answers={answer.indicator: answer for answer in answers},
            photos=list(photos),
            flags=sorted(flags, key=_most_severe_first),
            positions=_positions(unit, positions),
            revisions=await self._revisions(visit.id),
            reviews=await self._reviews(visit.id),
            score=None if score is None else StoredScore(score, _classify(score.total, wave)),
            allowed_decisions=sorted(allowed_decisions(visit.status)) if wave.status != "published" else [],
        )

    async def decide(self, visit_id: uuid.UUID, request: DecisionRequest) -> DecisionOutcome:
        visit, _, _, _, _ = await self._visit_in_scope(visit_id)
        seen_status, seen_revision = visit.status, visit.revision
        # FOR SHARE on PostgreSQL: a publish waits for this decision, or this decision sees the published wave.
        wave = await self.session.scalar(
            select(Wave)
            .where(Wave.id == visit.wave_id)
            .with_for_update(read=True)
            .execution_options(populate_existing=True)
        )
        assert wave is not None  # visits.wave_id is a foreign key
        instrument = await load_instrument(self.session, wave.instrument_id)
        _refuse_unknown_indicators(request.indicator_comments, instrument)
        if wave.status == "published":
            raise WaveStateConflict(
                f"The wave {wave.name!r} is published; its reviews are frozen.", field="wave", wave_status=wave.status
            )
        if request.seen_status is not None and request.seen_status != seen_status:
            raise ReviewConflict(
                f"The visit is now {seen_status}, not {request.seen_status} as you saw it: someone "
                "else decided meanwhile. Reload it before deciding.",
                field="seen_status",
                current_status=seen_status,
            )
        new_status = decide_review(
            seen_status, request.decision, seen_revision, request.revision, request.comment, request.indicator_comments
        )
        await self._compare_and_set_status(visit_id, seen_status, seen_revision, new_status)
        now = clock.now()
        review = Review(
            visit_id=visit_id,
            revision=seen_revision,
            decision=request.decision,
            comment=_clean(request.comment),
            indicator_comments=[{"indicator": c.indicator, "text": c.text.strip()} for c in request.indicator_comments],
            reviewer_id=self.principal.id,
            decided_at=now,
        )
        self.session.add(review)
        score = await self._rescore(visit, wave, instrument, new_status, now)
        await self.session.flush()
        await AuditLog(self.session).record(
            "review.decision",
            entity_type="visit",
            entity_id=visit_id,
            actor_id=self.principal.id,
            data={
                "decision": request.decision,
                "revision": seen_revision,
                "from_status": seen_status,
                "to_status": new_status,
                "review_id": str(review.id),
                "wave_id": str(wave.id),
                "total": None if score is None or score.score.total is None else str(score.score.total),
            },
        )
        reviewer_name = await self.session.scalar(select(User.display_name).where(User.id == self.principal.id))
        return DecisionOutcome(
            visit_id=visit_id,
            status=new_status,
            revision=seen_revision,
            review=review,
            reviewer_name=reviewer_name or self.principal.username,
            score=score,
        )

    async def reviewable_waves(self) -> list[ReviewableWave]:
        """Waves past draft with at least one assignment the caller may review (every such wave for an admin)."""
        scope = await region_scope(self.session, self.principal)
        statement = select(Wave).where(Wave.status != "draft").order_by(Wave.period_start.desc(), Wave.name)
        if scope is not None:
            statement = statement.where(
                exists(
                    select(Assignment.id)
                    .join(Unit, Unit.id == Assignment.unit_id)
                    .join(Agency, Agency.id == Unit.agency_id)
                    .where(Assignment.wave_id == Wave.id, *in_scope(Agency.region_id, scope))
                )
            )
        waves = (await self.session.scalars(statement)).all()
        counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        for wave_id, status, count in (
            await self.session.execute(
                _visit_join(select(Visit.wave_id, Visit.status, func.count(Visit.id)), with_wave=False)
                .where(Visit.wave_id.in_([wave.id for wave in waves]), *in_scope(Agency.region_id, scope))
                .group_by(Visit.wave_id, Visit.status)
            )
        ).all():
            counts[wave_id][status] = count
        return [ReviewableWave(wave=wave, status_counts=counts.get(wave.id, {})) for wave in waves]

    # --- helpers ---------------------------------------------------------------------------------------------

    async def _visit_in_scope(self, visit_id: uuid.UUID) -> tuple[Visit, Wave, Unit, Agency, Region]:
        scope = await region_scope(self.session, self.principal)
        row = (
            await self.session.execute(
                _visit_join(select(Visit, Wave, Unit, Agency, Region)).where(Visit.id == visit_id)
            )
        ).one_or_none()
        if row is None or (scope is not None and row.Region.id not in scope):
            raise NotFound("There is no visit with this id that you may review.")
        return row.Visit, row.Wave, row.Unit, row.Agency, row.Region

    async def _compare_and_set_status(
        self, visit_id: uuid.UUID, seen_status: str, seen_revision: int, new_status: str
    ) -> None:
        changed = await self.session.execute(
            update(Visit)
            .where(Visit.id == visit_id, Visit.status == seen_status, Visit.revision == seen_revision)
            .values(status=new_status, updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise ReviewConflict(
                "Someone else decided on this visit, or the surveyor sent a new revision, while "
                "you were looking at it. Reload it before deciding.",
                field="revision",
            )

    async def _rescore(
        self, visit: Visit, wave: Wave, instrument: Instrument, new_status: str, now: Any
    ) -> StoredScore | None:
        await self.session.execute(delete(VisitScore).where(VisitScore.visit_id == visit.id))
        if new_status != "approved":
            return None
        answers = (await self.session.scalars(select(Answer).where(Answer.visit_id == visit.id))).all()
        scored = score_visit(instrument, answers)
        row = VisitScore(
            visit_id=visit.id,
            wave_id=wave.id,
            unit_id=visit.unit_id,
            revision=visit.revision,
            total=scored.total,
            dimensions=_as_strings(scored.dimensions),
            indicators=_as_strings(scored.indicators),
            scored_at=now,
        )
        self.session.add(row)
        return StoredScore(row, _classify(scored.total, wave))

    async def _flag_summaries(self, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[FlagSummary]]:
        if not visit_ids:
            return {}
        found: dict[uuid.UUID, dict[str, FlagSummary]] = defaultdict(dict)
        for visit_id, code, severity in (
            await self.session.execute(
                select(Flag.visit_id, Flag.code, Flag.severity).where(Flag.visit_id.in_(visit_ids))
            )
        ).all():
            before = found[visit_id].get(code)
            worst = (
                severity
                if before is None or SEVERITY_ORDER[severity] > SEVERITY_ORDER[before.severity]
                else before.severity
            )
            found[visit_id][code] = FlagSummary(code, worst, (before.count if before else 0) + 1)
        return {visit_id: sorted(by_code.values(), key=_most_severe_first) for visit_id, by_code in found.items()}

    async def _photo_counts(self, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
        if not visit_ids:
            return {}
        rows = await self.session.execute(
            select(Photo.visit_id, func.count(Photo.id), func.count(Photo.stored_at))
            .where(Photo.visit_id.in_(visit_ids))
            .group_by(Photo.visit_id)
        )
        return {visit_id: (declared, stored) for visit_id, declared, stored in rows.all()}

    async def _status_counts(self, conditions: _QueueConditions) -> dict[str, int]:
        rows = await self.session.execute(
            _visit_join(select(Visit.status, func.count(Visit.id)))
            .where(*conditions.all(but="status"))
            .group_by(Visit.status)
        )
        return dict(rows.all())

    async def _flag_counts(self, conditions: _QueueConditions) -> dict[str, int]:
        rows = await self.session.execute(
            _visit_join(
                select(Flag.code, func.count(distinct(Flag.visit_id)))
                .select_from(Flag)
                .join(Visit, Visit.id == Flag.visit_id)
            )
            .where(*conditions.all(but="flag"))
            .group_by(Flag.code)
        )
        return dict(rows.all())

    async def _revisions(self, visit_id: uuid.UUID) -> list[RevisionEntry]:
        revisions = (
            await self.session.scalars(
                select(VisitRevision).where(VisitRevision.visit_id == visit_id).order_by(VisitRevision.revision)
            )
        ).all()
        entries, previous = [], None
        for revision in revisions:
            changed = None if previous is None else changed_indicators(previous.document, revision.document)
            entries.append(RevisionEntry(revision.revision, revision.received_at, revision.content_hash, changed))
            previous = revision
        return entries

    async def _reviews(self, visit_id: uuid.UUID) -> list[ReviewEntry]:
        rows = await self.session.execute(
            select(Review, User.display_name)
            .join(User, User.id == Review.reviewer_id)
            .where(Review.visit_id == visit_id)
            .order_by(Review.decided_at, Review.id)
        )
        return [ReviewEntry(review, name) for review, name in rows.all()]


# --- queries and small pure helpers -------------------------------------------------------------------------------


def _visit_join(statement: Select[Any], *, with_wave: bool = True) -> Select[Any]:
    """Join a statement on visits to the unit, agency and region (and wave) a visit belongs to."""
    statement = (
        statement.join(Unit, Unit.id == Visit.unit_id)
        .join(Agency, Agency.id == Unit.agency_id)
        .join(Region, Region.id == Agency.region_id)
    )
    return statement.join(Wave, Wave.id == Visit.wave_id) if with_wave else statement


class _QueueConditions:
    def __init__(self, filters: QueueFilters, scope: frozenset[uuid.UUID] | None) -> None:
        status_condition = (
            Visit.status == filters.status if filters.status is not None else Visit.status != _NOT_IN_QUEUE_BY_DEFAULT
        )
        self._named: dict[str, list[ColumnElement[bool]]] = {
            "scope": in_scope(Agency.region_id, scope),
            "wave": [] if filters.wave_id is None else [Visit.wave_id == filters.wave_id],
            "region": [] if filters.region_id is None else [Agency.region_id == filters.region_id],
            "agency": [] if filters.agency_id is None else [Unit.agency_id == filters.agency_id],
            "status": [status_condition],
            "flag": []
            if filters.flag is None
            else [exists(select(Flag.id).where(Flag.visit_id == Visit.id, Flag.code == filters.flag))],
        }

    def all(self, *, but: str | None = None) -> list[ColumnElement[bool]]:
        return [condition for name, conditions in self._named.items() if name != but for condition in conditions]


def _most_severe_first(flag: Any) -> tuple[int, str]:
    return -SEVERITY_ORDER.get(flag.severity, 0), flag.code


def _positions(unit: Unit, positions: Iterable[Position]) -> list[PositionEntry]:
    if unit.lat is None or unit.lon is None:
        return [PositionEntry(position, None, None) for position in positions]
    entries = []
    for position in positions:
        distance_m = geodesic((unit.lat, unit.lon), (position.lat, position.lon)).meters
        entries.append(PositionEntry(position, distance_m, distance_m - position.accuracy_m <= unit.geofence_m))
    return entries


def _refuse_unknown_indicators(comments: Sequence[IndicatorComment], instrument: Instrument) -> None:
    known = instrument.indicators()
    for i, comment in enumerate(comments):
        if comment.indicator not in known:
            raise ReviewInvalid(
                f"The instrument has no indicator {comment.indicator!r}.", field=f"indicator_comments[{i}].indicator"
            )


def _classify(total: Decimal | None, wave: Wave) -> Classification | None:
    return None if total is None else classify(total, profile_from_dict(wave.profile))


def _as_strings(scores: dict[str, Decimal | None]) -> dict[str, str | None]:
    # Strings keep every digit of the Decimal through JSON; floats would not.
    return {key: None if value is None else str(value) for key, value in scores.items()}


def _clean(comment: str | None) -> str | None:
    return comment.strip() if comment and comment.strip() else None


def changed_indicators(before: Any, after: Any) -> list[str]:
    """Indicators whose answer (value, not applicable, note) or declared photos differ between two visit documents."""
    old, new = _answer_facts(before), _answer_facts(after)
    return sorted(indicator for indicator in old.keys() | new.keys() if old.get(indicator) != new.get(indicator))


def _answer_facts(document: Any) -> dict[str, tuple[Any, ...]]:
    if not isinstance(document, dict):
        return {}
    facts: dict[str, tuple[Any, ...]] = {}
    photos: dict[str, set[str]] = defaultdict(set)
    for photo in document.get("photos") or []:
        if isinstance(photo, dict):
            photos[str(photo.get("indicator"))].add(str(photo.get("sha256")))
    for answer in document.get("answers") or []:
        if isinstance(answer, dict):
            indicator = str(answer.get("indicator"))
            facts[indicator] = (repr(answer.get("value")), bool(answer.get("not_applicable")), answer.get("note"))
    for indicator, hashes in photos.items():
        facts[indicator] = (*facts.get(indicator, ()), frozenset(hashes))
    return facts
