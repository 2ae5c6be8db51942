"""The statements over stored instrument versions and the waves that use them."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Assignment, Instrument, Wave


async def find_instrument(session: AsyncSession, key: str, version: str) -> Instrument | None:
    return await session.scalar(select(Instrument).where(Instrument.key == key, Instrument.version == version))


async def latest_version(session: AsyncSession, key: str) -> str | None:
    """The version stored last: versions are text as authors write them, so only their order of upload orders them."""
    query = (
        select(Instrument.version)
        .where(Instrument.key == key)
        .order_by(Instrument.created_at.desc(), Instrument.id.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def instruments_with_wave_counts(session: AsyncSession) -> list[tuple[Instrument, int]]:
    """Every stored version, by key and then in the order stored, with how many waves use it."""
    wave_count = (
        select(func.count())
        .select_from(Wave)
        .where(Wave.instrument_id == Instrument.id)
        .correlate(Instrument)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Instrument, wave_count).order_by(Instrument.key, Instrument.created_at, Instrument.id)
    )
    return [(row, count) for row, count in rows]


async def waves_using(session: AsyncSession, instrument_id: uuid.UUID) -> list[Wave]:
    query = select(Wave).where(Wave.instrument_id == instrument_id).order_by(Wave.created_at)
    return list((await session.scalars(query)).all())


async def is_assigned_in_a_wave_using(session: AsyncSession, surveyor_id: uuid.UUID, instrument_id: uuid.UUID) -> bool:
    """Whether the surveyor holds an assignment in a wave that uses this instrument version."""
    assigned = exists().where(
        Assignment.surveyor_id == surveyor_id, Assignment.wave_id == Wave.id, Wave.instrument_id == instrument_id
    )
    return bool(await session.scalar(select(assigned)))
