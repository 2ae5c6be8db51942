"""The render queue: photos are rendered after their receipt, by workers that may run anywhere.

A photo's receipt says its original is durably stored; its display image, thumbnail and perceptual hash (and the
flags that need that hash: ``photo.reused`` by look-alike, ``photo.duplicate_in_visit``) follow. The queue is the
photo rows themselves (``photos.queries``): a stored photo neither rendered nor found unreadable waits. A worker
claims a batch by leasing it, renders each photo through the decoding processes into the content-addressed store,
then records what it found in one transaction per photo. Several workers, in one process or many, never hold the same
photo: the claim is one statement that skips what another claims. A worker killed mid-render leaves its lease to run
out, and the photo comes back; one that brought its worker down ``MAX_ATTEMPTS`` times, or whose picture cannot be
decoded, ends as ``photo.unreadable`` instead of being tried for ever.

Rendering twice is harmless: the renderings are content-addressed (the same bytes under the same key), and only the
first record of a rendering counts (``UPDATE … WHERE rendered_at IS NULL``). So a reviewer's on-demand rendering
(``PhotoService.open_stream``) and a worker's never conflict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import secrets
import socket
import time
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.domain.audit.services import AuditLog
from server.domain.photos import queries
from server.domain.photos.decoded import RenderedPhoto
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.services import PHOTO_REFUSALS, as_lists, exif_values, render_stored_original
from server.domain.photos.spool import remove_stale_spool_files
from server.domain.visits import queries as visit_queries
from server.domain.visits.flags_service import photo_facts, refresh_photo_flags, visit_context_from_row
from server.lib import clock
from server.lib.errors import NotFound
from server.lib.storage import PhotoStore

log = logging.getLogger("sidak.render_queue")

MAX_ATTEMPTS = 2
"""Claims of one photo that may end without a record (its worker killed) before the next claim gives it up."""

# Faults of the store or the database, not of the photo: the photo is given back, the attempt not counted.
_PASSING_FAULTS = (OSError, DBAPIError)


class PhotoRenderer:
    """Claims and renders batches of waiting photos."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        store: PhotoStore,
        decoders: PhotoDecoders,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.store = store
        self.decoders = decoders
        self.name = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"

    async def render_batch(self) -> int:
        """Claim up to ``photo_render_batch`` waiting photos, render them together; how many were claimed."""
        now = clock.now()
        async with self.session_factory() as session:
            claimed = await queries.claim_renderings(
                session,
                worker=self.name,
                now=now,
                lease_until=now + timedelta(seconds=self.settings.photo_render_lease_s),
                batch=self.settings.photo_render_batch,
            )
            await session.commit()
        # Rendered together, recorded in the order they arrived: of two look-alikes in one batch, the later one
        # carries ``photo.reused``, as when they are rendered apart.
        renderings = await asyncio.gather(*(self._rendered(row) for row in claimed))
        for row, rendered in zip(claimed, renderings, strict=True):
            if rendered is not None:
                await self._record(row, rendered)
        return len(claimed)

    async def drain(self) -> int:
        """Render until no photo waits unleased; how many photos were claimed."""
        total = 0
        while claimed := await self.render_batch():
            total += claimed
        return total

    async def _rendered(self, row: visit_queries.AnyRow) -> RenderedPhoto | None:
        """The photo rendered into the store; None when there is nothing to record (its fate is settled here)."""
        if row.render_attempts > MAX_ATTEMPTS:
            log.warning("photo %s stopped its renderer %d times: unreadable", row.id, MAX_ATTEMPTS)
            await self._record_unreadable(row, "stopped its renderer")
            return None
        try:
            return await render_stored_original(self.store, self.decoders, self.settings, row.original_key, row.sha256)
        except (*PHOTO_REFUSALS, NotFound) as refusal:
            await self._record_unreadable(row, str(refusal))
        except _PASSING_FAULTS:
            log.exception("rendering photo %s failed; it is given back to the queue", row.id)
            await self._release(row.id)
        except Exception:
            # Counted: a fault that every attempt meets must not keep the photo in the queue for ever.
            log.exception("rendering photo %s failed; it comes back when its lease runs out", row.id)
        return None

    async def _record(self, row: visit_queries.AnyRow, rendered: RenderedPhoto) -> None:
        try:
            await self._record_rendering(row, rendered)
        except _PASSING_FAULTS:
            log.exception("recording photo %s's rendering failed; it is given back to the queue", row.id)
            await self._release(row.id)

    async def _record_rendering(self, row: visit_queries.AnyRow, rendered: RenderedPhoto) -> None:
        async with self.session_factory() as session:
            visit = await _locked_visit(session, row.visit_id)
            if visit is None:
                return
            values = {
                "phash": rendered.phash,
                "display_ranges": as_lists(rendered.display_ranges),
                "width": rendered.width,
                "height": rendered.height,
                "rendered_at": clock.now(),
                **exif_values(rendered.exif, ZoneInfo(visit.timezone)),
            }
            if not await queries.record_rendering(session, row.id, values):
                return  # rendered meanwhile (an expired lease, claimed again), or no longer declared
            await visit_queries.insert_look_alike_keys(
                session, row.id, rendered.phash, surveyor_id=visit.visit_surveyor_id, unit_id=visit.visit_unit_id
            )
            await _refresh_flags(session, visit, row)
            await session.commit()

    async def _record_unreadable(self, row: visit_queries.AnyRow, reason: str) -> None:
        async with self.session_factory() as session:
            visit = await _locked_visit(session, row.visit_id)
            if visit is None or not await queries.record_unreadable(session, row.id, clock.now()):
                return
            flags = await _refresh_flags(session, visit, row)
            await AuditLog(session).record(
                "photo.unreadable",
                entity_type="photo",
                entity_id=row.id,
                data={"visit_id": row.visit_id, "sha256": row.sha256, "reason": reason, "flags": flags},
            )
            await session.commit()

    async def _release(self, photo_id: uuid.UUID) -> None:
        try:
            async with self.session_factory() as session:
                await queries.release_rendering(session, photo_id, self.name)
                await session.commit()
        except _PASSING_FAULTS:
            log.exception("giving photo %s back failed; it comes back when its lease runs out", photo_id)


async def _locked_visit(session: AsyncSession, visit_id: uuid.UUID) -> visit_queries.AnyRow | None:
    # Locked as an arrival locks it: a revision or another photo's arrival recomputes the same flags.
    try:
        return await queries.locked_visit_with_context(session, visit_id)
    except NoResultFound:
        return None


async def _refresh_flags(session: AsyncSession, visit: visit_queries.AnyRow, row: visit_queries.AnyRow) -> list[str]:
    """Recompute the photo's flags from what is now known of it; their codes."""
    [photo] = [facts for facts in await photo_facts(session, row.visit_id) if facts.id == row.id]
    flags = await refresh_photo_flags(
        session,
        visit_id=row.visit_id,
        photo=photo,
        started_at=visit.started_at,
        finished_at=visit.finished_at,
        context=visit_context_from_row(visit),
        first_received_at=visit.first_received_at,
    )
    return [flag.code for flag in flags]


async def nudge_render_worker(state: Any) -> None:
    """A background task after a receipt's answer: this process's render worker starts at once instead of at its
    next poll (``state`` is the app's; it has no worker when rendering is left to ``sidak worker``)."""
    worker = getattr(state, "render_worker", None)
    if worker is not None:
        worker.nudge()


class RenderWorker:
    """Renders the queue until stopped: batch after batch while photos wait, then sleeps until nudged (a receipt in
    this process) or ``photo_queue_poll_s`` passes (a receipt elsewhere, an expired lease)."""

    def __init__(self, renderer: PhotoRenderer, *, poll_s: float) -> None:
        self.renderer = renderer
        self.poll_s = poll_s
        self._swept_at = -math.inf
        self._nudged = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="render-worker")

    def nudge(self) -> None:
        self._nudged.set()

    async def stop(self, *, grace_s: float = 30.0) -> None:
        """Let the batch in hand finish (its photos would otherwise wait for their leases), then end."""
        if self._task is None:
            return
        self._stopping = True
        self._nudged.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_s)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _sweep_orphans(self) -> None:
        """Remove the spool files of renderers that were killed (on this machine) mid-render, once per lease time:
        a killed renderer's photos come back after their lease, and its files would stay for ever."""
        if time.monotonic() - self._swept_at < self.renderer.settings.photo_render_lease_s:
            return
        self._swept_at = time.monotonic()
        settings = self.renderer.settings
        for directory in (settings.photo_spool_dir, settings.photo_render_dir):
            await remove_stale_spool_files(directory)

    async def _run(self) -> None:
        while not self._stopping:
            self._nudged.clear()
            try:
                while not self._stopping and await self.renderer.render_batch():
                    pass
            except Exception:
                log.exception("the render queue could not be read; trying again in %s s", self.poll_s)
            if self._stopping:
                return
            await self._sweep_orphans()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self.poll_s)
