"""Each SQLAlchemy internal that server/db/sqlite_driver.py and server/db/fair_pool.py build on, named, so that an
upgrade which moves or changes one fails here with its name rather than in production. pyproject.toml bounds
SQLAlchemy to the minor version these were checked on; raise the bound once this file passes on the next one."""

from __future__ import annotations

import importlib
import inspect
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi, SQLiteDialect_aiosqlite
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util.queue import QueueCommon

from server.db.engine import create_engine
from server.db.fair_pool import FairAsyncQueue, FairAsyncQueuePool
from server.db.sqlite_driver import InlineConnection, InlineDBAPI, SQLiteDialectInline

CHECKED_ON = "2.1"

INTERNALS = [
    # fair_pool.py: the pool's queue is replaced by one of ours.
    ("sqlalchemy.pool", "AsyncAdaptedQueuePool"),
    ("sqlalchemy.util.queue", "QueueCommon"),
    ("sqlalchemy.util.queue", "Empty"),
    ("sqlalchemy.util.queue", "Full"),
    # Both: run a coroutine from SQLAlchemy's greenlet (named await_only before 2.1).
    ("sqlalchemy.util", "await_"),
    # sqlite_driver.py: aiosqlite's dialect and adapters, with our driver in place of aiosqlite.
    ("sqlalchemy.dialects.sqlite.aiosqlite", "SQLiteDialect_aiosqlite"),
    ("sqlalchemy.dialects.sqlite.aiosqlite", "AsyncAdapt_aiosqlite_dbapi"),
    ("sqlalchemy.dialects.sqlite.aiosqlite", "AsyncAdapt_aiosqlite_connection"),
    ("sqlalchemy.util", "parse_version_string"),
    ("sqlalchemy.dialects", "registry"),
    ("sqlalchemy.connectors.asyncio", "AsyncIODBAPIConnection"),
]


def test_sqlalchemy_is_the_minor_version_these_internals_were_checked_on():
    assert sqlalchemy.__version__.startswith(f"{CHECKED_ON}."), (
        f"SQLAlchemy {sqlalchemy.__version__}: check every internal named in this file, then set CHECKED_ON and the "
        "bound in pyproject.toml"
    )


@pytest.mark.parametrize(("module", "name"), INTERNALS, ids=[f"{m}.{n}" for m, n in INTERNALS])
def test_sqlalchemy_still_has_the_internal(module, name):
    assert hasattr(importlib.import_module(module), name), f"{module}.{name} is gone"


def test_the_async_queue_pool_makes_its_queue_from_the_queue_class_attribute():
    # AsyncAdaptedQueuePool._queue_class, called as (pool_size, use_lifo=...): how FairAsyncQueuePool swaps it in.
    assert "_queue_class" in vars(AsyncAdaptedQueuePool)
    pool = FairAsyncQueuePool(lambda: sqlite3.connect(":memory:"), pool_size=3, max_overflow=0)
    assert isinstance(pool._pool, FairAsyncQueue)
    assert pool.size() == 3


def test_the_fair_queue_defines_every_method_of_sqlalchemys_queue_interface():
    interface = {
        name for name, member in vars(QueueCommon).items() if inspect.isfunction(member) and not name.startswith("__")
    }
    assert interface >= {"empty", "full", "qsize", "put_nowait", "put", "get_nowait", "get"}
    assert {name for name in interface if name not in vars(FairAsyncQueue)} == set()


def test_the_aiosqlite_dbapi_adapter_takes_the_driver_module_and_sqlite3():
    # InlineDBAPI passes sqlite3 as both: the adapter reads the error classes and versions from the first.
    assert list(inspect.signature(AsyncAdapt_aiosqlite_dbapi.__init__).parameters) == ["self", "aiosqlite", "sqlite"]
    dbapi = InlineDBAPI()
    assert dbapi.IntegrityError is sqlite3.IntegrityError
    assert dbapi.has_stop  # the adapter closes our connection with stop(), which aiosqlite's older versions lack


def test_the_aiosqlite_dialect_finds_its_dbapi_through_import_dbapi():
    assert isinstance(inspect.getattr_static(SQLiteDialect_aiosqlite, "import_dbapi"), classmethod)
    assert isinstance(SQLiteDialectInline.import_dbapi(), InlineDBAPI)


async def test_the_adapted_connection_keeps_our_driver_connection_as_its_connection(tmp_path: Path):
    # SQLAlchemy's aiosqlite adapter reaches the driver's connection as ``_connection`` (commit, rollback, close).
    engine = create_engine(f"sqlite:///{tmp_path / 'internals.db'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            assert raw.dbapi_connection._connection is raw.driver_connection
    finally:
        await engine.dispose()
