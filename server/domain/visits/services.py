"""Receiving visits from phones and answering what the server holds (docs/contract.md, "Visit PUT").

A visit PUT is one transaction: validate, decide (``sync_rules.decide``), write the visit with bulk Core inserts,
compute its flags, record the audit event, answer the receipt. Duplicate safety comes from the primary keys: two
racing PUTs of one new visit both ``INSERT … ON CONFLICT (id) DO NOTHING``; the database lets one row in (PostgreSQL
makes the second wait for the first to commit), the loser inserts nothing, reads what the winner stored and decides
again (a replay, or a conflict). That is the savepoint-and-retry of an IntegrityError without the savepoint: two
statements fewer on every PUT. A photo id already declared by another visit fails the photo insert, and then the
whole request fails with 409, so no savepoint is needed there either.

Choices where the contract is silent:
- an ``assignment_id`` the server does not know → 422 ``visit.invalid`` naming ``assignment_id`` (the URL names the
  visit, which may well be new, so 404 would point at the wrong thing); somebody else's → 403.
- a new visit or a new revision is taken only while its wave is in ``fieldwork`` or ``review`` (409 ``wave.state``
  otherwise); a replay is answered whatever the wave's state, so a phone that lost a receipt always gets it back.
- a new revision keeps the rows of photos it declares again (a stored photo stays stored; the same id with other
  bytes is a conflict) and drops the rows of photos it no longer declares (their bytes stay in the store, and the
  earlier revision's document still lists them).
- missing photo ids are listed in id order, flags in the order they were computed, so a replay's receipt is the
  original one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.audit.services import AuditLog
from server.domain.instruments.documents import Instrument
from server.domain.visits import queries
from server.domain.visits.documents import (
    PhotoDeclaration,
    Receipt,
    VisitDocument,
    VisitForCorrection,
    VisitStatus,
    VisitWithReview,
)
from server.domain.visits.flags_service import (
    VisitContext,
    load_instrument,
    recompute_flags,
    stored_flags,
    visit_context_from_row,
)
from server.domain.visits.integrity import flags_for_surveyor
from server.domain.visits.sync_rules import (
    Conflict,
    Decision,
    IncomingVisit,
    Replay,
    Revise,
    StoredVisit,
    canonical_visit_hash,
    decide,
)
from server.domain.visits.validation import validate_visit
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import AssignmentForbidden, NotFound, VisitConflict, VisitInvalid, WaveStateConflict

OPEN_WAVE_STATUSES = ("fieldwork", "review")

log = logging.getLogger("sidak.sync")


@dataclass(frozen=True)
class PutOutcome:
    receipt: Receipt
    created: bool


@dataclass(frozen=True)
class _StoredRow:
    assignment_id: uuid.UUID
    revision: int
    status: VisitStatus
    content_hash: str
    first_received_at: datetime

    def as_stored_visit(self) -> StoredVisit:
        return StoredVisit(revision=self.revision, status=self.status, content_hash=self.content_hash)


class VisitService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- PUT /api/visits/{id} ------------------------------------------------------------------------------------

    async def put_visit(self, visit_id: uuid.UUID, doc: VisitDocument, principal: Principal) -> PutOutcome:
        context, stored = await self._own_assignment_and_stored(doc.assignment_id, visit_id, principal)
        instrument = await load_instrument(self.session, context.instrument_id)
        validate_visit(doc, instrument, now=clock.now())
        incoming = IncomingVisit(revision=doc.revision, content_hash=canonical_visit_hash(doc))
        if stored is None:
            _require_open_wave(context)
            now = clock.now()
            if await self._insert_visit_if_new(visit_id, doc, incoming, context, principal, now):
                receipt = await self._create(visit_id, doc, incoming, context, instrument, principal, now)
                return PutOutcome(receipt=receipt, created=True)
            # A racing PUT of the same visit committed first (PostgreSQL waited for it): decide against its row.
            log.info("visit %s: lost an insert race; deciding against what the winner stored", visit_id)
            stored = await self._stored(visit_id)
            if stored is None:
                raise VisitConflict("The visit changed while it was being stored; send it again.")
        decision = decide(stored.as_stored_visit(), incoming)
        if isinstance(decision, Revise):
            # Racing copies of one correction: the second waits on the row lock for the first, then sees a replay.
            stored = await self._stored(visit_id, for_update=True)
            assert stored is not None  # visits are never deleted while their assignment exists
            decision = decide(stored.as_stored_visit(), incoming)
        receipt = await self._apply(decision, visit_id, doc, incoming, stored, context, instrument, principal)
        return PutOutcome(receipt=receipt, created=False)

    async def _apply(
        self,
        decision: Decision,
        visit_id: uuid.UUID,
        doc: VisitDocument,
        incoming: IncomingVisit,
        stored: _StoredRow,
        context: VisitContext,
        instrument: Instrument,
        principal: Principal,
    ) -> Receipt:
        match decision:
            case Replay():
                return await self.receipt(visit_id, surveyor_view=True)
            case Revise() if stored.assignment_id != doc.assignment_id:
                raise VisitConflict(
                    "A new revision cannot move the visit to another assignment.", field="assignment_id"
                )
            case Revise():
                return await self._revise(visit_id, doc, incoming, stored, context, instrument, principal)
            case Conflict(reason=reason):
                raise VisitConflict(reason, field="revision")
        raise AssertionError(f"unexpected sync decision {decision!r} for a stored visit")

    async def _own_assignment_and_stored(
        self, assignment_id: uuid.UUID, visit_id: uuid.UUID, principal: Principal
    ) -> tuple[VisitContext, _StoredRow | None]:
        """The assignment's context and the stored visit (if any) in one round trip."""
        row = await queries.assignment_and_stored_visit(self.session, assignment_id, visit_id)
        if row is None:
            raise VisitInvalid(f"assignment_id: no assignment {assignment_id} exists", field="assignment_id")
        if row.surveyor_id != principal.id:
            raise AssignmentForbidden("This assignment belongs to another surveyor.", field="assignment_id")
        stored = (
            None
            if row.revision is None
            else _StoredRow(
                assignment_id=row.visit_assignment_id,
                revision=row.revision,
                status=row.status,
                content_hash=row.content_hash,
                first_received_at=row.first_received_at,
            )
        )
        return visit_context_from_row(row), stored

    async def _stored(self, visit_id: uuid.UUID, *, for_update: bool = False) -> _StoredRow | None:
        row = await queries.stored_visit(self.session, visit_id, for_update=for_update)
        if row is None:
            return None
        return _StoredRow(
            assignment_id=row.assignment_id,
            revision=row.revision,
            status=row.status,
            content_hash=row.content_hash,
            first_received_at=row.first_received_at,
        )

    async def _insert_visit_if_new(
        self,
        visit_id: uuid.UUID,
        doc: VisitDocument,
        incoming: IncomingVisit,
        context: VisitContext,
        principal: Principal,
        now: datetime,
    ) -> bool:
        """Insert the visit row unless its id exists; False when it does (the primary key decides, not a lock)."""
        status = _status_of_new(doc)
        values = dict(
            id=visit_id,
            assignment_id=context.assignment_id,
            wave_id=context.wave_id,
            unit_id=context.unit_id,
            surveyor_id=principal.id,
            revision=doc.revision,
            status=status,
            content_hash=incoming.content_hash,
            started_at=doc.started_at,
            finished_at=doc.finished_at,
            first_received_at=now,
            updated_at=now,
            submitted_at=now if status == "submitted" else None,
        )
        return await queries.insert_visit_if_new(self.session, values)

    async def _create(
        self,
        visit_id: uuid.UUID,
        doc: VisitDocument,
        incoming: IncomingVisit,
        context: VisitContext,
        instrument: Instrument,
        principal: Principal,
        now: datetime,
    ) -> Receipt:
        """Everything of a new visit but its row, which ``_insert_visit_if_new`` wrote."""
        await queries.insert_revision_answers_and_positions(self.session, visit_id, doc, incoming.content_hash, now)
        if doc.photos:
            await self._insert_photos([_photo_row(visit_id, photo, doc.revision) for photo in doc.photos])
        flags = await recompute_flags(
            self.session,
            visit_id=visit_id,
            doc=doc,
            context=context,
            instrument=instrument,
            first_received_at=now,
            is_new=True,
        )
        status = _status_of_new(doc)
        await AuditLog(self.session).record(
            "visit.received",
            entity_type="visit",
            entity_id=visit_id,
            actor_id=principal.id,
            data={
                "revision": doc.revision,
                "status": status,
                "assignment_id": context.assignment_id,
                "content_hash": incoming.content_hash,
                "answers": len(doc.answers),
                "photos": len(doc.photos),
                "flags": [flag.code for flag in flags],
            },
        )
        return Receipt(
            id=visit_id,
            revision=doc.revision,
            status=status,
            missing_photos=sorted((photo.id for photo in doc.photos), key=str),
            flags=flags_for_surveyor(flags),
        )

    async def _insert_photos(self, rows: list[dict[str, Any]]) -> None:
        try:
            await queries.insert_photos(self.session, rows)
        except IntegrityError:
            # The request fails as a whole (its transaction is rolled back), so no savepoint is needed here.
            raise VisitConflict(
                "A photo id of this visit is already declared by another visit; a photo id belongs to one visit.",
                field="photos",
            ) from None

    async def _revise(
        self,
        visit_id: uuid.UUID,
        doc: VisitDocument,
        incoming: IncomingVisit,
        stored: _StoredRow,
        context: VisitContext,
        instrument: Instrument,
        principal: Principal,
    ) -> Receipt:
        _require_open_wave(context)
        now = clock.now()
        await queries.delete_answers_and_positions(self.session, visit_id)
        await queries.insert_revision_answers_and_positions(self.session, visit_id, doc, incoming.content_hash, now)
        removed = await self._redeclare_photos(visit_id, doc)
        missing = await self._missing_photo_ids(visit_id)
        status: VisitStatus = "incomplete" if missing else "submitted"
        await queries.update_visit(
            self.session,
            visit_id,
            {
                "revision": doc.revision,
                "status": status,
                "content_hash": incoming.content_hash,
                "started_at": doc.started_at,
                "finished_at": doc.finished_at,
                "updated_at": now,
                "submitted_at": now if status == "submitted" else None,
            },
        )
        flags = await recompute_flags(
            self.session,
            visit_id=visit_id,
            doc=doc,
            context=context,
            instrument=instrument,
            first_received_at=stored.first_received_at,
        )
        await AuditLog(self.session).record(
            "visit.revised",
            entity_type="visit",
            entity_id=visit_id,
            actor_id=principal.id,
            data={
                "revision": doc.revision,
                "previous_revision": stored.revision,
                "status": status,
                "content_hash": incoming.content_hash,
                "removed_photos": removed,
                "flags": [flag.code for flag in flags],
            },
        )
        return Receipt(
            id=visit_id, revision=doc.revision, status=status, missing_photos=missing, flags=flags_for_surveyor(flags)
        )

    async def _redeclare_photos(self, visit_id: uuid.UUID, doc: VisitDocument) -> list[str]:
        """Keep the rows of photos declared again, add new ones, drop the rest; return the dropped ids."""
        existing = await queries.photo_hashes(self.session, visit_id)
        for i, photo in enumerate(doc.photos):
            kept_sha256 = existing.get(photo.id)
            if kept_sha256 is None:
                continue
            if kept_sha256 != photo.sha256:
                raise VisitConflict(
                    f"photos[{i}].sha256: photo {photo.id} was declared with other content; "
                    "a changed picture needs a new photo id.",
                    field=f"photos[{i}].sha256",
                )
            await queries.redeclare_photo(
                self.session,
                photo.id,
                {
                    "indicator": photo.indicator,
                    "taken_at": photo.taken_at,
                    "lat": photo.lat,
                    "lon": photo.lon,
                    "accuracy_m": photo.accuracy_m,
                },
            )
        new_rows = [_photo_row(visit_id, photo, doc.revision) for photo in doc.photos if photo.id not in existing]
        if new_rows:
            await self._insert_photos(new_rows)
        removed = sorted(set(existing) - {photo.id for photo in doc.photos}, key=str)
        if removed:
            await queries.delete_photos(self.session, removed)
        return [str(photo_id) for photo_id in removed]

    async def _missing_photo_ids(self, visit_id: uuid.UUID) -> list[uuid.UUID]:
        return (await queries.missing_photo_ids(self.session, [visit_id]))[visit_id]

    # --- GET /api/visits/{id}, GET /api/me/visits ----------------------------------------------------------------

    async def receipt(self, visit_id: uuid.UUID, *, surveyor_view: bool) -> Receipt:
        row = await queries.receipt_head(self.session, visit_id)
        flags = (await stored_flags(self.session, [visit_id]))[visit_id]
        return Receipt(
            id=visit_id,
            revision=row.revision,
            status=row.status,
            missing_photos=await self._missing_photo_ids(visit_id),
            flags=flags_for_surveyor(flags) if surveyor_view else flags,
        )

    async def visit_for_viewer(self, visit_id: uuid.UUID, principal: Principal) -> VisitWithReview:
        """The receipt and latest review, for the surveyor who made the visit or a reviewer of its region."""
        visit = await queries.visit_with_region(self.session, visit_id)
        if visit is None or not await may_see_visit(self.session, principal, visit.surveyor_id, visit.region_id):
            raise NotFound(f"No visit {visit_id} that you may see.")
        is_surveyor = principal.id == visit.surveyor_id
        return (await self._with_reviews([visit], surveyor_view=is_surveyor))[0]

    async def my_visits(self, principal: Principal, status: VisitStatus) -> list[VisitForCorrection]:
        """The caller's visits in ``status``, each with its current document so a phone can restore a lost copy."""
        visits = await queries.visits_of_surveyor(self.session, principal.id, status)
        with_reviews = await self._with_reviews(visits, surveyor_view=True)
        documents = await queries.current_documents(self.session, visits)
        return [
            VisitForCorrection(**msgspec.structs.asdict(visit), document=documents.get(visit.id))
            for visit in with_reviews
        ]

    async def _with_reviews(self, visits: Sequence[Any], *, surveyor_view: bool) -> list[VisitWithReview]:
        ids = [visit.id for visit in visits]
        flags = await stored_flags(self.session, ids)
        missing = await queries.missing_photo_ids(self.session, ids)
        reviews = await queries.latest_reviews(self.session, ids)
        return [
            VisitWithReview(
                id=visit.id,
                revision=visit.revision,
                status=visit.status,
                missing_photos=missing[visit.id],
                flags=flags_for_surveyor(flags[visit.id]) if surveyor_view else flags[visit.id],
                review=reviews.get(visit.id),
                assignment_id=visit.assignment_id,
            )
            for visit in visits
        ]


async def may_see_visit(
    session: AsyncSession, principal: Principal, surveyor_id: uuid.UUID, region_id: uuid.UUID
) -> bool:
    """A visit and its photos are seen by the surveyor who made it, admins and the supervisors of its region."""
    if principal.is_admin or principal.id == surveyor_id:
        return True
    if principal.role != "supervisor":
        return False
    return await queries.supervisor_covers_region(session, principal.id, region_id)


def _status_of_new(doc: VisitDocument) -> VisitStatus:
    return "incomplete" if doc.photos else "submitted"


def _require_open_wave(context: VisitContext) -> None:
    if context.wave_status not in OPEN_WAVE_STATUSES:
        raise WaveStateConflict(
            f"The wave of this assignment is {context.wave_status}; visits are taken only during fieldwork and review."
        )


def _photo_row(visit_id: uuid.UUID, photo: PhotoDeclaration, revision: int) -> dict[str, Any]:
    return {
        "id": photo.id,
        "visit_id": visit_id,
        "indicator": photo.indicator,
        "sha256": photo.sha256,
        "size": photo.size,
        "content_type": photo.content_type,
        "taken_at": photo.taken_at,
        "lat": photo.lat,
        "lon": photo.lon,
        "accuracy_m": photo.accuracy_m,
        "declared_revision": revision,
        "stored_at": None,
    }
