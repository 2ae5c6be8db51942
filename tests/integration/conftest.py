from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete, update

from server.db.models import AuditHead, Base
from tests.factories import Factory


@pytest.fixture(autouse=True)
async def clean_database(app: Litestar, client: httpx.AsyncClient) -> AsyncIterator[None]:
    """Every test starts from the migrated, empty database: its rows are deleted afterwards (the app commits for
    real, as in production, so a rollback per test cannot undo it)."""
    yield
    await app.state.audit_sealer.idle()
    async with app.state.session_factory() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "audit_head":
                await session.execute(update(AuditHead).values(seq=0, hash="0" * 64))
            else:
                await session.execute(delete(table))


@pytest.fixture
def make(app: Litestar, client: httpx.AsyncClient) -> Factory:
    return Factory(app)
