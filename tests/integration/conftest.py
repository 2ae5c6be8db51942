from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import Table, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import AuditHead, Base
from tests.factories import Factory


@pytest.fixture(autouse=True)
async def clean_database(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[None]:
    """Every test starts from the migrated, empty database: its rows are deleted afterwards (the app commits for
    real, as in production, so a rollback per test cannot undo it), whatever the test or its set-up left behind."""
    yield
    await app.state.audit_sealer.idle()
    async with app.state.session_factory() as session, session.begin():
        await delete_every_row(session)


async def delete_every_row(session: AsyncSession) -> None:
    """Empty every table, referring rows before the rows they refer to, and reset the audit chain's head."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name == "audit_head":
            await session.execute(update(AuditHead).values(seq=0, hash="0" * 64))
            continue
        # SQLite checks ON DELETE RESTRICT row by row as it deletes (PostgreSQL at the end of the statement), so a
        # table whose rows refer to each other, a regency to its province, cannot be emptied in one go while they do.
        if references := self_references(table):
            await session.execute(update(table).values(dict.fromkeys(references)))
        await session.execute(delete(table))


def self_references(table: Table) -> list[str]:
    return [key.parent.name for key in table.foreign_keys if key.column.table is table]


@pytest.fixture
def make(app: Litestar, client: httpx.AsyncClient) -> Factory:
    return Factory(app)
