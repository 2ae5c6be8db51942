"""Photo decoding in processes of their own, one per core.

Decoding in threads of the app process made every upload wait on the GIL: each Pillow call gives it up and takes it
back, and the event loop, serving 32 phones, held it most of the time (32 phones uploading 1600 px photos: 26–31
photos/s with decoding threads, 40–56/s with decoding processes, same machine, same run length). Processes also keep
a decoder crash (a libheif or libjpeg bug met by a hostile file) from taking the server down: the pool is replaced,
and the photos that were in it are decoded again. A photo that brings down a fresh pool too is refused as
unreadable.

Workers are forked from a small server process that has imported only the photo pipeline (``forkserver``), never from
the app process itself, whose threads and event loop a fork would copy in an unknown state.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import TypeVar

from server.domain.photos.processing import RenderedPhoto, render_to_files
from server.lib.errors import PhotoUnreadable

# The fork server imports these before it forks any worker. imagehash imports scipy.fftpack at its first phash:
# loaded once there, its pages are shared.
_PRELOAD = ["server.domain.photos.fork_server", "server.domain.photos.processing", "scipy.fftpack"]
_ATTEMPTS = 3
_PR_SET_PDEATHSIG = 1

T = TypeVar("T")


class PhotoDecoders:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, path: Path, directory: Path, *, max_pixels: int) -> RenderedPhoto:
        """``render_to_files`` in a worker process; the caller owns (and removes) the files it names."""
        return await self.run(partial(render_to_files, path, directory, max_pixels=max_pixels),
                              abandoned=RenderedPhoto.remove_files)

    async def run(self, job: Callable[[], T], *, abandoned: Callable[[T], object] | None = None) -> T:
        """The result of a picklable ``job`` run in a worker process. A job whose caller is cancelled cannot be
        stopped once it runs: ``abandoned`` gets what it returns."""
        for _ in range(_ATTEMPTS):
            pool = self._current_pool()
            try:
                future = pool.submit(job)
            except BrokenProcessPool:
                self._discard(pool)
                continue
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self._discard(pool)
            except asyncio.CancelledError:
                if abandoned is not None:
                    future.add_done_callback(partial(_hand_over, abandoned))
                raise
        raise PhotoUnreadable("Decoding this photo stopped the image decoder; it cannot be read.")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _current_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=die_with_parent)
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        # Several uploads see the same broken pool; only the first replaces it.
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


def die_with_parent() -> None:
    """Have Linux kill this process as soon as the process that started it dies, however it dies.

    A worker waits for jobs on a pipe whose writing end it holds itself, and the fork server waits for its clients:
    when the app process was killed (SIGKILL, the OOM killer), both lived on, idle, for ever. So the fork server dies
    with the app process (``fork_server``) and each worker with the fork server. Elsewhere than on Linux they are left
    to the service manager, which stops the whole group.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _hand_over(abandoned: Callable[[T], object], future: Future[T]) -> None:
    if not future.cancelled() and future.exception() is None:
        abandoned(future.result())
