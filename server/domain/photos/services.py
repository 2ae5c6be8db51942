"""Receiving photo evidence and handing it out to the people allowed to see it.

An upload never holds a database transaction while bytes arrive or pixels are decoded (on SQLite a transaction is
the one write lock): the declaration is looked up in a short read of its own, the body is streamed to a spool file
while hashed, checked and rendered in a decoding process (``decoders``), the files are moved into the
content-addressed store, and only then is the request's transaction used to mark the photo stored, recompute its
flags and record the event. The mark is ``UPDATE … WHERE stored_at IS NULL``, so of several racing uploads of one
photo exactly one records it; the others find it stored and answer the same receipt. The visit row is locked first,
so two different photos of one visit arriving together cannot both miss that the other completed it.

Only the original must survive a power cut before the receipt: the display image and the thumbnail are made from it,
so they are not flushed to disk, and one found missing (or left empty) when it is asked for is rendered again.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.domain.audit.services import AuditLog
from server.domain.photos import queries
from server.domain.photos.decoded import PhotoExif, RenderedPhoto, byte_ranges, exif_taken_at
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.spool import SpooledUpload, spool_to_file
from server.domain.visits import queries as visit_queries
from server.domain.visits.documents import Receipt, VisitStatus
from server.domain.visits.flags_service import (
    refresh_photo_flags,
    stored_flags,
    visit_context_from_row,
)
from server.domain.visits.integrity import PhotoFacts, flags_for_surveyor
from server.domain.visits.services import VisitService, may_see_visit
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import (
    NotFound,
    PhotoContentTypeMismatch,
    PhotoHashMismatch,
    PhotoNotDeclared,
    PhotoTooLarge,
)
from server.lib.storage import Move, PhotoStore, display_key, original_key, thumb_key

Variant = Literal["original", "display", "thumb"]
VARIANTS: tuple[Variant, ...] = ("original", "display", "thumb")

# One family per kind of image a phone may send; HEIC files are labelled either way by different phones.
_FAMILIES = {
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heic",
}


@dataclass(frozen=True)
class StoreOutcome:
    receipt: Receipt
    stored_now: bool


@dataclass(frozen=True)
class PhotoObject:
    """Where a photo variant is and how to label it; a rendering also names the original it is made from."""

    key: str
    content_type: str
    etag: str
    size: int | None
    sha256: str
    rendered_from: str | None = None
    ranges: Sequence[Sequence[int]] | None = None
    """The byte ranges of ``key`` that make this variant (a display image served from its original)."""


@dataclass(frozen=True)
class _Declaration:
    visit_id: uuid.UUID
    sha256: str
    content_type: str
    stored: bool
    timezone: str
    taken_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None


class PhotoService:
    def __init__(
        self,
        session: AsyncSession,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        store: PhotoStore,
        decoders: PhotoDecoders,
    ) -> None:
        self.session = session
        self.session_factory = session_factory
        self.settings = settings
        self.store = store
        self.decoders = decoders

    # --- PUT /api/visits/{visit_id}/photos/{photo_id} ------------------------------------------------------------

    async def put_photo(
        self,
        visit_id: uuid.UUID,
        photo_id: uuid.UUID,
        principal: Principal,
        *,
        content_type: str,
        content_length: int | None,
        body: AsyncIterable[bytes],
    ) -> StoreOutcome:
        declared = await self._declaration(visit_id, photo_id, principal)
        if declared.stored:
            return await self._already_stored(visit_id)
        _refuse_other_family(content_type, declared.content_type)
        if content_length is not None and content_length > self.settings.max_photo_bytes:
            raise PhotoTooLarge(
                f"The photo is larger than {self.settings.max_photo_bytes} bytes.",
                max_bytes=self.settings.max_photo_bytes,
            )
        spooled = await spool_to_file(body, self.settings.photo_spool_dir, max_bytes=self.settings.max_photo_bytes)
        try:
            if spooled.sha256 != declared.sha256:
                raise PhotoHashMismatch(
                    f"The bytes received hash to {spooled.sha256}, not to the declared "
                    f"{declared.sha256}; nothing was kept. Send the photo again.",
                    field="sha256",
                )
            processed = await self.decoders.render(
                spooled.path, self.settings.photo_render_dir, max_pixels=self.settings.max_photo_pixels
            )
            try:
                await self._store_files(spooled, processed)
            finally:
                processed.remove_files()
        finally:
            spooled.path.unlink(missing_ok=True)
        receipt = await self._mark_stored(visit_id, photo_id, declared, processed, principal)
        if receipt is None:  # a racing upload of the same photo recorded it first
            return await self._already_stored(visit_id)
        return StoreOutcome(receipt=receipt, stored_now=True)

    async def _already_stored(self, visit_id: uuid.UUID) -> StoreOutcome:
        receipt = await VisitService(self.session).receipt(visit_id, surveyor_view=True)
        return StoreOutcome(receipt=receipt, stored_now=False)

    async def _declaration(self, visit_id: uuid.UUID, photo_id: uuid.UUID, principal: Principal) -> _Declaration:
        # A short transaction of its own, ended before the body is read (see the module notes).
        async with self.session_factory() as session:
            row = await queries.declaration(session, visit_id, photo_id)
            await session.rollback()
        if row is None or row.surveyor_id != principal.id:
            raise NotFound(f"No visit {visit_id} of yours is stored; send the visit document first.")
        if row.visit_id is None:
            raise PhotoNotDeclared(f"Photo {photo_id} is not declared by the current revision of visit {visit_id}.")
        return _Declaration(
            visit_id=visit_id,
            sha256=row.sha256,
            content_type=row.content_type,
            stored=row.stored_at is not None,
            timezone=row.timezone,
            taken_at=row.taken_at,
            lat=row.lat,
            lon=row.lon,
            accuracy_m=row.accuracy_m,
        )

    async def _store_files(self, spooled: SpooledUpload, processed: RenderedPhoto) -> None:
        # Content-addressed: a key that already holds an object holds these very bytes, so "already there" is fine.
        await self.store.move_in_all(
            [
                Move(original_key(spooled.sha256, processed.content_type), spooled.path),
                *rendering_moves(spooled.sha256, processed),
            ]
        )

    async def _mark_stored(
        self,
        visit_id: uuid.UUID,
        photo_id: uuid.UUID,
        declared: _Declaration,
        processed: RenderedPhoto,
        principal: Principal,
    ) -> Receipt | None:
        """Record the photo as stored and answer the visit's receipt; None if a racing upload recorded it first."""
        visit = await queries.locked_visit_with_context(self.session, visit_id)
        now = clock.now()
        exif = processed.exif
        photo = PhotoFacts(
            id=photo_id,
            sha256=declared.sha256,
            lat=declared.lat,
            lon=declared.lon,
            accuracy_m=declared.accuracy_m,
            taken_at=declared.taken_at,
            exif_taken_at=exif_taken_at(exif, ZoneInfo(declared.timezone)),
            exif_lat=exif.lat,
            exif_lon=exif.lon,
            has_exif=has_exif_evidence(exif),
            stored=True,
            phash=processed.phash,
        )
        marked = await queries.mark_stored(
            self.session,
            visit_id,
            photo_id,
            {
                "stored_at": now,
                "original_key": original_key(declared.sha256, processed.content_type),
                "content_type": processed.content_type,
                "width": processed.width,
                "height": processed.height,
                "phash": processed.phash,
                "exif_taken_at": photo.exif_taken_at,
                "exif_lat": exif.lat,
                "exif_lon": exif.lon,
                "exif_make": exif.make,
                "exif_model": exif.model,
                "has_exif": photo.has_exif,
                "display_ranges": _as_lists(processed.display_ranges),
            },
        )
        if not marked:
            return None
        await visit_queries.insert_look_alike_keys(
            self.session, photo_id, processed.phash, surveyor_id=visit.visit_surveyor_id, unit_id=visit.visit_unit_id
        )
        missing = (await visit_queries.missing_photo_ids(self.session, [visit_id]))[visit_id]
        status: VisitStatus = "submitted" if visit.visit_status == "incomplete" and not missing else visit.visit_status
        if status != visit.visit_status:
            await queries.set_visit_status(
                self.session, visit_id, {"status": status, "submitted_at": now, "updated_at": now}
            )
        own_flags = await refresh_photo_flags(
            self.session,
            visit_id=visit_id,
            photo=photo,
            started_at=visit.started_at,
            finished_at=visit.finished_at,
            context=visit_context_from_row(visit),
            first_received_at=visit.first_received_at,
        )
        await AuditLog(self.session).record(
            "photo.stored",
            entity_type="photo",
            entity_id=photo_id,
            actor_id=principal.id,
            data={
                "visit_id": visit_id,
                "sha256": declared.sha256,
                "content_type": processed.content_type,
                "width": processed.width,
                "height": processed.height,
                "visit_status": status,
                "flags": [flag.code for flag in own_flags],
            },
        )
        flags = (await stored_flags(self.session, [visit_id]))[visit_id]
        return Receipt(
            id=visit_id, revision=visit.revision, status=status, missing_photos=missing, flags=flags_for_surveyor(flags)
        )

    # --- GET /api/photos/{photo_id}/{variant} --------------------------------------------------------------------

    async def locate(self, photo_id: uuid.UUID, variant: str, principal: Principal) -> PhotoObject:
        """Where a stored photo's variant is, for the surveyor who took it, admins and supervisors of its region.

        Everybody else is told it does not exist, so photo ids reveal nothing."""
        row = await queries.stored_photo(self.session, photo_id)
        if (
            variant not in VARIANTS
            or row is None
            or row.stored_at is None
            or not await may_see_visit(self.session, principal, row.surveyor_id, row.region_id)
        ):
            raise NotFound(f"No photo {photo_id} ({variant}) that you may see.")
        etag = f'"{row.sha256}-{variant}"'
        if variant == "original":
            return PhotoObject(
                key=row.original_key, content_type=row.content_type, etag=etag, size=row.size, sha256=row.sha256
            )
        if variant == "display" and row.display_ranges:
            return PhotoObject(
                key=row.original_key,
                content_type="image/jpeg",
                etag=etag,
                size=sum(end - start for start, end in row.display_ranges),
                sha256=row.sha256,
                ranges=row.display_ranges,
            )
        key = display_key(row.sha256) if variant == "display" else thumb_key(row.sha256)
        return PhotoObject(
            key=key, content_type="image/jpeg", etag=etag, size=None, sha256=row.sha256, rendered_from=row.original_key
        )

    async def open_stream(self, photo: PhotoObject) -> AsyncIterator[bytes]:
        """The variant's bytes; a rendering the store lost (it is not flushed to disk) is made again first."""
        try:
            chunks = await self.store.open_stream(photo.key)
        except FileNotFoundError:
            if photo.rendered_from is None:
                raise NotFound("The photo's file is not in the photo store.") from None
        else:
            return chunks if photo.ranges is None else byte_ranges(chunks, photo.ranges)
        display_ranges = await self._render_again(photo.rendered_from, photo.sha256)
        try:
            if display_ranges is not None and photo.key == display_key(photo.sha256):
                # A photo stored with a display file of its own, rendered again now as its original minus metadata.
                return byte_ranges(await self.store.open_stream(photo.rendered_from), display_ranges)
            return await self.store.open_stream(photo.key)
        except FileNotFoundError:
            raise NotFound("The photo's file is not in the photo store.") from None

    async def _render_again(self, original: str, sha256: str) -> tuple[tuple[int, int], ...] | None:
        """Render the photo's renderings again into the store; the display image's ranges of the original, when it
        is made of them."""
        try:
            chunks = await self.store.open_stream(original)
        except FileNotFoundError:
            raise NotFound("The photo's original is not in the photo store.") from None
        # The original passed the size and pixel limits of the day it arrived; lowering them since must not hide it.
        spooled = await spool_to_file(chunks, self.settings.photo_spool_dir, max_bytes=sys.maxsize)
        try:
            if spooled.sha256 != sha256:  # never render bytes that are not this photo's
                raise NotFound("The photo's original in the photo store does not match its sha256.")
            rendered = await self.decoders.render(spooled.path, self.settings.photo_render_dir, max_pixels=sys.maxsize)
            try:
                await self.store.move_in_all(rendering_moves(sha256, rendered))
            finally:
                rendered.remove_files()
        finally:
            spooled.path.unlink(missing_ok=True)
        return rendered.display_ranges


def rendering_moves(sha256: str, rendered: RenderedPhoto) -> list[Move]:
    # A display image made of the original's own bytes is served from the original: no second copy is stored.
    display = [] if rendered.display_path is None else [Move(display_key(sha256), rendered.display_path, durable=False)]
    return [*display, Move(thumb_key(sha256), rendered.thumb_path, durable=False)]


def _as_lists(ranges: tuple[tuple[int, int], ...] | None) -> list[list[int]] | None:
    return None if ranges is None else [list(byte_range) for byte_range in ranges]


def _refuse_other_family(content_type: str, declared: str) -> None:
    sent = content_type.split(";", 1)[0].strip().lower()
    if _FAMILIES.get(sent) is None or _FAMILIES.get(sent) != _FAMILIES.get(declared):
        raise PhotoContentTypeMismatch(
            f"Send this photo with Content-Type {declared} as declared, not {sent or 'none'}."
        )


def has_exif_evidence(exif: PhotoExif) -> bool:
    # What makes EXIF evidence: a camera time, a position or a device; an orientation tag alone says nothing.
    return any(value is not None for value in (exif.taken_at_local, exif.lat, exif.make, exif.model))
