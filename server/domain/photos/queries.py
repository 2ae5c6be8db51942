"""The statements of a photo's arrival and of reading a stored photo.

Those of every upload are built once (building them per request costs more CPU than running some), on the tables
rather than the mapped classes, as in ``visits.queries``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Photo, Region, Unit, Visit
from server.domain.visits.queries import AnyRow, visit_context_query

_visits, _photos = Visit.__table__, Photo.__table__
_units, _agencies, _regions = Unit.__table__, Agency.__table__, Region.__table__
_DECLARATION = (
    select(
        _visits.c.surveyor_id,
        _photos.c.visit_id,
        _photos.c.sha256,
        _photos.c.content_type,
        _photos.c.stored_at,
        _photos.c.taken_at,
        _photos.c.lat,
        _photos.c.lon,
        _photos.c.accuracy_m,
        _regions.c.timezone,
    )
    .select_from(_visits)
    .join(_units, _units.c.id == _visits.c.unit_id)
    .join(_agencies, _agencies.c.id == _units.c.agency_id)
    .join(_regions, _regions.c.id == _agencies.c.region_id)
    .outerjoin(_photos, (_photos.c.visit_id == _visits.c.id) & (_photos.c.id == bindparam("photo_id")))
    .where(_visits.c.id == bindparam("visit_id"))
)
# Locking the visit row (not the rows joined to it) serialises the arrivals of one visit's photos only.
_LOCKED_VISIT_WITH_CONTEXT = (
    visit_context_query()
    .add_columns(
        _visits.c.revision,
        _visits.c.status.label("visit_status"),
        _visits.c.first_received_at,
        _visits.c.started_at,
        _visits.c.finished_at,
        _visits.c.surveyor_id.label("visit_surveyor_id"),
        _visits.c.unit_id.label("visit_unit_id"),
    )
    .join(_visits, _visits.c.assignment_id == Assignment.__table__.c.id)
    .where(_visits.c.id == bindparam("visit_id"))
    .with_for_update(of=_visits)
)

EXIF_FIELDS = ("exif_taken_at", "exif_lat", "exif_lon", "exif_make", "exif_model", "has_exif")
STORED_FIELDS = ("stored_at", "original_key", "content_type", "width", "height", *EXIF_FIELDS)
_MARK_STORED = (
    update(_photos)
    .where(
        _photos.c.id == bindparam("where_photo_id"),
        _photos.c.visit_id == bindparam("where_visit_id"),
        _photos.c.stored_at.is_(None),
    )
    .values({name: bindparam(name) for name in STORED_FIELDS})
)
_SUBMIT = (
    update(_visits)
    .where(_visits.c.id == bindparam("visit_id"))
    .values({name: bindparam(name) for name in ("status", "submitted_at", "updated_at")})
)
_STORED_PHOTO = (
    select(
        _photos.c.sha256,
        _photos.c.content_type,
        _photos.c.size,
        _photos.c.stored_at,
        _photos.c.original_key,
        _photos.c.display_ranges,
        _visits.c.surveyor_id,
        _agencies.c.region_id,
    )
    .select_from(_photos)
    .join(_visits, _visits.c.id == _photos.c.visit_id)
    .join(_units, _units.c.id == _visits.c.unit_id)
    .join(_agencies, _agencies.c.id == _units.c.agency_id)
    .where(_photos.c.id == bindparam("photo_id"))
)


# --- the render queue: stored photos not yet rendered ---------------------------------------------------------------
# A photo waits from its receipt until it is rendered or found unreadable. A worker claims a batch by leasing it
# (``render_lease_until``); a lease that runs out (its worker was killed) puts the photo back. On PostgreSQL the
# claim skips the rows another worker is claiming at the same moment (FOR UPDATE SKIP LOCKED); SQLite has one writer,
# so its single UPDATE … RETURNING is the whole claim (FOR UPDATE is not part of its SQL).
_WAITING = (_photos.c.stored_at.is_not(None), _photos.c.rendered_at.is_(None), _photos.c.unreadable_at.is_(None))
_FREE = or_(_photos.c.render_lease_until.is_(None), _photos.c.render_lease_until < bindparam("now"))
_CLAIM = (
    update(_photos)
    .where(
        _photos.c.id.in_(
            select(_photos.c.id)
            .where(*_WAITING, _FREE)
            .order_by(_photos.c.stored_at)
            .limit(bindparam("batch"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(
        render_attempts=_photos.c.render_attempts + 1,
        render_lease_until=bindparam("lease_until"),
        render_leased_by=bindparam("worker"),
    )
    .returning(
        _photos.c.id,
        _photos.c.visit_id,
        _photos.c.sha256,
        _photos.c.original_key,
        _photos.c.render_attempts,
    )
)
_HELD = (_photos.c.id == bindparam("photo_id"), _photos.c.rendered_at.is_(None), _photos.c.unreadable_at.is_(None))
RENDERED_FIELDS = ("phash", "display_ranges", "width", "height", *EXIF_FIELDS, "rendered_at")
_RENDERED = (
    update(_photos)
    .where(*_HELD)
    .values(
        {name: bindparam(name) for name in RENDERED_FIELDS} | {"render_lease_until": None, "render_leased_by": None}
    )
)
_UNREADABLE = (
    update(_photos).where(*_HELD).values(unreadable_at=bindparam("now"), render_lease_until=None, render_leased_by=None)
)
# A worker that could not reach the store or the database gives the photo back without counting the attempt.
_RELEASE = (
    update(_photos)
    .where(*_HELD, _photos.c.render_leased_by == bindparam("worker"))
    .values(render_attempts=_photos.c.render_attempts - 1, render_lease_until=None, render_leased_by=None)
)
_LEASED = _photos.c.render_lease_until >= bindparam("now")
_QUEUE_DEPTH = select(
    func.count().filter(*_WAITING, _FREE).label("waiting"),
    func.count().filter(*_WAITING, _LEASED).label("in_progress"),
    func.min(_photos.c.stored_at).filter(*_WAITING).label("oldest_stored_at"),
).where(*_WAITING)
_UNREADABLE_COUNT = select(func.count()).where(_photos.c.unreadable_at.is_not(None))


@dataclass(frozen=True)
class QueueDepth:
    """The render queue at one moment (GET /api/admin/photo-queue, metrics)."""

    waiting: int
    in_progress: int
    unreadable: int
    oldest_waiting_s: float | None
    """How long the photo received longest ago has been waiting (leased or not); None when none waits."""


async def queue_depth(session: AsyncSession, now: datetime) -> QueueDepth:
    row = (await session.execute(_QUEUE_DEPTH, {"now": now})).one()
    unreadable = (await session.execute(_UNREADABLE_COUNT)).scalar_one()
    oldest = row.oldest_stored_at
    return QueueDepth(
        waiting=row.waiting,
        in_progress=row.in_progress,
        unreadable=unreadable,
        oldest_waiting_s=None if oldest is None else max(0.0, (now - oldest).total_seconds()),
    )


async def claim_renderings(
    session: AsyncSession, *, worker: str, now: datetime, lease_until: datetime, batch: int
) -> list[AnyRow]:
    """Lease up to ``batch`` waiting photos, oldest first, to ``worker``: (id, visit_id, sha256, original_key,
    render_attempts counting this claim)."""
    parameters = {"worker": worker, "now": now, "lease_until": lease_until, "batch": batch}
    return list((await session.execute(_CLAIM, parameters)).all())


async def record_rendering(session: AsyncSession, photo_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Store what rendering found; False when the photo was rendered already, found unreadable, or is gone."""
    result = await session.execute(_RENDERED, {"photo_id": photo_id, **values})
    return cast(CursorResult[Any], result).rowcount == 1


async def record_unreadable(session: AsyncSession, photo_id: uuid.UUID, now: datetime) -> bool:
    result = await session.execute(_UNREADABLE, {"photo_id": photo_id, "now": now})
    return cast(CursorResult[Any], result).rowcount == 1


async def release_rendering(session: AsyncSession, photo_id: uuid.UUID, worker: str) -> None:
    await session.execute(_RELEASE, {"photo_id": photo_id, "worker": worker})


async def declaration(session: AsyncSession, visit_id: uuid.UUID, photo_id: uuid.UUID) -> AnyRow | None:
    """The visit's surveyor and region's timezone, with the photo's declaration (null columns when it has none)."""
    return (await session.execute(_DECLARATION, {"visit_id": visit_id, "photo_id": photo_id})).one_or_none()


async def locked_visit_with_context(session: AsyncSession, visit_id: uuid.UUID) -> AnyRow:
    """The visit's head and its assignment's context, the visit row locked until the transaction ends."""
    return (await session.execute(_LOCKED_VISIT_WITH_CONTEXT, {"visit_id": visit_id})).one()


async def mark_stored(session: AsyncSession, visit_id: uuid.UUID, photo_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Record what was found in the photo's bytes; False when it was already recorded (a racing upload won)."""
    result = await session.execute(_MARK_STORED, {"where_photo_id": photo_id, "where_visit_id": visit_id, **values})
    return cast(CursorResult[Any], result).rowcount == 1


async def set_visit_status(session: AsyncSession, visit_id: uuid.UUID, values: dict[str, Any]) -> None:
    """status, submitted_at and updated_at of the visit."""
    await session.execute(_SUBMIT, {"visit_id": visit_id, **values})


async def stored_photo(session: AsyncSession, photo_id: uuid.UUID) -> AnyRow | None:
    """Where a photo is stored, with whose visit and which region it belongs to."""
    return (await session.execute(_STORED_PHOTO, {"photo_id": photo_id})).one_or_none()
