"""Fixtures of the admin API tests: an admin who calls, and a way to see that a refused request wrote nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from server.db.models import Base
from tests.factories import Factory

Snapshot = Callable[[], Awaitable[dict[str, int]]]


@pytest.fixture
async def admin_headers(make: Factory) -> dict[str, str]:
    return make.headers(await make.user(role="admin", username="admin"))


@pytest.fixture
def row_counts(app: Litestar) -> Snapshot:
    """How many rows every table holds (audit events included), to compare before and after a refused request."""

    async def counts() -> dict[str, int]:
        async with app.state.session_factory() as session:
            return {
                table.name: await session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }

    return counts
