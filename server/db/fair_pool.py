"""A connection pool that lends its connections in the order the requests asked for them.

SQLAlchemy's async pool keeps free connections in an ``asyncio.Queue``: a connection given back wakes the first
waiter, but any task that runs before that waiter does and asks for a connection takes it first. With SQLite's one
connection per process that is most tasks: a request that has just committed, or a new one, kept overtaking
requests that had been waiting, and in the sync benchmark some waited for seconds while the median waited
milliseconds. Here a connection given back goes straight to the longest waiter.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_
from sqlalchemy.util.queue import Empty, Full, QueueCommon

T = TypeVar("T")


class FairAsyncQueue(QueueCommon[T], Generic[T]):
    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._items: deque[T] = deque()
        self._waiters: deque[asyncio.Future[T]] = deque()

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._items)

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a waiter that timed out or was cancelled is skipped
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._items.append(item)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never gives back more than it lent, so this never has to wait

    def get_nowait(self) -> T:
        # Items wait here only while nobody waits for them (put_nowait hands them over), so taking one is fair.
        if not self._items:
            raise Empty()
        return self._items.pop() if self.use_lifo else self._items.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        if self._items or not block:
            return self.get_nowait()
        return await_(self._wait_in_line(timeout))

    async def _wait_in_line(self, timeout: float | None) -> T:
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait([waiter], timeout=timeout)
        except BaseException:
            self._give_back_or_cancel(waiter)
            raise
        if not waiter.done():
            waiter.cancel()
            raise Empty()
        return waiter.result()

    def _give_back_or_cancel(self, waiter: asyncio.Future[T]) -> None:
        """The waiting task was cancelled: a connection handed to it meanwhile goes to the next in line."""
        if waiter.done() and not waiter.cancelled():
            self.put_nowait(waiter.result())
        else:
            waiter.cancel()


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    _queue_class = FairAsyncQueue  # type: ignore[assignment]
