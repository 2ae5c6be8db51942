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

from server.domain.photos.decoded import PhotoHeader, RenderedPhoto
from server.lib.errors import PhotoUnreadable

# The fork server imports these before it forks any worker: loaded once there, their pages are shared.
_PRELOAD = ["server.domain.photos.fork_server", "server.domain.photos.processing"]
_ATTEMPTS = 3
_PR_SET_PDEATHSIG = 1
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Above what one 12 MP decode allocates at once (its 2000×1500 draft is 12 MB), below what many would.
_KEPT_BLOCK_BYTES = 64 * 1024 * 1024

T = TypeVar("T")


class PhotoDecoders:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, path: Path, directory: Path, *, max_pixels: int) -> RenderedPhoto:
        """``render_to_files`` in a worker process; the caller owns (and removes) the files it names."""
        return await self.run(
            partial(_render_to_files, path, directory, max_pixels), abandoned=RenderedPhoto.remove_files
        )

    async def inspect(self, path: Path, *, max_pixels: int) -> PhotoHeader:
        """``inspect_header`` in a worker process: a hostile header meets the parsers there, not in the app."""
        return await self.run(partial(_inspect_header, path, max_pixels))

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
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=prepare_worker)
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        # Several uploads see the same broken pool; only the first replaces it.
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


def _render_to_files(path: Path, directory: Path, max_pixels: int) -> RenderedPhoto:
    # Imported here, in the worker, where the fork server has loaded it already: the app process never loads the
    # pipeline (Pillow, libheif, imagehash), only what the workers hand back (``decoded``).
    from server.domain.photos.processing import render_to_files

    return render_to_files(path, directory, max_pixels=max_pixels)


def _inspect_header(path: Path, max_pixels: int) -> PhotoHeader:
    from server.domain.photos.processing import inspect_header

    return inspect_header(path, max_pixels=max_pixels)


def prepare_worker() -> None:
    die_with_parent()
    keep_freed_memory()


def keep_freed_memory() -> None:
    """Have malloc keep the memory a decode frees for the next decode, instead of giving it back to the kernel.

    glibc serves every block over its mmap threshold (a decoded picture, libjpeg's buffers) straight from the kernel
    and unmaps it when freed, and trims the heap's free top; the kernel then zeroes each page again on first touch.
    Per 12 MP photo that was ~7,000 page faults and 14–16 ms of system time: 93 ms per photo on one thread, 81 ms
    with the memory kept; a phone's 1600 px photo took 9.0 ms, then 7.9. What a decoding process holds stays at its
    high-water mark, which was its peak anyway. Only glibc has ``mallopt``; elsewhere nothing changes.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _KEPT_BLOCK_BYTES)
    mallopt(_M_TRIM_THRESHOLD, 2 * _KEPT_BLOCK_BYTES)


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
