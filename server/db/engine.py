"""Engines and sessions for SQLite (embedded default) and PostgreSQL (scale).

SQLite notes: WAL lets readers run beside the one writer; every transaction that may write starts with BEGIN
IMMEDIATE so two writers queue on the busy timeout instead of failing on a read→write lock upgrade (SQLITE_BUSY is not
retried there), and pysqlite's own transaction handling is switched off so SAVEPOINTs behave. A session made for
reading only (``create_session_factory(engine, read_only=True)``: the requests that change nothing) begins a plain
deferred transaction, which takes no write lock: it neither waits for another process's writer nor makes one wait.
Statements run on the event loop's thread and only a wait for another process's lock is moved to a thread
(``server.db.sqlite_driver``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from server.db import sqlite_driver
from server.db.fair_pool import FairAsyncQueuePool
from server.db.group_commit import NoFlush, WalFlusher

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "sidak_read_only"
# 30 connections kept (more than the requests one process has in flight under load: a pool that overflows opens and
# closes a connection per request, each with TLS negotiation and type introspection), 10 more in a burst.
POSTGRES_POOL_SIZE, POSTGRES_POOL_OVERFLOW = 30, 10
# Before a connection is lent: one the server closed (a restart, pg_terminate_backend) is known closed to asyncpg
# without a round trip and is replaced; one unused for this long is pinged too (a silent network may have lost it).
# SQLAlchemy's pre-ping would cost asyncpg three round trips (BEGIN, ping, ROLLBACK) on every checkout, a third more
# than a visit's own statements. A connection that dies in use fails its request (the phone retries) and makes the
# pool replace every older connection.
POSTGRES_IDLE_PING_S = 10.0


def json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# JSON columns (visit documents, audit data) are written on every sync request; msgspec encodes them several times
# faster than the standard library, which SQLAlchemy would use otherwise. The pool lends connections first come,
# first served (server.db.fair_pool).
_ENGINE_OPTIONS: dict[str, Any] = {
    "json_serializer": json_text,
    "json_deserializer": msgspec.json.decode,
    "poolclass": FairAsyncQueuePool,
}


def create_engine(database_url: str, *, echo: bool = False, group_commit: bool = False) -> AsyncEngine:
    """``group_commit``: SQLite commits return before they are on the disk, and whoever answers for a commit awaits
    ``commit_flusher(engine).flushed()`` first (``server.db.group_commit``); the server's requests do. Its flusher
    also copies the WAL into the database file, which its commits leave to it."""
    if database_url.startswith("sqlite"):
        # One connection per process: SQLite runs one writer at a time anyway, and requests queueing for the pool
        # wait in order, where a second connection would sleep in SQLite's busy handler (seconds of p99).
        # Whatever driver the URL names (sqlite://, sqlite+aiosqlite://), the engine runs on server.db.sqlite_driver.
        url = make_url(database_url).set(drivername=f"sqlite+{sqlite_driver.DRIVER}")
        engine = create_async_engine(
            url,
            echo=echo,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **_ENGINE_OPTIONS,
        )
        _configure_sqlite(engine, group_commit=group_commit)
        return engine
    engine = create_async_engine(
        database_url, echo=echo, pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_POOL_OVERFLOW, **_ENGINE_OPTIONS
    )
    _replace_dead_connections(engine)
    return engine


def commit_flusher(engine: AsyncEngine) -> WalFlusher | NoFlush:
    """What makes the engine's commits durable before a request answers for them (one per engine: it also hears of
    every commit, to copy the WAL into the database file in time)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return NoFlush()
    flusher = WalFlusher(Path(database).resolve())
    event.listen(engine.sync_engine, "commit", lambda _connection: flusher.after_commit())
    return flusher


def _configure_sqlite(engine: AsyncEngine, *, group_commit: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # A receipt tells the phone it may delete its copy, so what it confirms must survive a power cut: with
        # synchronous=NORMAL the last commits before one roll back. FULL flushes the WAL at each commit, on the
        # event loop's thread; the server uses NORMAL and flushes once for many commits (server.db.group_commit).
        cursor.execute(f"PRAGMA synchronous={'NORMAL' if group_commit else 'FULL'}")
        if group_commit:
            # The commit that fills the WAL would copy it into the database file on the event loop's thread;
            # the flusher's thread does it instead (server.db.group_commit).
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        # An AUTOCOMMIT connection (a migration's PRAGMA foreign_keys, which SQLite ignores inside a transaction)
        # still fires "begin"; it must stay outside one.
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY_OPTION, False) else "BEGIN IMMEDIATE")


def _replace_dead_connections(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # DisconnectionError makes the pool drop this connection and lend another.
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("PostgreSQL closed the connection")
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < POSTGRES_IDLE_PING_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise DisconnectionError("the connection died while idle") from error


def create_session_factory(engine: AsyncEngine, *, read_only: bool = False) -> async_sessionmaker[AsyncSession]:
    """``read_only``: sessions that only read (on SQLite, transactions that take no write lock; one that writes
    anyway takes it at its first write and fails with SQLITE_BUSY if another process wrote since it began)."""
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)
