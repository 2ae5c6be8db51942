"""The statements of a photo's arrival and of reading a stored photo.

Those of every upload are built once (building them per request costs more CPU than running some), on the tables
rather than the mapped classes, as in ``visits.queries``.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, select, update
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

STORED_FIELDS = (
    "stored_at",
    "original_key",
    "content_type",
    "width",
    "height",
    "phash",
    "exif_taken_at",
    "exif_lat",
    "exif_lon",
    "exif_make",
    "exif_model",
    "has_exif",
    "display_ranges",
)
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
