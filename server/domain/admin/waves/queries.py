"""The statements over waves, and the rows they return."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Assignment, Instrument, Wave


@dataclass(frozen=True)
class WaveView:
    wave: Wave
    instrument: Instrument
    assignment_count: int


async def wave_views(session: AsyncSession) -> list[WaveView]:
    """Every wave, latest period first, with its instrument and how many assignments it holds."""
    count = (
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.wave_id == Wave.id)
        .correlate(Wave)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Wave, Instrument, count)
        .join(Instrument, Wave.instrument_id == Instrument.id)
        .order_by(Wave.period_start.desc(), Wave.name)
    )
    return [WaveView(wave=wave, instrument=instrument, assignment_count=n) for wave, instrument, n in rows]


async def wave_id_named(session: AsyncSession, name: str, *, other_than: uuid.UUID | None = None) -> uuid.UUID | None:
    """A wave of that name, ignoring case (other than the one given)."""
    query = select(Wave.id).where(func.lower(Wave.name) == name.lower())
    if other_than is not None:
        query = query.where(Wave.id != other_than)
    return await session.scalar(query)


async def wave_view(session: AsyncSession, wave_id: uuid.UUID) -> WaveView | None:
    count = select(func.count()).select_from(Assignment).where(Assignment.wave_id == wave_id).scalar_subquery()
    row = (
        await session.execute(
            select(Wave, Instrument, count)
            .join(Instrument, Wave.instrument_id == Instrument.id)
            .where(Wave.id == wave_id)
        )
    ).first()
    return None if row is None else WaveView(wave=row[0], instrument=row[1], assignment_count=row[2])
