"""Two tests that test_clean_up.py runs in a pytest of its own (its name keeps it out of the suite): the first one's
set-up fails after writing rows of every kind the suite's tests write, a regency under its province among them; the
second one must find the database as the migrations left it."""

from __future__ import annotations

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from server.db.models import AuditHead, Base, Region
from server.lib import clock
from tests.factories import Factory

FAILURE = "the set-up fails half-way through writing, on purpose"


@pytest.fixture
async def half_written_world(app: Litestar, make: Factory) -> None:
    province = await make.region(code="32", name="Jawa Barat", kind="province")
    regency = Region(code="32.09", name="Kabupaten Cirebon", parent_id=province.id, created_at=clock.now())
    surveyor = await make.user(role="surveyor", username="surveyor1")
    async with app.state.session_factory() as session, session.begin():
        session.add(regency)
    await make.user(role="supervisor", username="supervisor1", regions=[province, regency])
    unit = await make.unit(agency=await make.agency(region=regency))
    await make.assignment(wave=await make.wave(), unit=unit, surveyor=surveyor)
    raise RuntimeError(FAILURE)


async def test_one_whose_set_up_fails(half_written_world: None) -> None:
    raise AssertionError("never runs: its set-up fails")


async def test_the_next_one_finds_every_table_empty(app: Litestar) -> None:
    async with app.state.session_factory() as session:
        rows = {
            table.name: await session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table.name != "audit_head"
        }
        head = (await session.execute(select(AuditHead.seq, AuditHead.hash))).all()

    assert {name: count for name, count in rows.items() if count} == {}
    assert head == [(0, "0" * 64)]
