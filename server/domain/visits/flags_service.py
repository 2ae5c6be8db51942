"""Gathering a visit's facts from the database for ``integrity.compute_flags`` and storing what it finds.

Flags are recomputed as a whole on each visit PUT and replace the visit's stored flags; a photo's arrival recomputes
and replaces that photo's flags only (``refresh_photo_flags``). So the table always says what the current revision
and the photos received so far show; a look-alike of a photo is found among the photos stored before it (the later
of two look-alike pictures carries the flag), until a new revision recomputes the visit's flags as a whole.

Reuse candidates: the same sha256 anywhere (an index lookup), and a perceptual hash within the wave's distance among
photos of the same surveyor or the same unit. Hamming distance cannot use an index, so the look-alike search is kept
to the photos a reused picture most plausibly comes from (a surveyor's own earlier pictures, another picture of the
same office) and stays cheap while the photo table grows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import Select, bindparam, delete, insert, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Agency, Assignment, Region, Unit, Visit, Wave
from server.db.models import Flag as FlagRow
from server.db.models import Instrument as InstrumentRow
from server.db.models import Photo as PhotoRow
from server.domain.admin.opening_hours import OpeningHours, parse_opening_hours
from server.domain.instruments.documents import Instrument
from server.domain.visits.documents import Flag, VisitDocument
from server.domain.visits.integrity import (
    IntegritySettings,
    MeasuredFlag,
    PhotoFacts,
    ReuseMatch,
    UnitFacts,
    VisitFacts,
    WindowFacts,
    compute_flags,
    photo_flags,
)
from server.domain.visits.validation import missing_required
from server.lib import clock
from server.lib.errors import DomainError

# Without coordinates a unit has no geofence: these flags would measure the distance to (0, 0).
_DISTANCE_CODES = frozenset({"geo.outside", "photo.far"})

# Statements run on every visit PUT and photo arrival, built once (building them costs more than running some), and
# built on the tables rather than the mapped classes: a statement that names mapped attributes goes through the ORM's
# execution layer each time it runs, which cost 114 µs of CPU per small statement against 67 µs (SQLite, in-process).
_photos, _visits, _flags = PhotoRow.__table__, Visit.__table__, FlagRow.__table__
_PHOTO_FACTS = (
    select(
        _photos.c.id,
        _photos.c.sha256,
        _photos.c.lat,
        _photos.c.lon,
        _photos.c.accuracy_m,
        _photos.c.taken_at,
        _photos.c.exif_taken_at,
        _photos.c.exif_lat,
        _photos.c.exif_lon,
        _photos.c.has_exif,
        _photos.c.stored_at,
        _photos.c.phash,
    )
    .where(_photos.c.visit_id == bindparam("visit_id"))
    .order_by(_photos.c.taken_at, _photos.c.id)
)
_SAME_FILE = select(_photos.c.visit_id, _photos.c.sha256).where(
    _photos.c.visit_id != bindparam("visit_id"), _photos.c.sha256.in_(bindparam("sha256s", expanding=True))
)


def _look_alike_candidates(*columns: Any, also: Sequence[Any] = ()) -> Any:
    """Stored photos of the surveyor's and the unit's other visits: a union of two index lookups, not one OR, which
    made the database read every photo ever stored on each arrival."""
    return union(
        *(
            select(*columns)
            .select_from(_photos)
            .join(_visits, _visits.c.id == _photos.c.visit_id)
            .where(
                _photos.c.visit_id != bindparam("visit_id"),
                _photos.c.phash.is_not(None),
                owner == bindparam(name),
                *also,
            )
            for owner, name in ((_visits.c.surveyor_id, "surveyor_id"), (_visits.c.unit_id, "unit_id"))
        )
    )


# Look-alikes in two steps: the distinct hashes first (short strings, however many photos a surveyor has taken),
# then the photos behind the few hashes close enough, which is usually none.
_LOOK_ALIKE_HASHES = _look_alike_candidates(_photos.c.phash)
_LOOK_ALIKES = _look_alike_candidates(
    _photos.c.visit_id,
    _photos.c.sha256,
    _photos.c.phash,
    also=[_photos.c.phash.in_(bindparam("phashes", expanding=True))],
)
_DELETE_FLAGS = delete(_flags).where(_flags.c.visit_id == bindparam("visit_id"))
_DELETE_PHOTO_FLAGS = _DELETE_FLAGS.where(_flags.c.photo_id == bindparam("photo_id"))
_INSERT_FLAGS = insert(_flags)
_STORED_FLAGS = (
    select(_flags.c.visit_id, _flags.c.code, _flags.c.severity, _flags.c.detail, _flags.c.photo_id)
    .where(_flags.c.visit_id.in_(bindparam("visit_ids", expanding=True)))
    .order_by(_flags.c.id)
)


@dataclass(frozen=True)
class VisitContext:
    """What an assignment says about where and when its visits belong (one query)."""

    assignment_id: uuid.UUID
    surveyor_id: uuid.UUID
    wave_id: uuid.UUID
    wave_status: str
    instrument_id: uuid.UUID
    integrity_settings: dict[str, Any]
    unit_id: uuid.UUID
    unit_lat: float | None
    unit_lon: float | None
    geofence_m: int
    opening_hours: str
    region_id: uuid.UUID
    timezone: str
    window_start: datetime
    window_end: datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def visit_context_query(assignment_id: uuid.UUID | None) -> Select[Any]:
    """The columns ``visit_context_from_row`` reads, for one assignment (or, with None, for the assignments the
    caller picks with joins and conditions of its own, on the tables like these)."""
    assignments, waves, units = Assignment.__table__, Wave.__table__, Unit.__table__
    agencies, regions = Agency.__table__, Region.__table__
    query = (
        select(
            assignments.c.id,
            assignments.c.surveyor_id,
            assignments.c.window_start,
            assignments.c.window_end,
            waves.c.id.label("wave_id"),
            waves.c.status.label("wave_status"),
            waves.c.instrument_id,
            waves.c.integrity_settings,
            units.c.id.label("unit_id"),
            units.c.lat.label("unit_lat"),
            units.c.lon.label("unit_lon"),
            units.c.geofence_m,
            units.c.opening_hours,
            regions.c.id.label("region_id"),
            regions.c.timezone,
        )
        .select_from(assignments)
        .join(waves, waves.c.id == assignments.c.wave_id)
        .join(units, units.c.id == assignments.c.unit_id)
        .join(agencies, agencies.c.id == units.c.agency_id)
        .join(regions, regions.c.id == agencies.c.region_id)
    )
    return query if assignment_id is None else query.where(assignments.c.id == assignment_id)


def visit_context_from_row(row: Any) -> VisitContext:
    return VisitContext(
        assignment_id=row.id,
        surveyor_id=row.surveyor_id,
        wave_id=row.wave_id,
        wave_status=row.wave_status,
        instrument_id=row.instrument_id,
        integrity_settings=row.integrity_settings or {},
        unit_id=row.unit_id,
        unit_lat=row.unit_lat,
        unit_lon=row.unit_lon,
        geofence_m=row.geofence_m,
        opening_hours=row.opening_hours or "",
        region_id=row.region_id,
        timezone=row.timezone,
        window_start=row.window_start,
        window_end=row.window_end,
    )


# Instruments never change once a wave uses them, so a decoded copy per id is safe to keep for the process' life.
_instruments: dict[uuid.UUID, Instrument] = {}
_INSTRUMENT_CACHE_SIZE = 32


async def load_instrument(session: AsyncSession, instrument_id: uuid.UUID) -> Instrument:
    instrument = _instruments.get(instrument_id)
    if instrument is None:
        document = await session.scalar(select(InstrumentRow.document).where(InstrumentRow.id == instrument_id))
        instrument = msgspec.convert(document, Instrument)
        if len(_instruments) >= _INSTRUMENT_CACHE_SIZE:
            _instruments.clear()
        _instruments[instrument_id] = instrument
    return instrument


async def recompute_flags(
    session: AsyncSession,
    *,
    visit_id: uuid.UUID,
    doc: VisitDocument,
    context: VisitContext,
    instrument: Instrument,
    first_received_at: datetime,
    is_new: bool = False,
    photos: Sequence[PhotoFacts] | None = None,
) -> list[MeasuredFlag]:
    """Compute every flag of the visit from the database's facts, store them (replacing the old ones), return them.

    ``is_new``: the visit was inserted in this transaction, so it has no flags yet and its photos are exactly the
    document's declarations, none received. ``photos``: the visit's photos when the caller has just read them.
    """
    settings = IntegritySettings.from_dict(context.integrity_settings)
    if photos is None:
        photos = _declared_photo_facts(doc) if is_new else await photo_facts(session, visit_id)
    facts = VisitFacts(
        started_at=doc.started_at,
        finished_at=doc.finished_at,
        positions=doc.positions,
        answered_indicator_count=len(doc.answers),
        first_received_at=first_received_at,
        unit=_unit_facts(context, settings),
        photos=photos,
        reuse_matches=await _reuse_matches(session, visit_id, context, photos, settings),
        window=WindowFacts(start=context.window_start, end=context.window_end),
        missing_required=missing_required(doc, instrument),
    )
    flags = _without_distances_to_nowhere(compute_flags(facts, settings), context)
    if not is_new:
        await session.execute(_DELETE_FLAGS, {"visit_id": visit_id})
    await _insert_flags(session, visit_id, flags)
    return flags


def _without_distances_to_nowhere(flags: list[MeasuredFlag], context: VisitContext) -> list[MeasuredFlag]:
    if context.unit_lat is None or context.unit_lon is None:
        return [flag for flag in flags if flag.code not in _DISTANCE_CODES]
    return flags


async def refresh_photo_flags(
    session: AsyncSession,
    *,
    visit_id: uuid.UUID,
    photo: PhotoFacts,
    started_at: datetime,
    finished_at: datetime,
    context: VisitContext,
    first_received_at: datetime,
) -> list[MeasuredFlag]:
    """A photo has arrived: recompute its own flags and replace them, keep the rest of the visit's; return its flags.

    Every other flag stays what it was, because none depends on a photo's bytes: position and visit flags come from
    the document, and each photo flag is about one photo (``integrity.photo_flags``). So an arrival costs the same
    for the 25th photo of a visit as for the first, where recomputing everything compared every photo of the visit
    with every look-alike candidate again.
    """
    settings = IntegritySettings.from_dict(context.integrity_settings)
    facts = VisitFacts(
        started_at=started_at,
        finished_at=finished_at,
        positions=(),
        answered_indicator_count=0,
        first_received_at=first_received_at,
        unit=_unit_facts(context, settings),
        photos=[photo],
        reuse_matches=await _reuse_matches(session, visit_id, context, [photo], settings),
    )
    flags = _without_distances_to_nowhere(photo_flags(facts, settings), context)
    await session.execute(_DELETE_PHOTO_FLAGS, {"visit_id": visit_id, "photo_id": photo.id})
    await _insert_flags(session, visit_id, flags)
    return flags


async def stored_flags(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Flag]]:
    """The stored flags of each visit, in the order they were computed."""
    by_visit: dict[uuid.UUID, list[Flag]] = {visit_id: [] for visit_id in visit_ids}
    if not visit_ids:
        return by_visit
    for row in await session.execute(_STORED_FLAGS, {"visit_ids": list(visit_ids)}):
        by_visit[row.visit_id].append(
            Flag(code=row.code, severity=row.severity, detail=row.detail, photo_id=row.photo_id)
        )
    return by_visit


def _unit_facts(context: VisitContext, settings: IntegritySettings) -> UnitFacts:
    return UnitFacts(
        lat=context.unit_lat if context.unit_lat is not None else 0.0,
        lon=context.unit_lon if context.unit_lon is not None else 0.0,
        geofence_m=context.geofence_m or settings.geofence_default_m,
        opening_hours=_opening_hours(context.opening_hours),
        tz=context.tz,
    )


# Every visit PUT and photo arrival reads its unit's hours; there are as many texts as units, and parsing one cost
# more than some of the request's statements.
@functools.lru_cache(maxsize=1024)
def _opening_hours(text: str) -> OpeningHours | None:
    try:
        return parse_opening_hours(text)
    except DomainError:
        # Checked when the unit was saved; a text that no longer parses must not stop a visit from syncing.
        return None


def _declared_photo_facts(doc: VisitDocument) -> list[PhotoFacts]:
    return sorted(
        (
            PhotoFacts(
                id=photo.id,
                sha256=photo.sha256,
                lat=photo.lat,
                lon=photo.lon,
                accuracy_m=photo.accuracy_m,
                taken_at=photo.taken_at,
            )
            for photo in doc.photos
        ),
        key=lambda photo: (photo.taken_at, photo.id),
    )


async def photo_facts(session: AsyncSession, visit_id: uuid.UUID) -> list[PhotoFacts]:
    """What integrity needs to know of each photo of a visit, received or not."""
    rows = await session.execute(_PHOTO_FACTS, {"visit_id": visit_id})
    return [
        PhotoFacts(
            id=row.id,
            sha256=row.sha256,
            lat=row.lat,
            lon=row.lon,
            accuracy_m=row.accuracy_m,
            taken_at=row.taken_at,
            exif_taken_at=row.exif_taken_at,
            exif_lat=row.exif_lat,
            exif_lon=row.exif_lon,
            has_exif=bool(row.has_exif),
            stored=row.stored_at is not None,
            phash=row.phash,
        )
        for row in rows
    ]


async def _reuse_matches(
    session: AsyncSession,
    visit_id: uuid.UUID,
    context: VisitContext,
    photos: Sequence[PhotoFacts],
    settings: IntegritySettings,
) -> list[ReuseMatch]:
    """Photos of other visits with the same bytes (anywhere) or a look-alike picture (same surveyor or unit)."""
    if not photos:
        return []
    ours_by_sha: dict[str, list[uuid.UUID]] = {}
    for photo in photos:
        ours_by_sha.setdefault(photo.sha256, []).append(photo.id)
    # Hashes as integers once, not once per comparison: a visit's photos meet every candidate on each arrival.
    ours_by_phash = [
        (photo.id, photo.sha256, int(photo.phash, 16), len(photo.phash)) for photo in photos if photo.phash
    ]
    parameters = {
        "visit_id": visit_id,
        "sha256s": list(ours_by_sha),
        "surveyor_id": context.surveyor_id,
        "unit_id": context.unit_id,
    }
    same_file_pairs = {
        (photo_id, row.visit_id)
        for row in await session.execute(_SAME_FILE, parameters)
        for photo_id in ours_by_sha[row.sha256]
    }
    closest: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    if ours_by_phash:
        hashes = (await session.execute(_LOOK_ALIKE_HASHES, parameters)).scalars()
        near = [
            theirs
            for theirs in hashes
            if any(
                _distance(ours, length, theirs) <= settings.phash_max_distance for _, _, ours, length in ours_by_phash
            )
        ]
        rows = await session.execute(_LOOK_ALIKES, {**parameters, "phashes": near}) if near else ()
        for row in rows:
            for photo_id, sha256, ours, length in ours_by_phash:
                distance = _distance(ours, length, row.phash)
                key = (photo_id, row.visit_id)
                if (
                    sha256 != row.sha256
                    and distance <= settings.phash_max_distance
                    and distance < closest.get(key, distance + 1)
                ):
                    closest[key] = distance
    matches = [
        ReuseMatch(photo_id=photo_id, other_visit_id=other_visit_id, kind="sha256")
        for photo_id, other_visit_id in sorted(same_file_pairs, key=_in_id_order)
    ]
    matches.extend(
        ReuseMatch(photo_id=pair[0], other_visit_id=pair[1], kind="phash", distance=closest[pair])
        for pair in sorted(closest, key=_in_id_order)
        if pair not in same_file_pairs
    )
    return matches


def _distance(ours: int, length: int, theirs_hex: str) -> int:
    """``phash_distance`` without re-parsing our hash for each candidate; hashes of another length never match."""
    return (ours ^ int(theirs_hex, 16)).bit_count() if len(theirs_hex) == length else 1 << 30


def _in_id_order(pair: tuple[uuid.UUID, uuid.UUID]) -> tuple[str, str]:
    photo_id, other_visit_id = pair
    return str(other_visit_id), str(photo_id)


async def _insert_flags(session: AsyncSession, visit_id: uuid.UUID, flags: Sequence[MeasuredFlag]) -> None:
    if flags:
        computed_at = clock.now()
        await session.execute(
            _INSERT_FLAGS,
            [
                {
                    "visit_id": visit_id,
                    "code": flag.code,
                    "severity": flag.severity,
                    "detail": flag.detail,
                    "facts": flag.facts,
                    "photo_id": flag.photo_id,
                    "computed_at": computed_at,
                }
                for flag in flags
            ],
        )
