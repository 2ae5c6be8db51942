"""Gathering a visit's facts from the database for ``integrity.compute_flags`` and storing what it finds.

Flags are recomputed as a whole on each visit PUT and replace the visit's stored flags; a photo's arrival recomputes
and replaces that photo's flags only (``refresh_photo_flags``). So the table always says what the current revision
and the photos received so far show; a look-alike of a photo is found among the photos stored before it (the later
of two look-alike pictures carries the flag), until a new revision recomputes the visit's flags as a whole.

Flags that look beyond one photo are recomputed where their facts change: ``photo.duplicate_in_visit`` compares the
photos of one visit, so every photo arrival recomputes it for the whole visit (a look-alike is known only once both
pictures are stored); ``visit.impossible_travel`` compares a surveyor's visits pair by pair, so every visit PUT
replaces the flags of the pairs that visit is part of (``recompute_flags``).

Reuse candidates: the same sha256 anywhere (an index lookup), and a perceptual hash within the wave's distance among
photos of the same surveyor or the same unit, the photos a reused picture most plausibly comes from (a surveyor's own
earlier pictures, another picture of the same office). The look-alike search reads an index of hash bands
(``look_alike_index``), so its cost does not grow with the surveyor's or the unit's history.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.admin.opening_hours import OpeningHours, parse_opening_hours
from server.domain.instruments.documents import Instrument
from server.domain.visits import queries
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
    duplicate_in_visit_flags,
    photo_flags,
)
from server.domain.visits.tracks import (
    MIN_REPLAY_COORDINATES,
    Coordinate,
    ReplayMatch,
    coordinate,
    replays_among,
    track_sample,
)
from server.domain.visits.travel import VisitStop, conflicts_with, flags_between
from server.domain.visits.validation import missing_required
from server.lib import clock
from server.lib.errors import DomainError

# Without coordinates a unit has no geofence: these flags would measure the distance to (0, 0).
_DISTANCE_CODES = frozenset({"geo.outside", "photo.far"})


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
        instrument = msgspec.convert(await queries.instrument_document(session, instrument_id), Instrument)
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
    """Compute every flag of the visit from the database's facts, its travel flags with the surveyor's other visits
    among them (``visit.impossible_travel``, whose pairs' flags on the other visits change too), store them in one
    statement (replacing the old ones), return the visit's own.

    ``is_new``: the visit was inserted in this transaction, so it has no flags yet, no stored flag names it, and its
    photos are exactly the document's declarations, none received. ``photos``: the visit's photos when the caller
    has just read them.
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
        answered_at=[answer.answered_at for answer in doc.answers],
        replay_matches=await _replay_matches(session, visit_id, context, doc),
    )
    flags = _without_distances_to_nowhere(compute_flags(facts, settings), context)
    if not is_new:
        await queries.delete_flags(session, visit_id)
    travel, theirs = await _travel_pairs(
        session,
        visit_id=visit_id,
        context=context,
        started_at=doc.started_at,
        finished_at=doc.finished_at,
        settings=settings,
        is_new=is_new,
    )
    flags.extend(travel)
    await _insert_flags_of(session, [*((visit_id, flag) for flag in flags), *theirs])
    return flags


async def _replay_matches(
    session: AsyncSession, visit_id: uuid.UUID, context: VisitContext, doc: VisitDocument
) -> list[ReplayMatch]:
    sample = track_sample(doc.positions)
    if len(sample) < MIN_REPLAY_COORDINATES:
        return []
    # A replay repeats the stored floats to the last bit; the sample is rounded, so look up the document's own, one
    # per sampled coordinate, and let the database count them per candidate visit.
    points: dict[Coordinate, tuple[float, float]] = {}
    for position in doc.positions:
        rounded = coordinate(position.lat, position.lon)
        if rounded in sample and rounded not in points:
            points[rounded] = (position.lat, position.lon)
    parameters = {
        "visit_id": visit_id,
        "surveyor_id": context.surveyor_id,
        "unit_id": context.unit_id,
        "points": list(points.values()),
        "at_least": MIN_REPLAY_COORDINATES,
    }
    matched = {row.visit_id: row.matched for row in await queries.replay_candidate_rows(session, parameters)}
    return replays_among(matched, len(sample))


# A journey over more than three days needs no flag (5,800 km at 80 km/h): visits further away are not read.
_TRAVEL_REACH = timedelta(days=3)


async def _travel_pairs(
    session: AsyncSession,
    *,
    visit_id: uuid.UUID,
    context: VisitContext,
    started_at: datetime,
    finished_at: datetime,
    settings: IntegritySettings,
    is_new: bool,
) -> tuple[list[MeasuredFlag], list[tuple[uuid.UUID, MeasuredFlag]]]:
    """The visit is new or its times changed: the ``visit.impossible_travel`` flags of the pairs it is part of, its
    own and (by visit) the other visits', once the other visits' flags naming it are gone (the caller has removed its
    own). The wave of the visit that changed sets the thresholds. Pairs without it are unchanged, so the cost does
    not grow with the surveyor's work."""
    await queries.lock_surveyor_visits(session, context.surveyor_id)
    if not is_new:
        await queries.delete_travel_flags_naming(session, context.surveyor_id, visit_id)
    rows = await queries.surveyor_stop_rows(
        session, context.surveyor_id, context.unit_id, started_at - _TRAVEL_REACH, finished_at + _TRAVEL_REACH
    )
    stops = [
        VisitStop(
            visit_id=row.id,
            unit_id=row.unit_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            lat=row.lat,
            lon=row.lon,
        )
        for row in rows
    ]
    changed = VisitStop(
        visit_id=visit_id,
        unit_id=context.unit_id,
        started_at=started_at,
        finished_at=finished_at,
        lat=context.unit_lat,
        lon=context.unit_lon,
    )
    pairs = [
        (other.visit_id, flags_between(changed, other, conflict, settings))
        for other, conflict in conflicts_with(changed, stops, settings)
    ]
    return [mine for _, (mine, _) in pairs], [(other, theirs) for other, (_, theirs) in pairs]


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
    await queries.delete_flags(session, visit_id, photo_id=photo.id)
    await _insert_flags(session, visit_id, flags)
    # Whether this picture repeats another of the visit is known only now that its perceptual hash is.
    duplicates = duplicate_in_visit_flags(await photo_facts(session, visit_id), settings)
    await queries.delete_code_flags(session, [visit_id], "photo.duplicate_in_visit")
    await _insert_flags(session, visit_id, duplicates)
    return [*flags, *(flag for flag in duplicates if flag.photo_id == photo.id)]


async def stored_flags(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Flag]]:
    """The stored flags of each visit, in the order they were computed."""
    by_visit: dict[uuid.UUID, list[Flag]] = {visit_id: [] for visit_id in visit_ids}
    if not visit_ids:
        return by_visit
    for row in await queries.stored_flag_rows(session, visit_ids):
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
                indicator=photo.indicator,
            )
            for photo in doc.photos
        ),
        key=lambda photo: (photo.taken_at, photo.id),
    )


async def photo_facts(session: AsyncSession, visit_id: uuid.UUID) -> list[PhotoFacts]:
    """What integrity needs to know of each photo of a visit, received or not."""
    rows = await queries.photo_fact_rows(session, visit_id)
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
            indicator=row.indicator,
            unreadable=row.unreadable_at is not None,
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
        for row in await queries.same_file_rows(session, parameters)
        for photo_id in ours_by_sha[row.sha256]
    }
    closest: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    if ours_by_phash:
        rows = await queries.look_alike_rows(
            session,
            parameters,
            [photo.phash for photo in photos if photo.phash],
            settings.phash_max_distance,
            lambda theirs: any(
                _distance(ours, length, theirs) <= settings.phash_max_distance for _, _, ours, length in ours_by_phash
            ),
        )
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
    await _insert_flags_of(session, [(visit_id, flag) for flag in flags])


async def _insert_flags_of(session: AsyncSession, flags: Sequence[tuple[uuid.UUID, MeasuredFlag]]) -> None:
    """Flags of one or more visits, in one statement."""
    if flags:
        computed_at = clock.now()
        await queries.insert_flags(
            session,
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
                for visit_id, flag in flags
            ],
        )
