"""The migrations are the schema: they build it from empty, undo it, and agree with the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect, make_url, text

from server.db import migrate
from server.db.models import Base
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A database of its own (never the one the other tests share)."""
    if not TEST_DATABASE_URL:
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    admin = create_sync_engine(TEST_DATABASE_URL.replace("+asyncpg", "+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"{make_url(TEST_DATABASE_URL).database}_migrations"  # per test database: parallel runs never meet
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


def sync_url(url: str) -> str:
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def table_names(url: str) -> set[str]:
    engine = create_sync_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[object]:
    engine = create_sync_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


async def in_thread(function, *args):
    # Alembic's env runs its own event loop; keep it off the test's loop.
    return await asyncio.to_thread(function, *args)


async def test_migrations_build_every_table_from_empty(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)

    assert await in_thread(table_names, empty_database_url) == set(Base.metadata.tables)


async def test_the_migrated_schema_matches_the_models(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)

    assert await in_thread(schema_differences, empty_database_url) == []


async def test_downgrading_to_empty_and_upgrading_again_round_trips(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)
    await in_thread(migrate.downgrade, empty_database_url, "base")
    assert await in_thread(table_names, empty_database_url) == set()

    await in_thread(migrate.upgrade, empty_database_url)

    assert await in_thread(table_names, empty_database_url) == set(Base.metadata.tables)
    assert await in_thread(schema_differences, empty_database_url) == []
