"""``sidak worker``: the render queue alone, against the configured database and photo store (wiring only)."""

from __future__ import annotations

import asyncio
import signal

from server.config import Settings
from server.db.engine import create_engine, create_session_factory
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.render_service import PhotoRenderer, RenderWorker
from server.lib.storage import photo_store_from_url


async def run_worker(settings: Settings) -> None:
    """Render photos until SIGTERM or SIGINT; the batch in hand is finished first."""
    engine = create_engine(settings.database_url, echo=settings.echo_sql)
    store = photo_store_from_url(settings.photo_store_url, settings.data_dir)
    # Not the spool folders' stale files: an app process on this machine may be spooling into them right now.
    for spool_dir in (settings.photo_spool_dir, settings.photo_render_dir):
        spool_dir.mkdir(parents=True, exist_ok=True)
    decoders = PhotoDecoders(settings.photo_decoders)
    worker = RenderWorker(
        PhotoRenderer(create_session_factory(engine), settings, store, decoders), poll_s=settings.photo_queue_poll_s
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    worker.start()
    try:
        await stopped.wait()
    finally:
        await worker.stop()
        decoders.close()
        await engine.dispose()
