"""The SQLite driver runs statements on the event loop and waits for another process's lock off it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from server.db import migrate
from server.db.engine import create_engine, create_session_factory
from server.db.models import Region


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"
    await asyncio.to_thread(migrate.upgrade, url)  # Alembic runs a loop of its own
    return url


def a_region(code: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "code": code,
        "name": f"Region {code}",
        "kind": "regency",
        "timezone": "Asia/Jakarta",
        "created_at": datetime.now(UTC),
    }


async def test_a_transaction_waits_for_another_writer_without_stopping_the_event_loop(sqlite_url, tmp_path):
    other_writer = sqlite3.connect(tmp_path / "driver.db", isolation_level=None, check_same_thread=False)
    other_writer.execute("BEGIN IMMEDIATE")  # another process holding SQLite's write lock
    release = threading.Timer(0.5, other_writer.execute, args=("COMMIT",))
    engine = create_engine(sqlite_url)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        release.start()
        started = asyncio.get_running_loop().time()
        async with create_session_factory(engine)() as session, session.begin():
            await session.execute(insert(Region.__table__), a_region("91.01"))
        waited = asyncio.get_running_loop().time() - started
    finally:
        ticker.cancel()
        release.join()
        other_writer.close()
        await engine.dispose()
    assert waited >= 0.45  # it did wait for the lock …
    assert ticks >= 20  # … while the loop went on serving others (a blocked loop would not tick at all)


async def test_rows_written_are_read_back_and_a_constraint_failure_raises(sqlite_url):
    engine = create_engine(sqlite_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            await session.execute(insert(Region.__table__), [a_region("92.01"), a_region("92.02")])
        with pytest.raises(IntegrityError):
            async with sessions() as session, session.begin():
                await session.execute(insert(Region.__table__), a_region("92.01"))
        async with sessions() as session:
            codes = (await session.scalars(select(Region.code).order_by(Region.code))).all()
            assert codes == ["92.01", "92.02"]
            assert await session.scalar(select(func.count()).select_from(Region)) == 2
    finally:
        await engine.dispose()


async def test_a_commit_is_flushed_to_disk_before_it_returns(sqlite_url):
    # A receipt lets the phone delete its copy: in WAL mode only synchronous=FULL keeps a commit through a power cut.
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        await engine.dispose()


async def test_a_read_only_session_leaves_the_write_lock_to_other_processes(sqlite_url, tmp_path):
    engine = create_engine(sqlite_url)
    other_process = sqlite3.connect(tmp_path / "driver.db", isolation_level=None, timeout=0)
    try:
        async with create_session_factory(engine, read_only=True)() as session, session.begin():
            await session.scalar(select(func.count()).select_from(Region))
            other_process.execute("BEGIN IMMEDIATE")  # the write lock is free while the read is under way
            other_process.execute("ROLLBACK")
        async with create_session_factory(engine)() as session, session.begin():
            await session.scalar(select(func.count()).select_from(Region))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other_process.execute("BEGIN IMMEDIATE")  # a session that may write holds it from its first statement
    finally:
        other_process.close()
        await engine.dispose()
