"""The statements of the visit half of the sync contract and of the integrity flags, and the one place that chooses
between SQLite and PostgreSQL for them.

The statements of every visit PUT and photo arrival are built once: building them per request (coercing values,
computing cache keys) cost more CPU than executing some of them. They name table columns (``Model.__table__.c``), not
mapped attributes: a statement that names mapped attributes goes through the ORM's execution layer each time it runs,
which cost 114 µs of CPU per small statement against 67 µs (SQLite, in-process).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

import msgspec
from sqlalchemy import (
    CursorResult,
    Row,
    Select,
    bindparam,
    delete,
    distinct,
    func,
    insert,
    select,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.engine import json_text
from server.db.models import (
    Agency,
    Answer,
    Assignment,
    Flag,
    Instrument,
    Photo,
    PhotoLookAlikeKey,
    Position,
    Region,
    Review,
    SupervisorRegion,
    Unit,
    Visit,
    VisitRevision,
    Wave,
)
from server.domain.visits import look_alike_index
from server.domain.visits.documents import IndicatorComment, ReviewSummary, VisitDocument

AnyRow = Row[*tuple[Any, ...]]
"""A row of any columns, read by their names."""

_visits, _photos, _flags = Visit.__table__, Photo.__table__, Flag.__table__
_assignments, _waves, _units = (
    Assignment.__table__,
    Wave.__table__,
    Unit.__table__,
)

_agencies, _regions = Agency.__table__, Region.__table__
_answers, _positions = Answer.__table__, Position.__table__
_revisions, _reviews = VisitRevision.__table__, Review.__table__


def is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- what an assignment says about its visits (one query) ----------------------------------------------------------


def visit_context_query() -> Select[Any]:
    """The columns ``flags_service.visit_context_from_row`` reads, for the assignments the caller picks with joins
    and conditions of its own (on the tables, like these)."""
    return (
        select(
            _assignments.c.id,
            _assignments.c.surveyor_id,
            _assignments.c.window_start,
            _assignments.c.window_end,
            _waves.c.id.label("wave_id"),
            _waves.c.status.label("wave_status"),
            _waves.c.instrument_id,
            _waves.c.integrity_settings,
            _units.c.id.label("unit_id"),
            _units.c.lat.label("unit_lat"),
            _units.c.lon.label("unit_lon"),
            _units.c.geofence_m,
            _units.c.opening_hours,
            _regions.c.id.label("region_id"),
            _regions.c.timezone,
        )
        .select_from(_assignments)
        .join(_waves, _waves.c.id == _assignments.c.wave_id)
        .join(_units, _units.c.id == _assignments.c.unit_id)
        .join(_agencies, _agencies.c.id == _units.c.agency_id)
        .join(_regions, _regions.c.id == _agencies.c.region_id)
    )


# What a PUT needs of the stored visit for the sync decision.
_STORED_HEAD = (_visits.c.revision, _visits.c.status, _visits.c.content_hash, _visits.c.first_received_at)
_ASSIGNMENT_AND_STORED_VISIT = (
    visit_context_query()
    .add_columns(_visits.c.assignment_id.label("visit_assignment_id"), *_STORED_HEAD)
    .outerjoin(_visits, _visits.c.id == bindparam("visit_id"))
    .where(_assignments.c.id == bindparam("assignment_id"))
)


async def assignment_and_stored_visit(
    session: AsyncSession, assignment_id: uuid.UUID, visit_id: uuid.UUID
) -> AnyRow | None:
    """The assignment's context and the stored visit's head (null columns when it is new) in one round trip."""
    result = await session.execute(_ASSIGNMENT_AND_STORED_VISIT, {"assignment_id": assignment_id, "visit_id": visit_id})
    return result.one_or_none()


_STORED_VISIT = select(_visits.c.assignment_id, *_STORED_HEAD).where(_visits.c.id == bindparam("visit_id"))
_STORED_VISIT_FOR_UPDATE = _STORED_VISIT.with_for_update()


async def stored_visit(session: AsyncSession, visit_id: uuid.UUID, *, for_update: bool = False) -> AnyRow | None:
    statement = _STORED_VISIT_FOR_UPDATE if for_update else _STORED_VISIT
    return (await session.execute(statement, {"visit_id": visit_id})).one_or_none()


_INSTRUMENT_DOCUMENT = select(Instrument.__table__.c.document).where(Instrument.__table__.c.id == bindparam("id"))


async def instrument_document(session: AsyncSession, instrument_id: uuid.UUID) -> Any:
    return await session.scalar(_INSTRUMENT_DOCUMENT, {"id": instrument_id})


# --- writing a visit ----------------------------------------------------------------------------------------------

_INSERT_VISIT_IF_NEW = {
    "sqlite": sqlite_insert(_visits).on_conflict_do_nothing(index_elements=["id"]),
    "postgresql": postgresql_insert(_visits).on_conflict_do_nothing(index_elements=["id"]),
}
_INSERT_REVISION = insert(_revisions)
_INSERT_ANSWERS = insert(_answers)
_INSERT_POSITIONS = insert(_positions)
# PostgreSQL takes a revision's document, answers and positions in one statement, the answers and positions as
# arrays: INSERT … SELECT FROM unnest(…), the first two inserts in WITH clauses. asyncpg's executemany sends a Bind and
# an Execute message per row, and PostgreSQL runs the statement once per row. For 60 answers and 20 positions (300
# transactions in a row) the arrays took 0.8–1.0 ms of the app's CPU against 1.2–1.9 ms with executemany, and 1.6–2.0
# ms of wall time against 2.3–3.4; the revision joined them to save one more round trip per visit.
_INSERT_REVISION_ANSWERS_AND_POSITIONS = text(
    "WITH revision_row AS ("
    " INSERT INTO visit_revisions (visit_id, revision, content_hash, document, received_at)"
    " VALUES (CAST(:visit_id AS uuid), :revision, :content_hash, CAST(:document AS jsonb), :received_at)), "
    "answer_rows AS ("
    " INSERT INTO answers (visit_id, indicator, value, not_applicable, note, answered_at)"
    " SELECT CAST(:visit_id AS uuid), * FROM unnest(CAST(:indicator AS varchar[]), CAST(:value AS jsonb[]),"
    " CAST(:not_applicable AS boolean[]), CAST(:note AS text[]), CAST(:answered_at AS timestamptz[]))) "
    "INSERT INTO positions (visit_id, seq, lat, lon, accuracy_m, at) "
    "SELECT CAST(:visit_id AS uuid), ordinality - 1, lat, lon, accuracy_m, at "
    "FROM unnest(CAST(:lat AS float8[]), CAST(:lon AS float8[]), CAST(:accuracy_m AS float8[]), "
    "CAST(:at AS timestamptz[])) WITH ORDINALITY AS position(lat, lon, accuracy_m, at)"
)
_DELETE_ANSWERS = delete(_answers).where(_answers.c.visit_id == bindparam("visit_id"))
_DELETE_POSITIONS = delete(_positions).where(_positions.c.visit_id == bindparam("visit_id"))
_UPDATE_VISIT = update(_visits).where(_visits.c.id == bindparam("where_visit_id"))


async def insert_visit_if_new(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the visit row unless its id exists; False when it does (the primary key decides, not a lock)."""
    insert_if_new = _INSERT_VISIT_IF_NEW[session.get_bind().dialect.name]
    return cast(CursorResult[Any], await session.execute(insert_if_new, values)).rowcount == 1


async def update_visit(session: AsyncSession, visit_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(_UPDATE_VISIT.values(**values), {"where_visit_id": visit_id})


async def delete_answers_and_positions(session: AsyncSession, visit_id: uuid.UUID) -> None:
    await session.execute(_DELETE_ANSWERS, {"visit_id": visit_id})
    await session.execute(_DELETE_POSITIONS, {"visit_id": visit_id})


async def insert_revision_answers_and_positions(
    session: AsyncSession, visit_id: uuid.UUID, doc: VisitDocument, content_hash: str, received_at: datetime
) -> None:
    revision = {
        "visit_id": visit_id,
        "revision": doc.revision,
        "content_hash": content_hash,
        "document": msgspec.to_builtins(doc),
        "received_at": received_at,
    }
    if is_postgresql(session):
        await _insert_revision_with_arrays(session, revision, doc)
        return
    await session.execute(_INSERT_REVISION, revision)
    if doc.answers:
        await session.execute(
            _INSERT_ANSWERS,
            [
                {
                    "visit_id": visit_id,
                    "indicator": answer.indicator,
                    "value": answer.value,
                    "not_applicable": answer.not_applicable,
                    "note": answer.note,
                    "answered_at": answer.answered_at,
                }
                for answer in doc.answers
            ],
        )
    if doc.positions:
        await session.execute(
            _INSERT_POSITIONS,
            [
                {
                    "visit_id": visit_id,
                    "seq": seq,
                    "lat": position.lat,
                    "lon": position.lon,
                    "accuracy_m": position.accuracy_m,
                    "at": position.at,
                }
                for seq, position in enumerate(doc.positions)
            ],
        )


async def _insert_revision_with_arrays(session: AsyncSession, revision: dict[str, Any], doc: VisitDocument) -> None:
    await session.execute(
        _INSERT_REVISION_ANSWERS_AND_POSITIONS,
        {
            **revision,
            "document": json_text(revision["document"]),
            "indicator": [answer.indicator for answer in doc.answers],
            # as the JSON column stores it: None is JSON null, not SQL NULL
            "value": [json_text(answer.value) for answer in doc.answers],
            "not_applicable": [answer.not_applicable for answer in doc.answers],
            "note": [answer.note for answer in doc.answers],
            "answered_at": [answer.answered_at for answer in doc.answers],
            "lat": [position.lat for position in doc.positions],
            "lon": [position.lon for position in doc.positions],
            "accuracy_m": [position.accuracy_m for position in doc.positions],
            "at": [position.at for position in doc.positions],
        },
    )


# --- a visit's photo declarations ---------------------------------------------------------------------------------

_INSERT_PHOTOS = insert(_photos)
_PHOTO_HASHES = select(_photos.c.id, _photos.c.sha256).where(_photos.c.visit_id == bindparam("visit_id"))
_REDECLARE_PHOTO = (
    update(_photos)
    .where(_photos.c.id == bindparam("photo_id"))
    .values({name: bindparam(name) for name in ("indicator", "taken_at", "lat", "lon", "accuracy_m")})
)
_DELETE_PHOTOS = delete(_photos).where(_photos.c.id.in_(bindparam("photo_ids", expanding=True)))
_MISSING_PHOTOS = select(_photos.c.visit_id, _photos.c.id).where(
    _photos.c.visit_id.in_(bindparam("visit_ids", expanding=True)), _photos.c.stored_at.is_(None)
)


async def insert_photos(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Raises IntegrityError when a photo id is already declared by another visit."""
    await session.execute(_INSERT_PHOTOS, rows)


async def photo_hashes(session: AsyncSession, visit_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """The sha256 of every photo the visit declares, by photo id."""
    return {row.id: row.sha256 for row in await session.execute(_PHOTO_HASHES, {"visit_id": visit_id})}


async def redeclare_photo(session: AsyncSession, photo_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Update what a revision says about a photo it declares again (never its bytes)."""
    await session.execute(_REDECLARE_PHOTO, {"photo_id": photo_id, **values})


async def delete_photos(session: AsyncSession, photo_ids: Sequence[uuid.UUID]) -> None:
    await session.execute(_DELETE_PHOTOS, {"photo_ids": list(photo_ids)})


async def missing_photo_ids(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Declared photos not yet received, per visit, in id order."""
    missing: dict[uuid.UUID, list[uuid.UUID]] = {visit_id: [] for visit_id in visit_ids}
    if visit_ids:
        for row in await session.execute(_MISSING_PHOTOS, {"visit_ids": list(visit_ids)}):
            missing[row.visit_id].append(row.id)
    for photo_ids in missing.values():
        photo_ids.sort(key=str)
    return missing


# --- reading visits back ------------------------------------------------------------------------------------------

_RECEIPT_HEAD = select(_visits.c.revision, _visits.c.status).where(_visits.c.id == bindparam("visit_id"))


async def receipt_head(session: AsyncSession, visit_id: uuid.UUID) -> AnyRow:
    """The stored visit's revision and status."""
    return (await session.execute(_RECEIPT_HEAD, {"visit_id": visit_id})).one()


async def visit_with_region(session: AsyncSession, visit_id: uuid.UUID) -> AnyRow | None:
    return (
        await session.execute(
            select(
                _visits.c.id,
                _visits.c.assignment_id,
                _visits.c.surveyor_id,
                _visits.c.revision,
                _visits.c.status,
                _agencies.c.region_id,
            )
            .join(_units, _units.c.id == _visits.c.unit_id)
            .join(_agencies, _agencies.c.id == _units.c.agency_id)
            .where(_visits.c.id == visit_id)
        )
    ).one_or_none()


async def visits_of_surveyor(session: AsyncSession, surveyor_id: uuid.UUID, status: str) -> Sequence[AnyRow]:
    return (
        await session.execute(
            select(_visits.c.id, _visits.c.assignment_id, _visits.c.revision, _visits.c.status)
            .where(_visits.c.surveyor_id == surveyor_id, _visits.c.status == status)
            .order_by(_visits.c.updated_at, _visits.c.id)
        )
    ).all()


async def supervisor_covers_region(session: AsyncSession, user_id: uuid.UUID, region_id: uuid.UUID) -> bool:
    covered = await session.scalar(
        select(SupervisorRegion.__table__.c.region_id).where(
            SupervisorRegion.__table__.c.user_id == user_id, SupervisorRegion.__table__.c.region_id == region_id
        )
    )
    return covered is not None


async def latest_reviews(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ReviewSummary]:
    if not visit_ids:
        return {}
    rows = await session.execute(
        select(
            _reviews.c.visit_id,
            _reviews.c.decision,
            _reviews.c.comment,
            _reviews.c.indicator_comments,
            _reviews.c.decided_at,
        )
        .where(_reviews.c.visit_id.in_(visit_ids))
        .order_by(_reviews.c.decided_at, _reviews.c.id)
    )
    latest = {}
    for row in rows:  # ascending: the last one seen per visit is the latest
        latest[row.visit_id] = ReviewSummary(
            decision=row.decision,
            comment=row.comment,
            decided_at=row.decided_at,
            indicator_comments=msgspec.convert(row.indicator_comments or [], list[IndicatorComment]),
        )
    return latest


async def current_documents(session: AsyncSession, visits: Sequence[Any]) -> dict[uuid.UUID, VisitDocument]:
    """The document of each visit's current revision."""
    if not visits:
        return {}
    current = {(visit.id, visit.revision) for visit in visits}
    rows = await session.execute(
        select(_revisions.c.visit_id, _revisions.c.revision, _revisions.c.document).where(
            _revisions.c.visit_id.in_([visit.id for visit in visits])
        )
    )
    return {
        row.visit_id: msgspec.convert(row.document, VisitDocument)
        for row in rows
        if (row.visit_id, row.revision) in current
    }


# --- integrity flags and the facts behind them ----------------------------------------------------------------------

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
        _photos.c.indicator,
        _photos.c.unreadable_at,
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


_look_alike_keys = PhotoLookAlikeKey.__table__
# Through the hash-band index: the distinct hashes of the surveyor's and the unit's photos that share at least one
# probed key with one of ours — every look-alike and a few random others (``look_alike_index``), read from the index
# alone. The visit's own photos are among them; the second step leaves them out.
_LOOK_ALIKE_HASHES_BY_KEY = union(
    *(
        select(_look_alike_keys.c.phash).where(
            owner == bindparam(name), _look_alike_keys.c.key.in_(bindparam("keys", expanding=True))
        )
        for owner, name in (
            (_look_alike_keys.c.surveyor_id, "surveyor_id"),
            (_look_alike_keys.c.unit_id, "unit_id"),
        )
    )
)
# Without the index (a wave's distance too wide for it, a hash of another length): every distinct hash of the
# surveyor's and the unit's photos (short strings, however many photos a surveyor has taken). Either way the photos
# behind the few hashes close enough follow.
_LOOK_ALIKE_HASHES = _look_alike_candidates(_photos.c.phash)
_LOOK_ALIKES = _look_alike_candidates(
    _photos.c.visit_id,
    _photos.c.sha256,
    _photos.c.phash,
    also=[_photos.c.phash.in_(bindparam("phashes", expanding=True))],
)
_INSERT_LOOK_ALIKE_KEYS = insert(_look_alike_keys)
_DELETE_LOOK_ALIKE_KEYS = delete(_look_alike_keys).where(_look_alike_keys.c.photo_id == bindparam("photo_id"))
_DELETE_FLAGS = delete(_flags).where(_flags.c.visit_id == bindparam("visit_id"))
_DELETE_PHOTO_FLAGS = _DELETE_FLAGS.where(_flags.c.photo_id == bindparam("photo_id"))
_DELETE_CODE_FLAGS = delete(_flags).where(
    _flags.c.visit_id.in_(bindparam("visit_ids", expanding=True)), _flags.c.code == bindparam("code")
)
# A replayed track is looked for among the surveyor's and the unit's latest other visits, by the latitudes of a sample
# of its coordinates (exact values: a replay repeats them to the last digit), matched whole in Python. Only the latest
# visits: a phone that sends one track again and again would otherwise make every PUT read all its copies.
REPLAY_CANDIDATE_VISITS = 20


def _latest_visits(owner: Any, name: str) -> Any:
    return (
        select(_visits.c.id)
        .where(owner == bindparam(name), _visits.c.id != bindparam("visit_id"))
        .order_by(_visits.c.started_at.desc())
        .limit(REPLAY_CANDIDATE_VISITS)
    )


# Distinct latitudes stand for distinct points: a phone that stood still on one of them counts once. The candidates
# are one set (the surveyor's latest and the unit's latest, often the same visits), so each one's positions are read
# and counted once.
_matched_points = func.count(distinct(_positions.c.lat))
_REPLAY_CANDIDATE_VISITS = union(
    *(
        select(latest.c.id)
        for latest in (
            _latest_visits(_visits.c.surveyor_id, "surveyor_id").subquery(),
            _latest_visits(_visits.c.unit_id, "unit_id").subquery(),
        )
    )
)
_REPLAY_CANDIDATES = (
    select(_positions.c.visit_id, _matched_points.label("matched"))
    .where(
        _positions.c.visit_id.in_(_REPLAY_CANDIDATE_VISITS),
        tuple_(_positions.c.lat, _positions.c.lon).in_(bindparam("points", expanding=True)),
    )
    .group_by(_positions.c.visit_id)
    .having(_matched_points >= bindparam("at_least"))
)
# The surveyor's visits around a visit's times, the latest first; a surveyor does a few a day, and the bound keeps a
# phone that sends hundreds at once from making each of its PUTs read all the others.
TRAVEL_CANDIDATE_VISITS = 200
_SURVEYOR_STOPS = (
    select(
        _visits.c.id,
        _visits.c.unit_id,
        _visits.c.started_at,
        _visits.c.finished_at,
        _units.c.lat,
        _units.c.lon,
    )
    .join(_units, _units.c.id == _visits.c.unit_id)
    .where(
        _visits.c.surveyor_id == bindparam("surveyor_id"),
        _visits.c.unit_id != bindparam("unit_id"),  # visits of one unit are never a journey
        _visits.c.started_at <= bindparam("until"),
        _visits.c.finished_at >= bindparam("since"),
    )
    .order_by(_visits.c.started_at.desc())
    .limit(TRAVEL_CANDIDATE_VISITS)
)
_DELETE_TRAVEL_FLAGS_NAMING = delete(_flags).where(
    _flags.c.code == "visit.impossible_travel",
    _flags.c.visit_id.in_(select(_visits.c.id).where(_visits.c.surveyor_id == bindparam("surveyor_id"))),
    # A travel flag names the other visit of its pair in its detail (and its facts, which JSON paths would read
    # differently on each database); the visit's own flags are gone with the rest of them already.
    _flags.c.detail.like(bindparam("pattern")),
)
_LOCK_SURVEYOR = {
    "postgresql": text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
}
_INSERT_FLAGS = insert(_flags)
_STORED_FLAGS = (
    select(_flags.c.visit_id, _flags.c.code, _flags.c.severity, _flags.c.detail, _flags.c.photo_id)
    .where(_flags.c.visit_id.in_(bindparam("visit_ids", expanding=True)))
    .order_by(_flags.c.id)
)


async def photo_fact_rows(session: AsyncSession, visit_id: uuid.UUID) -> Sequence[AnyRow]:
    """What integrity needs to know of each photo of a visit, received or not, in the order they were taken."""
    return (await session.execute(_PHOTO_FACTS, {"visit_id": visit_id})).all()


async def same_file_rows(session: AsyncSession, parameters: dict[str, Any]) -> Sequence[AnyRow]:
    """(visit_id, sha256) of other visits' photos with one of ``sha256s``, anywhere."""
    return (await session.execute(_SAME_FILE, parameters)).all()


async def look_alike_rows(
    session: AsyncSession,
    parameters: dict[str, Any],
    phashes: Sequence[str],
    max_distance: int,
    is_near: Callable[[str], bool],
) -> Sequence[AnyRow]:
    """(visit_id, sha256, phash) of the surveyor's and the unit's other visits' stored photos whose hash
    ``is_near`` one of ``phashes`` (within ``max_distance``).

    ``parameters`` name the visit, its surveyor and its unit. Through the index when it can answer, so the cost does
    not grow with the surveyor's and the unit's history; otherwise by reading all their hashes."""
    if max_distance <= look_alike_index.MAX_INDEXED_DISTANCE and all(map(look_alike_index.is_indexable, phashes)):
        keys = sorted({key for phash in phashes for key in look_alike_index.probe_keys(phash, max_distance)})
        hashes = await look_alike_hashes_through_index(session, parameters, keys)
    else:
        hashes = await look_alike_hashes_by_scan(session, parameters)
    near = [phash for phash in hashes if is_near(phash)]
    if not near:
        return ()
    return (await session.execute(_LOOK_ALIKES, {**parameters, "phashes": near})).all()


async def look_alike_hashes_through_index(
    session: AsyncSession, parameters: dict[str, Any], keys: Sequence[int]
) -> Sequence[str]:
    """The distinct hashes of the surveyor's and the unit's photos that have one of ``keys``."""
    return (await session.execute(_LOOK_ALIKE_HASHES_BY_KEY, {**parameters, "keys": keys})).scalars().all()


async def look_alike_hashes_by_scan(session: AsyncSession, parameters: dict[str, Any]) -> Sequence[str]:
    """Every distinct hash of the surveyor's and the unit's other visits' photos: grows with their history."""
    return (await session.execute(_LOOK_ALIKE_HASHES, parameters)).scalars().all()


async def insert_look_alike_keys(
    session: AsyncSession, photo_id: uuid.UUID, phash: str, *, surveyor_id: uuid.UUID, unit_id: uuid.UUID
) -> None:
    """Index a photo's newly stored perceptual hash for the look-alike search, in place of any keys it had."""
    await session.execute(_DELETE_LOOK_ALIKE_KEYS, {"photo_id": photo_id})
    if look_alike_index.is_indexable(phash):
        await session.execute(
            _INSERT_LOOK_ALIKE_KEYS,
            [
                {"photo_id": photo_id, "key": key, "surveyor_id": surveyor_id, "unit_id": unit_id, "phash": phash}
                for key in look_alike_index.band_keys(phash)
            ],
        )


async def delete_flags(session: AsyncSession, visit_id: uuid.UUID, *, photo_id: uuid.UUID | None = None) -> None:
    """The visit's stored flags, or only one photo's."""
    if photo_id is None:
        await session.execute(_DELETE_FLAGS, {"visit_id": visit_id})
    else:
        await session.execute(_DELETE_PHOTO_FLAGS, {"visit_id": visit_id, "photo_id": photo_id})


async def delete_code_flags(session: AsyncSession, visit_ids: Sequence[uuid.UUID], code: str) -> None:
    """The stored flags with this code of the visits."""
    if visit_ids:
        await session.execute(_DELETE_CODE_FLAGS, {"visit_ids": list(visit_ids), "code": code})


async def delete_travel_flags_naming(session: AsyncSession, surveyor_id: uuid.UUID, visit_id: uuid.UUID) -> None:
    """The ``visit.impossible_travel`` flags of the surveyor's visits that name this visit."""
    await session.execute(_DELETE_TRAVEL_FLAGS_NAMING, {"surveyor_id": surveyor_id, "pattern": f"%{visit_id}%"})


async def replay_candidate_rows(session: AsyncSession, parameters: dict[str, Any]) -> Sequence[AnyRow]:
    """(visit_id, matched) of the surveyor's and the unit's latest other visits with at least ``at_least`` of
    ``points`` among their positions."""
    return (await session.execute(_REPLAY_CANDIDATES, parameters)).all()


async def surveyor_stop_rows(
    session: AsyncSession, surveyor_id: uuid.UUID, unit_id: uuid.UUID, since: datetime, until: datetime
) -> Sequence[AnyRow]:
    """(id, unit_id, started_at, finished_at, lat, lon) of the surveyor's visits to other units that touch the
    period."""
    parameters = {"surveyor_id": surveyor_id, "unit_id": unit_id, "since": since, "until": until}
    return (await session.execute(_SURVEYOR_STOPS, parameters)).all()


async def lock_surveyor_visits(session: AsyncSession, surveyor_id: uuid.UUID) -> None:
    """Serialise the travel check of one surveyor's visits until the transaction ends: two of its visits synced at
    once would each miss the other. SQLite has one writer at a time already."""
    statement = _LOCK_SURVEYOR.get(session.get_bind().dialect.name)
    if statement is not None:
        await session.execute(statement, {"key": f"travel:{surveyor_id}"})


async def insert_flags(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await session.execute(_INSERT_FLAGS, rows)


async def stored_flag_rows(session: AsyncSession, visit_ids: Sequence[uuid.UUID]) -> Sequence[AnyRow]:
    """The stored flags of the visits, in the order they were computed."""
    return (await session.execute(_STORED_FLAGS, {"visit_ids": list(visit_ids)})).all()
