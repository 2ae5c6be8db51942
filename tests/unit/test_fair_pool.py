"""Connections go to waiting tasks in the order they asked, never to a task that came later."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from server.db.fair_pool import FairAsyncQueue


async def take(queue: FairAsyncQueue[str], timeout: float | None = 5) -> str:
    # The pool calls get() from SQLAlchemy's greenlet, as here.
    return await greenlet_spawn(queue.get, True, timeout)


async def test_a_connection_given_back_goes_to_the_longest_waiter_not_to_a_newcomer():
    queue: FairAsyncQueue[str] = FairAsyncQueue(1)
    got: list[tuple[str, str]] = []

    async def waiter(name: str) -> None:
        got.append((name, await take(queue)))

    waiters = [asyncio.create_task(waiter(name)) for name in ("first", "second", "third")]
    await asyncio.sleep(0)  # all three are now in line
    for _ in waiters:
        queue.put_nowait("connection")
        with pytest.raises(Empty):  # handed over at once: nothing is left for a newcomer to take
            queue.get(block=False)
        await asyncio.sleep(0)
    await asyncio.gather(*waiters)
    assert got == [("first", "connection"), ("second", "connection"), ("third", "connection")]


async def test_a_waiter_that_times_out_raises_empty_and_is_skipped():
    queue: FairAsyncQueue[str] = FairAsyncQueue(1)
    with pytest.raises(Empty):
        await take(queue, timeout=0.01)
    queue.put_nowait("connection")
    assert queue.qsize() == 1
    assert await take(queue) == "connection"


async def test_a_cancelled_waiter_passes_a_connection_it_was_handed_to_the_next_in_line():
    queue: FairAsyncQueue[str] = FairAsyncQueue(1)
    cancelled = asyncio.create_task(take(queue))
    patient = asyncio.create_task(take(queue))
    await asyncio.sleep(0)
    queue.put_nowait("connection")  # handed to the first waiter …
    cancelled.cancel()  # … which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await asyncio.wait_for(patient, 1) == "connection"
    assert queue.qsize() == 0
