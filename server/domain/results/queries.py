"""The statements of a wave's results and its publication.

A results page reads thousands of units: the rows are read as plain Core rows, ids as the driver gives them and made
text by ``id_text``, the dimension scores as JSON text decoded straight into Decimals.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import msgspec
from sqlalchemy import CursorResult, func, select, type_coerce, update
from sqlalchemy import Text as SqlText
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Region, Unit, Visit, VisitScore, Wave
from server.domain.results.values import ApprovedScore, Id, UnitPlace
from server.domain.review.queries import in_scope


async def wave(session: AsyncSession, wave_id: uuid.UUID) -> Wave | None:
    return await session.get(Wave, wave_id)


async def published_waves(session: AsyncSession) -> list[Wave]:
    """Newest publication first."""
    statement = select(Wave).where(Wave.status == "published").order_by(Wave.published_at.desc(), Wave.name)
    return list((await session.scalars(statement)).all())


async def mark_published(session: AsyncSession, wave_id: uuid.UUID, *, from_status: str, now: datetime) -> bool:
    """Publish the wave if it is in ``from_status``; False when it is not (or does not exist)."""
    changed = await session.execute(
        update(Wave)
        .where(Wave.id == wave_id, Wave.status == from_status)
        .values(status="published", published_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], changed).rowcount == 1


async def wave_as_stored(session: AsyncSession, wave_id: uuid.UUID) -> Wave | None:
    """The wave as the database holds it now, not as this session last saw it."""
    return await session.scalar(select(Wave).where(Wave.id == wave_id).execution_options(populate_existing=True))


async def unreviewed_visit_count(session: AsyncSession, wave_id: uuid.UUID) -> int:
    """Visits of the wave still incomplete or submitted."""
    count = await session.scalar(
        select(func.count(Visit.id)).where(Visit.wave_id == wave_id, Visit.status.in_(("incomplete", "submitted")))
    )
    return count or 0


async def _core(session: AsyncSession, statement: Any) -> Any:
    # Plain Core rows: the ORM's per-row bookkeeping costs more than the query for a wave of thousands of units.
    return await (await session.connection()).execute(statement)


async def unit_places(session: AsyncSession, wave_id: uuid.UUID, scope: frozenset[uuid.UUID] | None) -> list[UnitPlace]:
    """Every unit with an assignment in the wave (within the scope), with its agency and region."""
    rows = await _core(
        session,
        select(
            _raw_id(Unit.id),
            Unit.name,
            Unit.address,
            Unit.lat,
            Unit.lon,
            _raw_id(Agency.id),
            Agency.name,
            _raw_id(Region.id),
            Region.name,
            Region.code,
        )
        .join(Agency, Agency.id == Unit.agency_id)
        .join(Region, Region.id == Agency.region_id)
        .where(
            Unit.id.in_(select(Assignment.unit_id).where(Assignment.wave_id == wave_id)),
            *in_scope(Agency.region_id, scope),
        ),
    )
    parent_ids: dict[Any, Id] = {}  # thousands of units share a few agencies and regions

    def parent_id(raw: Any) -> Id:
        return parent_ids.get(raw) or parent_ids.setdefault(raw, id_text(raw))

    return [
        UnitPlace(
            unit_id=id_text(unit_id),
            unit_name=unit_name,
            address=address,
            lat=lat,
            lon=lon,
            agency_id=parent_id(agency_id),
            agency_name=agency_name,
            region_id=parent_id(region_id),
            region_name=region_name,
            region_code=region_code,
        )
        for (
            unit_id,
            unit_name,
            address,
            lat,
            lon,
            agency_id,
            agency_name,
            region_id,
            region_name,
            region_code,
        ) in rows.all()
    ]


async def approved_scores(
    session: AsyncSession, wave_id: uuid.UUID, scope: frozenset[uuid.UUID] | None
) -> list[ApprovedScore]:
    """The stored scores of the wave's approved visits (within the scope)."""
    statement = (
        select(
            _raw_id(VisitScore.visit_id),
            _raw_id(VisitScore.unit_id),
            VisitScore.total,
            sql_cast(VisitScore.dimensions, SqlText),
        )
        .join(Visit, Visit.id == VisitScore.visit_id)
        .where(VisitScore.wave_id == wave_id, Visit.status == "approved")
    )
    if scope is not None:
        statement = (
            statement.join(Unit, Unit.id == VisitScore.unit_id)
            .join(Agency, Agency.id == Unit.agency_id)
            .where(*in_scope(Agency.region_id, scope))
        )
    rows = await _core(session, statement)
    return [
        ApprovedScore(
            visit_id=id_text(visit_id),
            unit_id=id_text(unit_id),
            total=None if total is None else Decimal(total),
            dimensions=_decode_dimensions(dimensions),
        )
        for visit_id, unit_id, total, dimensions in rows.all()
    ]


def _raw_id(column: Any) -> Any:
    # Read ids as the driver gives them; ``id_text`` makes them text faster than building uuid.UUID objects.
    return type_coerce(column, SqlText)


def id_text(value: Any) -> Id:
    """The hyphenated text of a UUID read raw: SQLite keeps 32 hex digits, PostgreSQL's driver has its own type."""
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


_DIMENSIONS_DECODER = msgspec.json.Decoder(dict[str, Decimal | None])


def _decode_dimensions(document: str) -> dict[str, Decimal | None]:
    # Read as text (cast in SQL, so PostgreSQL's driver does not parse the JSONB first) and decoded straight into
    # Decimals: the stored strings keep every digit.
    return _DIMENSIONS_DECODER.decode(document)
