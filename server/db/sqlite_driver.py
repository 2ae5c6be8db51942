"""SQLite under SQLAlchemy's async engine without a thread hop for every call.

aiosqlite runs each DBAPI call (cursor, execute, fetch, close) in its own thread and wakes the event loop for each
answer: four hand-offs per statement, about a quarter of a millisecond of CPU each time, and a statement's result
waits for a turn of a loop busy with other requests, all while the one connection (and SQLite's write lock) is held.
Measured on the visit PUT, those hand-offs cost more than the work of the statements themselves.

Here a statement runs on the event loop's own thread: an insert or an index lookup in a local file takes
microseconds, less than a hand-off. Only waiting is kept off the loop: the connection's busy timeout is zero, so a
statement that meets another process's write lock fails at once with SQLITE_BUSY having done nothing, and is then
run again in a thread of the connection's own, which waits for the lock up to the timeout the engine asked for.
(In WAL mode that can only be the ``BEGIN IMMEDIATE`` every transaction starts with; inside it nothing waits.)
Long reads (results of a large wave) do hold the loop for their length; the one connection would keep every other
database request waiting for them anyway.

The dialect is aiosqlite's with this module in place of aiosqlite; ``server.db.engine`` selects it for every
SQLite URL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar, cast

from sqlalchemy.connectors.asyncio import AsyncIODBAPIConnection
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import await_, parse_version_string

DRIVER = "sidak"
SQLITE_BUSY = 5
DEFAULT_BUSY_TIMEOUT_S = 5.0
T = TypeVar("T")
IsolationLevel = Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"]


class InlineCursor:
    """An aiosqlite-shaped cursor whose calls finish before they return."""

    __slots__ = ("_connection", "_cursor")

    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        self._connection = connection
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._rows()

    async def _rows(self) -> AsyncIterator[Any]:
        for row in self._cursor:
            yield row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        try:
            self._cursor.execute(sql, parameters)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != SQLITE_BUSY:
                raise
            await self._connection.waiting_for_the_lock(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        if self._connection.in_transaction:
            self._cursor.executemany(sql, parameters)
        else:
            # Each row is a transaction of its own and may wait for the lock; a retry could repeat earlier rows.
            await self._connection.waiting_for_the_lock(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """An aiosqlite-shaped connection over a ``sqlite3`` connection used from the event loop's thread, with one
    thread of its own for the calls that can wait on a lock or the disk."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout_s: float) -> None:
        # Named as in aiosqlite: SQLAlchemy's adapter skips commit and rollback once ``_connection`` is None.
        self._connection: sqlite3.Connection | None = connection
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._waiting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-wait")

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    async def waiting_for_the_lock(self, call: Callable[..., T], *args: Any) -> T:
        """``call`` in the connection's own thread with the busy timeout on: it may wait there, not on the loop."""
        return await asyncio.get_running_loop().run_in_executor(self._waiting, self._with_busy_timeout, call, args)

    def _with_busy_timeout(self, call: Callable[..., T], args: tuple[Any, ...]) -> T:
        self._conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        try:
            return call(*args)
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: IsolationLevel | None) -> None:
        self._conn.isolation_level = value

    def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        self._waiting.shutdown(wait=False)


async def connect(database: str, *, timeout: float = DEFAULT_BUSY_TIMEOUT_S, **kwargs: Any) -> InlineConnection:
    # The waiting thread uses this connection too, while the task that holds it (the pool lends it to one at a
    # time) awaits the answer.
    connection = sqlite3.connect(database, timeout=0, **{**kwargs, "check_same_thread": False})
    return InlineConnection(connection, busy_timeout_s=timeout)


class InlineAdaptedConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    @property
    def isolation_level(self) -> str | None:
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.isolation_level = value


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self) -> None:
        super().__init__(sqlite3, sqlite3)
        self.has_stop = True

    def connect(self, *args: Any, **kwargs: Any) -> InlineAdaptedConnection:
        # InlineConnection is aiosqlite-shaped, which is what the adapter calls; SQLAlchemy's protocol for any asyncio
        # driver's connection asks for more (a catch-all __getattr__) than the adapter uses.
        connection = cast(AsyncIODBAPIConnection, await_(connect(*args, **kwargs)))
        return InlineAdaptedConnection(self, connection)


class SQLiteDialectInline(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> InlineDBAPI:
        return InlineDBAPI()

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return parse_version_string(sqlite3.sqlite_version)


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialectInline")
