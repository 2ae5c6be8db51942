"""The statements of insights: the waves a caller may see, the places a trend or a plan is about, the approved
visits' stored scores across waves, and what an improvement plan shows of one visit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Row, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Answer, Photo, Region, Review, Unit, Visit, VisitScore, Wave
from server.domain.review.queries import in_scope
from server.domain.visits.queries import AnyRow


async def waves_in(session: AsyncSession, statuses: Sequence[str]) -> Sequence[Wave]:
    return (await session.scalars(select(Wave).where(Wave.status.in_(statuses)))).all()


async def region(session: AsyncSession, region_id: uuid.UUID) -> Region | None:
    return await session.get(Region, region_id)


async def agency_with_region(session: AsyncSession, agency_id: uuid.UUID) -> Row[Agency, Region] | None:
    return (
        await session.execute(
            select(Agency, Region).join(Region, Region.id == Agency.region_id).where(Agency.id == agency_id)
        )
    ).one_or_none()


async def unit_with_places(session: AsyncSession, unit_id: uuid.UUID) -> Row[Unit, Agency, Region] | None:
    return (
        await session.execute(
            select(Unit, Agency, Region)
            .join(Agency, Agency.id == Unit.agency_id)
            .join(Region, Region.id == Agency.region_id)
            .where(Unit.id == unit_id)
        )
    ).one_or_none()


async def agency_kinds(session: AsyncSession, agency_ids: Sequence[uuid.UUID]) -> dict[str, str | None]:
    """Each agency's kind, by the agency's id as text."""
    rows = await session.execute(select(Agency.id, Agency.kind).where(Agency.id.in_(agency_ids)))
    return {str(agency_id): kind for agency_id, kind in rows.all()}


async def approved_score_rows(
    session: AsyncSession,
    wave_ids: Sequence[uuid.UUID],
    scope: frozenset[uuid.UUID] | None,
    *,
    unit_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    region_id: uuid.UUID | None = None,
    with_dimensions: bool = False,
    with_indicators: bool = False,
) -> Sequence[AnyRow]:
    """The approved visits' stored scores in these waves and the scope, narrowed to a unit, agency or region, with
    the unit's places: (wave_id, visit_id, total, unit id, name, address, agency id, name, kind, region id, name,
    dimensions, indicators). Dimension and indicator scores only when asked for (they are most of each row)."""
    empty = null()
    statement = (
        select(
            VisitScore.wave_id,
            VisitScore.visit_id,
            VisitScore.total,
            Unit.id,
            Unit.name,
            Unit.address,
            Agency.id,
            Agency.name,
            Agency.kind,
            Region.id,
            Region.name,
            VisitScore.dimensions if with_dimensions else empty,
            VisitScore.indicators if with_indicators else empty,
        )
        .join(Visit, Visit.id == VisitScore.visit_id)
        .join(Unit, Unit.id == VisitScore.unit_id)
        .join(Agency, Agency.id == Unit.agency_id)
        .join(Region, Region.id == Agency.region_id)
        .where(Visit.status == "approved", VisitScore.wave_id.in_(list(wave_ids)), *in_scope(Agency.region_id, scope))
    )
    for column, value in ((Unit.id, unit_id), (Agency.id, agency_id), (Region.id, region_id)):
        if value is not None:
            statement = statement.where(column == value)
    return (await session.execute(statement)).all()


async def latest_approved_visit(
    session: AsyncSession, unit_id: uuid.UUID, wave_id: uuid.UUID | None
) -> Row[Visit, Wave] | None:
    """The unit's approved visit finished last (in ``wave_id`` when given), with its wave."""
    statement = (
        select(Visit, Wave)
        .join(Wave, Wave.id == Visit.wave_id)
        .where(Visit.unit_id == unit_id, Visit.status == "approved")
        .order_by(Visit.finished_at.desc(), Visit.id.desc())
        .limit(1)
    )
    if wave_id is not None:
        statement = statement.where(Visit.wave_id == wave_id)
    return (await session.execute(statement)).one_or_none()


async def answers(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Answer]:
    return (await session.scalars(select(Answer).where(Answer.visit_id == visit_id))).all()


async def stored_photo_indicators(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Row[uuid.UUID, str]]:
    """(photo id, indicator) of the visit's stored photos, in the order they were taken."""
    rows = await session.execute(
        select(Photo.id, Photo.indicator)
        .where(Photo.visit_id == visit_id, Photo.stored_at.is_not(None))
        .order_by(Photo.taken_at, Photo.id)
    )
    return rows.all()


async def reviews(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[Review]:
    """Oldest first."""
    return (
        await session.scalars(select(Review).where(Review.visit_id == visit_id).order_by(Review.decided_at, Review.id))
    ).all()
