"""The one database read every authenticated request makes: the session version, role and state of the caller's
account, so a token issued before a logout, a password reset or a deactivation is refused at its very next request.

It is kept off the request's own transaction and off the app's pool, which would cost more than the read: on SQLite
a ``BEGIN IMMEDIATE`` and a turn in the one connection's queue, on PostgreSQL the pool's checkout and reset (measured
0.5–0.85 ms of CPU per request either way, a visit PUT being 2–2.5 ms). On SQLite it is a primary-key lookup on a
read-only connection of its own, run on the event loop's thread: WAL lets it read beside a writer, in microseconds.
On PostgreSQL it is one round trip on an asyncpg connection of its own (~0.1 ms of CPU; an asyncpg pool's checkout
alone cost twice that), which the requests take turns at: a round trip is a fraction of a millisecond.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from typing import Any, NamedTuple

import anyio.to_thread
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

_SQLITE_BY_ID = "SELECT session_version, role FROM users WHERE id = ? AND is_active"
_POSTGRES_BY_ID = "SELECT session_version, role FROM users WHERE id = $1 AND is_active"
# A WAL read waits only while another process recovers the database after a crash: rare, but then off the loop.
_SQLITE_WAIT_S = 5.0


class CurrentSession(NamedTuple):
    version: int
    role: str


class SessionVersions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sqlite_path: str | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._postgres_dsn: str | None = None
        self._postgres: asyncpg.Connection | None = None
        self._postgres_turn = asyncio.Lock()
        if engine.dialect.name == "sqlite":
            self._sqlite_path = str(engine.url.database)
            self._sqlite = sqlite3.connect(self._sqlite_path, timeout=0, isolation_level=None, check_same_thread=False)
            self._sqlite.execute("PRAGMA query_only=ON")
        else:
            self._postgres_dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def current(self, user_id: uuid.UUID) -> CurrentSession | None:
        """The account's session as it stands; None when it is gone or deactivated."""
        row: Any
        if self._sqlite is not None:
            try:
                row = self._sqlite.execute(_SQLITE_BY_ID, (user_id.hex,)).fetchone()
            except sqlite3.OperationalError:
                row = await anyio.to_thread.run_sync(self._read_waiting, user_id)
        else:
            async with self._postgres_turn:
                try:
                    row = await (await self._postgres_connection()).fetchrow(_POSTGRES_BY_ID, user_id)
                except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError):
                    # The server closed the connection (a restart, a terminated backend): a new one, once.
                    await self._close_postgres()
                    row = await (await self._postgres_connection()).fetchrow(_POSTGRES_BY_ID, user_id)
        return None if row is None else CurrentSession(row[0], row[1])

    async def _postgres_connection(self) -> asyncpg.Connection:
        if self._postgres is None or self._postgres.is_closed():
            self._postgres = await asyncpg.connect(self._postgres_dsn)
        return self._postgres

    async def _close_postgres(self) -> None:
        connection, self._postgres = self._postgres, None
        if connection is not None:
            connection.terminate()

    def _read_waiting(self, user_id: uuid.UUID) -> Any:
        reader = sqlite3.connect(str(self._sqlite_path), timeout=_SQLITE_WAIT_S, isolation_level=None)
        try:
            return reader.execute(_SQLITE_BY_ID, (user_id.hex,)).fetchone()
        finally:
            reader.close()

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        await self._close_postgres()
