"""The statements over regions, agencies and units, and the rows they return."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from server.db.models import Agency, Region, Unit


@dataclass(frozen=True)
class AgencyView:
    agency: Agency
    region: Region


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    agency: Agency
    region: Region


def _agencies_with_regions() -> Select[Agency, Region]:
    return select(Agency, Region).join(Region, Agency.region_id == Region.id)


def _units_with_places() -> Select[Unit, Agency, Region]:
    return (
        select(Unit, Agency, Region)
        .join(Agency, Unit.agency_id == Agency.id)
        .join(Region, Agency.region_id == Region.id)
    )


# --- regions --------------------------------------------------------------------------------------------------------


async def regions(session: AsyncSession) -> list[Region]:
    return list((await session.scalars(select(Region).order_by(Region.code))).all())


async def region_id_by_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    return await session.scalar(select(Region.id).where(Region.code == code))


async def regions_by_code(session: AsyncSession, codes: Iterable[str]) -> dict[str, Region]:
    wanted = list(codes)
    if not wanted:
        return {}
    return {region.code: region for region in (await session.scalars(select(Region).where(Region.code.in_(wanted))))}


# --- agencies -------------------------------------------------------------------------------------------------------


async def agency_views(session: AsyncSession, *, region_id: uuid.UUID | None = None) -> list[AgencyView]:
    query = _agencies_with_regions().order_by(Region.code, Agency.name)
    if region_id is not None:
        query = query.where(Agency.region_id == region_id)
    return [AgencyView(agency=agency, region=region) for agency, region in (await session.execute(query)).all()]


async def agency_view(session: AsyncSession, agency_id: uuid.UUID) -> AgencyView | None:
    row = (await session.execute(_agencies_with_regions().where(Agency.id == agency_id))).first()
    return None if row is None else AgencyView(agency=row[0], region=row[1])


async def agency_named(session: AsyncSession, region_id: uuid.UUID, name: str) -> Agency | None:
    """The region's agency of that name, ignoring case."""
    return await session.scalar(
        select(Agency).where(Agency.region_id == region_id, func.lower(Agency.name) == name.lower())
    )


async def agencies_by_name(
    session: AsyncSession, region_ids: Iterable[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], Agency]:
    """The agencies of these regions, by ``(region id, lower-case name)``."""
    query = select(Agency).where(Agency.region_id.in_(list(region_ids)))
    return {(agency.region_id, agency.name.lower()): agency for agency in await session.scalars(query)}


# --- units ----------------------------------------------------------------------------------------------------------


async def unit_views(
    session: AsyncSession, *, region_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None
) -> list[UnitView]:
    query = _units_with_places().order_by(Region.code, Agency.name, Unit.name)
    if region_id is not None:
        query = query.where(Agency.region_id == region_id)
    if agency_id is not None:
        query = query.where(Unit.agency_id == agency_id)
    return [UnitView(unit=unit, agency=agency, region=region) for unit, agency, region in await session.execute(query)]


async def unit_view(session: AsyncSession, unit_id: uuid.UUID) -> UnitView | None:
    row = (await session.execute(_units_with_places().where(Unit.id == unit_id))).first()
    return None if row is None else UnitView(unit=row[0], agency=row[1], region=row[2])


async def unit_views_by_id(session: AsyncSession, unit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UnitView]:
    ids = list(unit_ids)
    if not ids:
        return {}
    rows = await session.execute(_units_with_places().where(Unit.id.in_(ids)))
    return {unit.id: UnitView(unit=unit, agency=agency, region=region) for unit, agency, region in rows}


async def unit_ids(session: AsyncSession) -> set[uuid.UUID]:
    return set((await session.scalars(select(Unit.id))).all())


async def unit_named(session: AsyncSession, agency_id: uuid.UUID, name: str) -> Unit | None:
    """The agency's unit of that name, ignoring case."""
    return await session.scalar(select(Unit).where(Unit.agency_id == agency_id, func.lower(Unit.name) == name.lower()))


async def units_by_name(session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> dict[tuple[uuid.UUID, str], Unit]:
    """The units of these agencies, by ``(agency id, lower-case name)``."""
    query = select(Unit).where(Unit.agency_id.in_(list(agency_ids)))
    return {(unit.agency_id, unit.name.lower()): unit for unit in await session.scalars(query)}


# --- many rows at once ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedRows:
    """One statement in the database's own SQL and its rows' values already converted for the driver, so that
    running it does nothing but the driver's executemany. On SQLite the write lock is held from the first statement to
    the commit, and converting 10,000 rows' values inside it (SQLAlchemy's per-row parameters and type processing)
    took two thirds of the time the lock was held."""

    sql: str
    rows: list[tuple[Any, ...]]


def prepared_insert(dialect: Dialect, table: Table, rows: Sequence[Mapping[str, Any]]) -> PreparedRows:
    columns = list(rows[0]) if rows else []
    # The columns a row leaves out take their defaults, which SQLAlchemy adds to the statement.
    defaults = {
        column.key: column.default.arg
        for column in table.columns
        if isinstance(column.default, ScalarElementColumnDefault) and column.key not in columns
    }
    return _prepared(dialect, insert(table), columns, [{**defaults, **row} for row in rows])


def prepared_updates(dialect: Dialect, table: Table, rows: Sequence[Mapping[str, Any]]) -> PreparedRows:
    """Each row sets its values on the row of its ``id``."""
    columns = [name for name in rows[0] if name != "id"] if rows else []
    statement = update(table).where(table.c.id == bindparam("row_id"))
    return _prepared(dialect, statement, columns, [{**row, "row_id": row["id"]} for row in rows])


def _prepared(dialect: Dialect, statement: Any, columns: list[str], rows: Sequence[Mapping[str, Any]]) -> PreparedRows:
    if not rows:
        return PreparedRows(sql="", rows=[])
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    names = list(compiled.positiontup or [])
    processors = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    converted = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, (row[name] for name in names), strict=True)
        )
        for row in rows
    ]
    return PreparedRows(sql=str(compiled), rows=converted)


async def execute_prepared(session: AsyncSession, prepared: PreparedRows) -> None:
    if prepared.rows:
        connection = await session.connection()
        await connection.exec_driver_sql(prepared.sql, prepared.rows)
