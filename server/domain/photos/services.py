"""Receiving photo evidence and handing it out to the people allowed to see it.

An upload never holds a database transaction while bytes arrive or a header is parsed (on SQLite a transaction is
the one write lock): the declaration is looked up in a short read of its own, the body is streamed to a spool file
while hashed, its header checked in a decoding process (``decoders.inspect``: kind, pixel count, a JPEG's marker
structure, EXIF; no pixel decoded), the original is moved into the content-addressed store, flushed, and only then
is the request's transaction used to mark the photo stored, recompute the flags its header allows and record the
event. Rendering (display image, thumbnail, perceptual hash, and the flags that need it) happens after the receipt,
in the render queue (``render_service``). The mark is ``UPDATE … WHERE stored_at IS NULL``, so of several racing uploads
of one photo exactly one records it; the others find it stored and answer the same receipt. The visit row is locked
first, so two different photos of one visit arriving together cannot both miss that the other completed it.

Only the original must survive a power cut before the receipt: the display image and the thumbnail are made from it,
so they are not flushed to disk, and one found missing (or left empty, or not made yet) when it is asked for is
rendered on demand.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.domain.audit.services import AuditLog
from server.domain.photos import queries
from server.domain.photos.decoded import PhotoExif, PhotoHeader, RenderedPhoto, byte_ranges, exif_taken_at
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.spool import spool_to_file
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
    PhotoNotAnImage,
    PhotoNotDeclared,
    PhotoTooLarge,
    PhotoUnreadable,
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
            header = await self.decoders.inspect(spooled.path, max_pixels=self.settings.max_photo_pixels)
            await self.store.move_in(original_key(spooled.sha256, header.content_type), spooled.path)
        finally:
            spooled.path.unlink(missing_ok=True)
        receipt = await self._mark_stored(visit_id, photo_id, declared, header, principal)
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

    async def _mark_stored(
        self,
        visit_id: uuid.UUID,
        photo_id: uuid.UUID,
        declared: _Declaration,
        header: PhotoHeader,
        principal: Principal,
    ) -> Receipt | None:
        """Record the photo as stored and answer the visit's receipt; None if a racing upload recorded it first."""
        visit = await queries.locked_visit_with_context(self.session, visit_id)
        now = clock.now()
        exif = header.exif
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
        )
        marked = await queries.mark_stored(
            self.session,
            visit_id,
            photo_id,
            {
                "stored_at": now,
                "original_key": original_key(declared.sha256, header.content_type),
                "content_type": header.content_type,
                "width": header.width,
                "height": header.height,
                **exif_values(exif, ZoneInfo(declared.timezone)),
            },
        )
        if not marked:
            return None
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
                "content_type": header.content_type,
                "width": header.width,
                "height": header.height,
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
        """Render the photo's renderings (again) into the store; the display image's ranges of the original, when it
        is made of them. A photo whose picture cannot be decoded has no rendering to show."""
        try:
            rendered = await render_stored_original(self.store, self.decoders, self.settings, original, sha256)
        except PHOTO_REFUSALS:
            raise NotFound("The photo's picture cannot be decoded: it has no rendering.") from None
        return rendered.display_ranges


# What decoding an unreadable picture raises: the photo is refused at its upload, or found unreadable once stored.
PHOTO_REFUSALS = (PhotoNotAnImage, PhotoTooLarge, PhotoUnreadable)


async def render_stored_original(
    store: PhotoStore, decoders: PhotoDecoders, settings: Settings, original: str, sha256: str
) -> RenderedPhoto:
    """Render a stored original's display image and thumbnail into the store and say what rendering found (its
    files are gone by then). Content-addressed: rendering a photo twice, at once or not, stores the same bytes, so a
    reviewer's on-demand rendering and the render queue's never conflict. Raises NotFound when the original is not
    in the store (or not the photo's), ``PHOTO_REFUSALS`` when it cannot be decoded."""
    try:
        chunks = await store.open_stream(original)
    except FileNotFoundError:
        raise NotFound("The photo's original is not in the photo store.") from None
    # The original passed the size and pixel limits of the day it arrived; lowering them since must not hide it.
    spooled = await spool_to_file(chunks, settings.photo_spool_dir, max_bytes=sys.maxsize)
    try:
        if spooled.sha256 != sha256:  # never render bytes that are not this photo's
            raise NotFound("The photo's original in the photo store does not match its sha256.")
        rendered = await decoders.render(spooled.path, settings.photo_render_dir, max_pixels=sys.maxsize)
        try:
            await store.move_in_all(rendering_moves(sha256, rendered))
        finally:
            rendered.remove_files()
    finally:
        spooled.path.unlink(missing_ok=True)
    return rendered


def exif_values(exif: PhotoExif, region_tz: ZoneInfo) -> dict[str, Any]:
    """The photo row's EXIF columns."""
    return {
        "exif_taken_at": exif_taken_at(exif, region_tz),
        "exif_lat": exif.lat,
        "exif_lon": exif.lon,
        "exif_make": exif.make,
        "exif_model": exif.model,
        "has_exif": has_exif_evidence(exif),
    }


def rendering_moves(sha256: str, rendered: RenderedPhoto) -> list[Move]:
    # A display image made of the original's own bytes is served from the original: no second copy is stored.
    display = [] if rendered.display_path is None else [Move(display_key(sha256), rendered.display_path, durable=False)]
    return [*display, Move(thumb_key(sha256), rendered.thumb_path, durable=False)]


def as_lists(ranges: tuple[tuple[int, int], ...] | None) -> list[list[int]] | None:
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
