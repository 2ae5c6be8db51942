"""Putting the past waves' photos where an upload puts them: each is rendered by the server's own pipeline in the
photo decoding processes (display image, thumbnail, perceptual hash, EXIF facts) and moved into the photo store under
its content address, so the review pages show and hash them exactly as they would a phone's upload.

The files are not flushed one by one (a power cut during ``sidak demo`` leaves a demo to load again, not evidence to
lose): one ``os.sync`` at the end costs less than three thousand.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from server.config import Settings
from server.demo.camera import Photo
from server.domain.photos.decoded import RenderedPhoto, exif_taken_at
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.services import has_exif_evidence, rendering_moves
from server.domain.photos.spool import SPOOL_KIND
from server.lib.storage import Move, PhotoStore, original_key
from server.lib.tempfiles import create_owned

WIB = ZoneInfo("Asia/Jakarta")
# Enough photos in flight to keep every decoding process busy while the next are written.
_IN_FLIGHT_PER_DECODER = 4


class Darkroom:
    def __init__(self, settings: Settings, store: PhotoStore, decoders: PhotoDecoders) -> None:
        self.settings = settings
        self.store = store
        self.decoders = decoders
        for folder in (settings.photo_spool_dir, settings.photo_render_dir):
            folder.mkdir(parents=True, exist_ok=True)

    async def develop_all(self, photos: list[Photo]) -> dict[uuid.UUID, dict[str, Any]]:
        """Render and store every photo; photo id → the columns of its stored row."""
        gate = asyncio.Semaphore(_IN_FLIGHT_PER_DECODER * self.decoders.workers)

        async def develop(photo: Photo) -> tuple[uuid.UUID, dict[str, Any]]:
            async with gate:
                return photo.shot.photo_id, await self._develop(photo)

        return dict(await asyncio.gather(*(develop(photo) for photo in photos)))

    async def flush(self) -> None:
        """Write every file developed so far to disk."""
        await asyncio.to_thread(os.sync)

    async def _develop(self, photo: Photo) -> dict[str, Any]:
        handle, path = create_owned(self.settings.photo_spool_dir, SPOOL_KIND)
        with open(handle, "wb") as file:
            file.write(photo.data)
        rendered = await self.decoders.render(
            path, self.settings.photo_render_dir, max_pixels=self.settings.max_photo_pixels
        )
        key = original_key(photo.sha256, rendered.content_type)
        await self.store.move_in_all([Move(key, path, durable=False), *rendering_moves(photo.sha256, rendered)])
        return _stored_columns(key, rendered)


def _stored_columns(key: str, rendered: RenderedPhoto) -> dict[str, Any]:
    exif = rendered.exif
    return {
        "original_key": key,
        "content_type": rendered.content_type,
        "width": rendered.width,
        "height": rendered.height,
        "phash": rendered.phash,
        "exif_taken_at": exif_taken_at(exif, WIB),
        "exif_lat": exif.lat,
        "exif_lon": exif.lon,
        "exif_make": exif.make,
        "exif_model": exif.model,
        "has_exif": has_exif_evidence(exif),
        "display_ranges": None if rendered.display_ranges is None else [list(r) for r in rendered.display_ranges],
    }
