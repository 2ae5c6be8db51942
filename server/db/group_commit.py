"""Group commit for SQLite: many requests' transactions made durable by one flush of the write-ahead log.

With ``synchronous=FULL`` every commit flushes the WAL to the disk before it returns. On this project's machines a
flush takes 5–10 ms, and SQLite has one writer at a time, so a process could commit at most 100–200 transactions a
second whatever its cores did, and four per visit (the document, then one per photo) capped ingest near 35 visits/s
— with the event loop's thread blocked for every flush, since statements run on it (``server.db.sqlite_driver``).

So the server's engine commits with ``synchronous=NORMAL`` (the commit writes its frames to the WAL file and returns
in microseconds; SQLite stays safe from corruption, the last commits may roll back after a power cut) and a request
that must answer with a durable receipt awaits ``WalFlusher.flushed()`` after its commit, before it answers: one
``fsync`` of the WAL file, in a thread, covers every transaction committed before it started, whichever request or
process committed it. A caller arriving while a flush is running waits for the next one, which starts as soon as
the running one ends and serves everybody who arrived meanwhile. What a receipt confirms thus survives a power cut,
as with FULL, while the flushes per second stay bounded by the disk rather than multiplied by the requests.

A checkpoint (SQLite copies the WAL into the database file) flushes both files itself in NORMAL mode, so frames that
a checkpoint moved out of the WAL are durable in the database file; when the WAL file is gone (the last connection
closed and checkpointed), the database file is flushed instead.

Checkpoints are run here too, in the flusher's thread, at most once a ``checkpoint_interval_s``: SQLite's own
automatic checkpoint runs inside the commit that fills the WAL past 1,000 pages, on the event loop's thread, and its
writing and flushing of the database file stalled the loop for 5–25 ms every few dozen commits (up to 260 ms on a
busy machine). So the server's connections do not checkpoint (``PRAGMA wal_autocheckpoint=0``, ``server.db.engine``);
every commit tells the flusher (``after_commit``), which starts a flush when a checkpoint is due and none is under
way, so commits that nobody answers for (a background worker's) do not leave the WAL growing either.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from server.lib.storage import fsync_path

CHECKPOINT_INTERVAL_S = 1.0

log = logging.getLogger("sidak.db")


class WalFlusher:
    """Flushes one SQLite database's WAL to the disk, shared by the requests of one process."""

    def __init__(self, database_path: Path, *, checkpoint_interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        self.database_path = database_path
        self.checkpoint_interval_s = checkpoint_interval_s
        self.checkpoints = 0
        self._checkpointed_at = time.monotonic()
        self._checkpointer: sqlite3.Connection | None = None
        self._closed = False
        self.wal_path = database_path.with_name(database_path.name + "-wal")
        self.flushes = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wal-flush")
        self._running: asyncio.Future[None] | None = None
        self._next: asyncio.Future[None] | None = None
        self._directory_flushed = False

    async def flushed(self) -> None:
        """Return once every transaction committed before this call is on the disk."""
        waiting = self._next
        if waiting is None:
            waiting = self._next = asyncio.get_running_loop().create_future()
            if self._running is None:
                self._start()
        # Shielded: a request cancelled while it waits must not cancel the flush the others share.
        await asyncio.shield(waiting)

    def after_commit(self) -> None:
        """A transaction of this database was committed on the event loop's thread: start a flush, and with it a
        checkpoint, when one is due and no flush is under way or asked for (then that one checkpoints)."""
        if self._running is None and self._next is None and not self._closed and self._is_checkpoint_due():
            self._next = asyncio.get_running_loop().create_future()
            self._start()

    def _is_checkpoint_due(self) -> bool:
        return time.monotonic() - self._checkpointed_at >= self.checkpoint_interval_s

    def _start(self) -> None:
        shared, self._next = self._next, None
        assert shared is not None
        self._running = shared
        flush = asyncio.get_running_loop().run_in_executor(self._thread, self._flush)
        flush.add_done_callback(lambda done: self._finished(shared, done))

    def _finished(self, shared: asyncio.Future[None], done: asyncio.Future[None]) -> None:
        self._running = None
        error = done.exception()
        if error is None:
            shared.set_result(None)
        else:
            shared.set_exception(error)
        if self._next is not None:
            self._start()

    def _flush(self) -> None:
        self.flushes += 1
        try:
            fsync_path(self.wal_path)
        except FileNotFoundError:
            fsync_path(self.database_path)
        if not self._directory_flushed:
            # The WAL file is made when the first connection opens the database; its name must survive too.
            fsync_path(self.database_path.parent)
            self._directory_flushed = True
        if self._is_checkpoint_due():
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy what the WAL holds into the database file, as far as readers allow, waiting for nobody (PASSIVE):
        frames a reader still needs are copied at a later turn."""
        self._checkpointed_at = time.monotonic()
        self.checkpoints += 1
        try:
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(
                    self.database_path, timeout=0, isolation_level=None, check_same_thread=False
                )
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.OperationalError as error:  # another process's checkpoint is running: it does the work
            log.debug("WAL checkpoint skipped: %s", error)

    def close(self) -> None:
        self._closed = True
        self._thread.shutdown(wait=True)
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.close()


class NoFlush:
    """For databases whose commit is durable when it returns (PostgreSQL)."""

    flushes = 0

    async def flushed(self) -> None:
        return None

    def close(self) -> None:
        return None
