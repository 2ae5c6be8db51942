"""The server's SQLite commits are made durable in groups: one flush of the WAL for many requests' commits."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from server.db import migrate
from server.db.engine import commit_flusher, create_engine, create_session_factory
from server.db.group_commit import NoFlush, WalFlusher
from server.db.models import Region


@pytest.fixture
async def database_path(tmp_path: Path) -> Path:
    path = tmp_path / "group.db"
    await asyncio.to_thread(migrate.upgrade, f"sqlite+aiosqlite:///{path}")  # Alembic runs a loop of its own
    return path


def a_region(code: str, **values: object) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "code": code,
        "name": code,
        "kind": "regency",
        "timezone": "Asia/Jakarta",
        "created_at": datetime.now(UTC),
        **values,
    }


class SlowFlusher(WalFlusher):
    """Counts the flushes and holds each one until told, as a slow disk would."""

    def __init__(self, database_path: Path) -> None:
        super().__init__(database_path)
        self.release = threading.Event()

    def _flush(self) -> None:
        self.release.wait(5)
        super()._flush()


async def test_commits_made_while_a_flush_runs_share_the_next_one(database_path):
    flusher = SlowFlusher(database_path)
    try:
        first = asyncio.create_task(flusher.flushed())
        await asyncio.sleep(0.05)  # the first flush is running: later commits are not covered by it
        later = [asyncio.create_task(flusher.flushed()) for _ in range(20)]
        await asyncio.sleep(0.05)
        assert not first.done() and not any(task.done() for task in later)

        flusher.release.set()
        await asyncio.wait_for(asyncio.gather(first, *later), 5)

        assert flusher.flushes == 2
    finally:
        flusher.close()


async def test_a_caller_cancelled_while_it_waits_leaves_the_flush_to_the_others(database_path):
    flusher = SlowFlusher(database_path)
    try:
        cancelled = asyncio.create_task(flusher.flushed())
        await asyncio.sleep(0.05)
        cancelled.cancel()
        other = asyncio.create_task(flusher.flushed())
        await asyncio.sleep(0.05)
        flusher.release.set()

        await asyncio.wait_for(other, 5)

        assert cancelled.cancelled() and flusher.flushes == 2
    finally:
        flusher.close()


async def test_the_server_engine_commits_without_flushing_and_a_flush_follows(database_path):
    engine = create_engine(f"sqlite:///{database_path}", group_commit=True)
    flusher = commit_flusher(engine)
    try:
        async with create_session_factory(engine)() as session:
            assert (await session.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
            await session.execute(insert(Region).values(**a_region("R1")))
            await session.commit()
        await flusher.flushed()

        assert isinstance(flusher, WalFlusher) and flusher.flushes == 1
    finally:
        flusher.close()
        await engine.dispose()


class CheckpointWatcher(WalFlusher):
    """Checkpoints at every flush and notes the thread each ran in."""

    def __init__(self, database_path: Path) -> None:
        super().__init__(database_path, checkpoint_interval_s=0.0)
        self.threads: list[str] = []

    def _checkpoint(self) -> None:
        self.threads.append(threading.current_thread().name)
        super()._checkpoint()


def regions_in_the_database_file_alone(database_path: Path, copy: Path) -> int:
    """The regions a reader finds in the database file without its WAL: what checkpoints have copied there."""
    shutil.copyfile(database_path, copy)
    reader = sqlite3.connect(copy)
    try:
        return int(reader.execute("SELECT count(*) FROM regions").fetchone()[0])
    finally:
        reader.close()


async def test_the_server_engine_leaves_copying_the_log_into_the_database_to_the_flushers_thread(
    database_path, tmp_path
):
    engine = create_engine(f"sqlite:///{database_path}", group_commit=True)
    flusher = CheckpointWatcher(database_path)
    try:
        async with create_session_factory(engine)() as session:
            for n in range(1500):  # well past the 1,000 pages after which SQLite would checkpoint in the commit
                await session.execute(insert(Region).values(**a_region(f"R{n}", name="x" * 3000)))
                await session.commit()
        assert regions_in_the_database_file_alone(database_path, tmp_path / "before.db") == 0

        await flusher.flushed()

        assert regions_in_the_database_file_alone(database_path, tmp_path / "after.db") == 1500
        assert flusher.threads and all(name.startswith("wal-flush") for name in flusher.threads)
    finally:
        flusher.close()
        await engine.dispose()


async def test_commits_nobody_answers_for_still_have_the_log_copied_into_the_database(database_path, tmp_path):
    engine = create_engine(f"sqlite:///{database_path}", group_commit=True)
    flusher = commit_flusher(engine)
    assert isinstance(flusher, WalFlusher)
    flusher.checkpoint_interval_s = 0.0
    try:
        async with create_session_factory(engine)() as session:  # a background worker's: it awaits no flush
            await session.execute(insert(Region).values(**a_region("R1")))
            await session.commit()
        copied = 0
        for _ in range(50):
            await asyncio.sleep(0.05)
            if copied := regions_in_the_database_file_alone(database_path, tmp_path / "copy.db"):
                break

        assert copied == 1
    finally:
        flusher.close()
        await engine.dispose()


async def test_other_engines_flush_at_each_commit_and_postgresql_needs_no_flush(database_path):
    engine = create_engine(f"sqlite:///{database_path}")
    try:
        async with create_session_factory(engine)() as session:
            assert (await session.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL
    finally:
        await engine.dispose()
    postgres = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert isinstance(commit_flusher(postgres), NoFlush)
    finally:
        await postgres.dispose()
