"""The statements of supervisor review, and the reviewer's region scope that results and insights share.

A visit is read with the unit, agency, region (and wave) it belongs to; the queue's filters are named conditions so
that each count can leave out the one filter it counts by.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVarTuple, cast

import msgspec
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Row,
    Select,
    case,
    delete,
    distinct,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.db.models import (
    Agency,
    Answer,
    Assignment,
    Flag,
    OpenRosaSubmission,
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
from server.db.models import Instrument as InstrumentRow
from server.domain.instruments.documents import Instrument
from server.domain.review.evidence import SEVERITY_RANK
from server.domain.visits.queries import AnyRow
from server.lib.auth import Principal
from server.lib.errors import NotFound

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


# --- the queue --------------------------------------------------------------------------------------------------


Columns = TypeVarTuple("Columns")


def _visit_join(statement: Select[*Columns], *, with_wave: bool = True) -> Select[*Columns]:
    """Join a statement on visits to the unit, agency and region (and wave) a visit belongs to."""
    statement = (
        statement.join(Unit, Unit.id == Visit.unit_id)
        .join(Agency, Agency.id == Unit.agency_id)
        .join(Region, Region.id == Agency.region_id)
    )
    return statement.join(Wave, Wave.id == Visit.wave_id) if with_wave else statement


class QueueConditions:
    """The queue's filters as named WHERE conditions."""

    def __init__(
        self,
        scope: frozenset[uuid.UUID] | None,
        *,
        wave_id: uuid.UUID | None,
        region_id: uuid.UUID | None,
        agency_id: uuid.UUID | None,
        status: str | None,
        flag: str | None,
        strongest: str | None = None,
    ) -> None:
        status_condition = Visit.status == status if status is not None else Visit.status != _NOT_IN_QUEUE_BY_DEFAULT
        self._named: dict[str, list[ColumnElement[bool]]] = {
            "scope": in_scope(Agency.region_id, scope),
            "wave": [] if wave_id is None else [Visit.wave_id == wave_id],
            "region": [] if region_id is None else [Agency.region_id == region_id],
            "agency": [] if agency_id is None else [Unit.agency_id == agency_id],
            "status": [status_condition],
            "flag": []
            if flag is None
            else [exists(select(Flag.id).where(Flag.visit_id == Visit.id, Flag.code == flag))],
            "strongest": [] if strongest is None else [strongest_rank() == STRONGEST_RANKS[strongest]],
        }

    def all(self, *, but: str | None = None) -> list[ColumnElement[bool]]:
        return [condition for name, conditions in self._named.items() if name != but for condition in conditions]


STRONGEST_RANKS = {"none": 0, **SEVERITY_RANK}


def strongest_rank() -> ColumnElement[int]:
    """The rank of a visit's most severe flag (``evidence.SEVERITY_RANK``), 0 without flags."""
    flag = aliased(Flag)  # the flag counts join Flag themselves; this subquery must not correlate to theirs
    rank = case(*((flag.severity == name, value) for name, value in SEVERITY_RANK.items()), else_=0)
    ranks = select(func.max(rank)).where(flag.visit_id == Visit.id).correlate(Visit)
    return func.coalesce(ranks.scalar_subquery(), 0)


async def queue_page(
    session: AsyncSession, conditions: QueueConditions, *, limit: int, offset: int, strongest_first: bool = False
) -> Sequence[AnyRow]:
    """Rows of (Visit, Wave, Unit, Agency, Region, display_name), oldest submission first (within each strongest
    flag's severity, most severe first, when ``strongest_first``)."""
    oldest_first = (func.coalesce(Visit.submitted_at, Visit.first_received_at), Visit.id)
    order = (strongest_rank().desc(), *oldest_first) if strongest_first else oldest_first
    statement = (
        _visit_join(select(Visit, Wave, Unit, Agency, Region, User.display_name))
        .join(User, User.id == Visit.surveyor_id)
        .where(*conditions.all())
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return (await session.execute(statement)).all()


async def queue_total(session: AsyncSession, conditions: QueueConditions) -> int:
    return await session.scalar(_visit_join(select(func.count(Visit.id))).where(*conditions.all())) or 0


async def status_counts(session: AsyncSession, conditions: QueueConditions) -> dict[str, int]:
    """Visits per status under every filter but the status."""
    rows = await session.execute(
        _visit_join(select(Visit.status, func.count(Visit.id)))
        .where(*conditions.all(but="status"))
        .group_by(Visit.status)
    )
    return {status: count for status, count in rows.all()}


async def flag_counts(session: AsyncSession, conditions: QueueConditions) -> dict[str, int]:
    """Visits carrying each flag code under every filter but the flag."""
    rows = await session.execute(
        _visit_join(
            select(Flag.code, func.count(distinct(Flag.visit_id)))
            .select_from(Flag)
            .join(Visit, Visit.id == Flag.visit_id)
        )
        .where(*conditions.all(but="flag"))
        .group_by(Flag.code)
    )
    return {code: count for code, count in rows.all()}


async def strongest_counts(session: AsyncSession, conditions: QueueConditions) -> dict[str, int]:
    """Visits per severity of their strongest flag ("none": without flags) under every filter but that one."""
    ranked = (
        _visit_join(select(Visit.id, strongest_rank().label("rank"))).where(*conditions.all(but="strongest")).subquery()
    )
    rows = await session.execute(select(ranked.c.rank, func.count()).group_by(ranked.c.rank))
    names = {value: name for name, value in STRONGEST_RANKS.items()}
    return {names[value]: count for value, count in rows.all()}


async def flag_rows(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> Sequence[AnyRow]:
    """(visit_id, code, severity) of every flag of the visits."""
    rows = await session.execute(select(Flag.visit_id, Flag.code, Flag.severity).where(Flag.visit_id.in_(visit_ids)))
    return rows.all()


async def photo_counts(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, int]]:
    """Photos declared, stored, and stored but not rendered yet (``photos.render_service``), per visit that has any."""
    processing = func.count().filter(
        Photo.stored_at.is_not(None), Photo.rendered_at.is_(None), Photo.unreadable_at.is_(None)
    )
    rows = await session.execute(
        select(Photo.visit_id, func.count(Photo.id), func.count(Photo.stored_at), processing)
        .where(Photo.visit_id.in_(visit_ids))
        .group_by(Photo.visit_id)
    )
    return {visit_id: (declared, stored, waiting) for visit_id, declared, stored, waiting in rows.all()}


# --- one visit ----------------------------------------------------------------------------------------------------


async def visit_with_places(
    session: AsyncSession, visit_id: uuid.UUID
) -> Row[Visit, Wave, Unit, Agency, Region] | None:
    return (
        await session.execute(_visit_join(select(Visit, Wave, Unit, Agency, Region)).where(Visit.id == visit_id))
    ).one_or_none()


async def assignment(session: AsyncSession, assignment_id: uuid.UUID) -> Assignment:
    return await session.get_one(Assignment, assignment_id)


async def user(session: AsyncSession, user_id: uuid.UUID) -> User:
    return await session.get_one(User, user_id)


async def answers(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Answer]:
    return (await session.scalars(select(Answer).where(Answer.visit_id == visit_id))).all()


async def photos(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Photo]:
    """In the order they were taken."""
    return (
        await session.scalars(select(Photo).where(Photo.visit_id == visit_id).order_by(Photo.taken_at, Photo.id))
    ).all()


async def flags(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Flag]:
    return (await session.scalars(select(Flag).where(Flag.visit_id == visit_id).order_by(Flag.id))).all()


async def positions(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Position]:
    return (await session.scalars(select(Position).where(Position.visit_id == visit_id).order_by(Position.seq))).all()


async def score(session: AsyncSession, visit_id: uuid.UUID) -> VisitScore | None:
    return await session.get(VisitScore, visit_id)


async def revisions(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[VisitRevision]:
    """Oldest first."""
    return (
        await session.scalars(
            select(VisitRevision).where(VisitRevision.visit_id == visit_id).order_by(VisitRevision.revision)
        )
    ).all()


async def reviews_with_reviewer_names(session: AsyncSession, visit_id: uuid.UUID) -> list[tuple[Review, str]]:
    """Oldest first."""
    rows = await session.execute(
        select(Review, User.display_name)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.visit_id == visit_id)
        .order_by(Review.decided_at, Review.id)
    )
    return [(review, name) for review, name in rows.all()]


# --- deciding -----------------------------------------------------------------------------------------------------


async def wave_for_share(session: AsyncSession, wave_id: uuid.UUID) -> Wave:
    """The wave as stored now, locked FOR SHARE on PostgreSQL: a publish waits for a decision, or the decision sees
    the published wave."""
    wave = await session.scalar(
        select(Wave).where(Wave.id == wave_id).with_for_update(read=True).execution_options(populate_existing=True)
    )
    assert wave is not None  # visits.wave_id is a foreign key
    return wave


async def compare_and_set_status(
    session: AsyncSession, visit_id: uuid.UUID, *, seen_status: str, seen_revision: int, new_status: str, now: datetime
) -> bool:
    """Set the visit's status only if it still has the status and revision seen; False when it has not."""
    changed = await session.execute(
        update(Visit)
        .where(Visit.id == visit_id, Visit.status == seen_status, Visit.revision == seen_revision)
        .values(status=new_status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], changed).rowcount == 1


async def delete_score(session: AsyncSession, visit_id: uuid.UUID) -> None:
    await session.execute(delete(VisitScore).where(VisitScore.visit_id == visit_id))


async def display_name(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    return await session.scalar(select(User.display_name).where(User.id == user_id))


# --- waves to review ------------------------------------------------------------------------------------------------


async def reviewable_waves(session: AsyncSession, scope: frozenset[uuid.UUID] | None) -> Sequence[Wave]:
    """Waves past draft with at least one assignment in the scope, newest period first."""
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
    return (await session.scalars(statement)).all()


async def visit_counts(
    session: AsyncSession, wave_ids: Sequence[uuid.UUID], scope: frozenset[uuid.UUID] | None
) -> Sequence[Row[uuid.UUID, str, int]]:
    """(wave_id, status, count) of the visits of the waves in the scope."""
    return (
        await session.execute(
            _visit_join(select(Visit.wave_id, Visit.status, func.count(Visit.id)), with_wave=False)
            .where(Visit.wave_id.in_(wave_ids), *in_scope(Agency.region_id, scope))
            .group_by(Visit.wave_id, Visit.status)
        )
    ).all()


async def openrosa_client(session: AsyncSession, visit_id: uuid.UUID) -> str | None:
    """The client named by the visit's OpenRosa submission, if it came from ODK Collect (or a kin of it)."""
    return await session.scalar(select(OpenRosaSubmission.client).where(OpenRosaSubmission.visit_id == visit_id))
