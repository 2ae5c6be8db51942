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

from geopy.distance import geodesic  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import (
    Agency,
    Answer,
    Assignment,
    Flag,
    Photo,
    Position,
    Region,
    Review,
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
from server.domain.review import queries
from server.domain.review.evidence import EvidenceSummary, summarize_evidence
from server.domain.review.transitions import allowed_decisions, decide_review
from server.domain.visits.documents import IndicatorComment
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import NotFound, ReviewConflict, ReviewInvalid, WaveStateConflict

SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}
QUEUE_DEFAULT_LIMIT = 50
QUEUE_MAX_LIMIT = 200


# --- what the service hands to controllers ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    wave_id: uuid.UUID | None = None
    region_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    status: str | None = None
    flag: str | None = None
    strongest: str | None = None
    """Only visits whose most severe flag has this severity ("none": visits without flags)."""
    sort: str = "oldest"
    """"oldest" submission first, or "strongest" flag first (then oldest)."""
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
    evidence: EvidenceSummary
    photos_declared: int
    photos_stored: int
    photos_processing: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    status_counts: dict[str, int]
    """Visits per status under every filter except ``status``."""
    flag_counts: dict[str, int]
    """Visits carrying each flag code under every filter except ``flag``."""
    strongest_counts: dict[str, int]
    """Visits per severity of their strongest flag under every filter except ``strongest``."""
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
    client: str | None = None
    """The OpenRosa client that sent the visit (``ODK Collect v2024.3.1``); None for the Sidak app."""

    @property
    def evidence(self) -> EvidenceSummary:
        return summarize_evidence((flag.code, flag.severity) for flag in self.flags)

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
        conditions = queries.QueueConditions(
            await queries.region_scope(self.session, self.principal),
            wave_id=filters.wave_id,
            region_id=filters.region_id,
            agency_id=filters.agency_id,
            status=filters.status,
            flag=filters.flag,
            strongest=filters.strongest,
        )
        page = await queries.queue_page(
            self.session,
            conditions,
            limit=filters.limit,
            offset=filters.offset,
            strongest_first=filters.sort == "strongest",
        )
        visit_ids = [row.Visit.id for row in page]
        flags = await self._flag_summaries(visit_ids)
        photo_counts = await queries.photo_counts(self.session, visit_ids) if visit_ids else {}
        rows = [
            QueueRow(
                visit=row.Visit,
                wave=row.Wave,
                unit=row.Unit,
                agency=row.Agency,
                region=row.Region,
                surveyor_name=row.display_name,
                flags=flags.get(row.Visit.id, []),
                evidence=summarize_evidence((f.code, f.severity) for f in flags.get(row.Visit.id, [])),
                photos_declared=photo_counts.get(row.Visit.id, (0, 0, 0))[0],
                photos_stored=photo_counts.get(row.Visit.id, (0, 0, 0))[1],
                photos_processing=photo_counts.get(row.Visit.id, (0, 0, 0))[2],
            )
            for row in page
        ]
        return QueuePage(
            rows=rows,
            total=await queries.queue_total(self.session, conditions),
            status_counts=await queries.status_counts(self.session, conditions),
            flag_counts=await queries.flag_counts(self.session, conditions),
            strongest_counts=await queries.strongest_counts(self.session, conditions),
            limit=filters.limit,
            offset=filters.offset,
        )

    async def visit_detail(self, visit_id: uuid.UUID) -> VisitDetail:
        visit, wave, unit, agency, region = await self._visit_in_scope(visit_id)
        score = await queries.score(self.session, visit.id)
        return VisitDetail(
            visit=visit,
            wave=wave,
            assignment=await queries.assignment(self.session, visit.assignment_id),
            unit=unit,
            agency=agency,
            region=region,
            surveyor=await queries.user(self.session, visit.surveyor_id),
            instrument=await queries.load_instrument(self.session, wave.instrument_id),
            answers={answer.indicator: answer for answer in await queries.answers(self.session, visit.id)},
            photos=list(await queries.photos(self.session, visit.id)),
            flags=sorted(await queries.flags(self.session, visit.id), key=_most_severe_first),
            positions=_positions(unit, await queries.positions(self.session, visit.id)),
            revisions=await self._revisions(visit.id),
            reviews=await self._reviews(visit.id),
            score=None if score is None else StoredScore(score=score, classification=_classify(score.total, wave)),
            allowed_decisions=sorted(allowed_decisions(visit.status)) if wave.status != "published" else [],
            client=await queries.openrosa_client(self.session, visit.id),
        )

    async def decide(self, visit_id: uuid.UUID, request: DecisionRequest) -> DecisionOutcome:
        visit, _, _, _, _ = await self._visit_in_scope(visit_id)
        seen_status, seen_revision = visit.status, visit.revision
        wave = await queries.wave_for_share(self.session, visit.wave_id)
        instrument = await queries.load_instrument(self.session, wave.instrument_id)
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
        reviewer_name = await queries.display_name(self.session, self.principal.id)
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
        scope = await queries.region_scope(self.session, self.principal)
        waves = await queries.reviewable_waves(self.session, scope)
        counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        for wave_id, status, count in await queries.visit_counts(self.session, [wave.id for wave in waves], scope):
            counts[wave_id][status] = count
        return [ReviewableWave(wave=wave, status_counts=counts.get(wave.id, {})) for wave in waves]

    # --- helpers ---------------------------------------------------------------------------------------------

    async def _visit_in_scope(self, visit_id: uuid.UUID) -> tuple[Visit, Wave, Unit, Agency, Region]:
        scope = await queries.region_scope(self.session, self.principal)
        row = await queries.visit_with_places(self.session, visit_id)
        if row is None or (scope is not None and row.Region.id not in scope):
            raise NotFound("There is no visit with this id that you may review.")
        return row.Visit, row.Wave, row.Unit, row.Agency, row.Region

    async def _compare_and_set_status(
        self, visit_id: uuid.UUID, seen_status: str, seen_revision: int, new_status: str
    ) -> None:
        changed = await queries.compare_and_set_status(
            self.session,
            visit_id,
            seen_status=seen_status,
            seen_revision=seen_revision,
            new_status=new_status,
            now=clock.now(),
        )
        if not changed:
            raise ReviewConflict(
                "Someone else decided on this visit, or the surveyor sent a new revision, while "
                "you were looking at it. Reload it before deciding.",
                field="revision",
            )

    async def _rescore(
        self, visit: Visit, wave: Wave, instrument: Instrument, new_status: str, now: Any
    ) -> StoredScore | None:
        await queries.delete_score(self.session, visit.id)
        if new_status != "approved":
            return None
        scored = score_visit(instrument, await queries.answers(self.session, visit.id))
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
        return StoredScore(score=row, classification=_classify(scored.total, wave))

    async def _flag_summaries(self, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[FlagSummary]]:
        if not visit_ids:
            return {}
        found: dict[uuid.UUID, dict[str, FlagSummary]] = defaultdict(dict)
        for visit_id, code, severity in await queries.flag_rows(self.session, visit_ids):
            before = found[visit_id].get(code)
            worst = (
                severity
                if before is None or SEVERITY_ORDER[severity] > SEVERITY_ORDER[before.severity]
                else before.severity
            )
            found[visit_id][code] = FlagSummary(code=code, severity=worst, count=(before.count if before else 0) + 1)
        return {visit_id: sorted(by_code.values(), key=_most_severe_first) for visit_id, by_code in found.items()}

    async def _revisions(self, visit_id: uuid.UUID) -> list[RevisionEntry]:
        entries: list[RevisionEntry] = []
        previous: VisitRevision | None = None
        for revision in await queries.revisions(self.session, visit_id):
            changed = None if previous is None else changed_indicators(previous.document, revision.document)
            entries.append(
                RevisionEntry(
                    revision=revision.revision,
                    received_at=revision.received_at,
                    content_hash=revision.content_hash,
                    changed_indicators=changed,
                )
            )
            previous = revision
        return entries

    async def _reviews(self, visit_id: uuid.UUID) -> list[ReviewEntry]:
        return [
            ReviewEntry(review=review, reviewer_name=name)
            for review, name in await queries.reviews_with_reviewer_names(self.session, visit_id)
        ]


# --- small pure helpers -------------------------------------------------------------------------------


def _most_severe_first(flag: Any) -> tuple[int, str]:
    return -SEVERITY_ORDER.get(flag.severity, 0), flag.code


def _positions(unit: Unit, positions: Iterable[Position]) -> list[PositionEntry]:
    if unit.lat is None or unit.lon is None:
        return [
            PositionEntry(position=position, distance_to_unit_m=None, is_within_geofence=None) for position in positions
        ]
    entries = []
    for position in positions:
        distance_m = geodesic((unit.lat, unit.lon), (position.lat, position.lon)).meters
        entries.append(
            PositionEntry(
                position=position,
                distance_to_unit_m=distance_m,
                is_within_geofence=distance_m - position.accuracy_m <= unit.geofence_m,
            )
        )
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
