"""The data model. The database enforces what it can: keys, foreign keys, uniqueness and allowed statuses.

Ids of visits and photos are made on the phone (UUIDs); every other id is made by the server.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.db.types import UtcDateTime

if TYPE_CHECKING:
    from sqlalchemy import Table

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("admin", "supervisor", "surveyor")
REGION_KINDS = ("province", "regency", "city")
WAVE_STATUSES = ("draft", "fieldwork", "review", "published")
WAVE_KINDS = ("external", "internal")
VISIT_STATUSES = ("incomplete", "submitted", "approved", "returned", "rejected")
DECISIONS = ("approve", "return", "reject")
SEVERITIES = ("info", "warning", "critical")
_RENDER_WAITING = "stored_at IS NOT NULL AND rendered_at IS NULL AND unreadable_at IS NULL"


# JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JsonDocument, list[Any]: JsonDocument}

    if TYPE_CHECKING:
        # Every model here is mapped to one table; SQLAlchemy types the attribute as any FromClause, which Core's
        # insert(), update() and delete() refuse.
        __table__: ClassVar[Table]


_id_maker: Callable[[], uuid.UUID] = uuid.uuid4


def new_id() -> uuid.UUID:
    return _id_maker()


@contextmanager
def seeded_ids(seed: int) -> Iterator[None]:
    """While inside, new rows of this process get ids drawn from ``seed`` rather than random ones: ``sidak demo``
    loads the same data on every run (its draws order units and surveyors by id)."""
    global _id_maker
    rng = random.Random(seed)
    _id_maker = lambda: uuid.UUID(bytes=rng.randbytes(16), version=4)  # noqa: E731
    try:
        yield
    finally:
        _id_maker = uuid.uuid4


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(_one_of("kind", REGION_KINDS), name="kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="regency")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    region_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("agency_id", "name"),
        CheckConstraint("lat IS NULL OR (lat >= -90 AND lat <= 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon >= -180 AND lon <= 180)", name="lon_range"),
        CheckConstraint("(lat IS NULL) = (lon IS NULL)", name="lat_lon_together"),
        CheckConstraint("geofence_m > 0", name="geofence_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    geofence_m: Mapped[int] = mapped_column(Integer, default=100)
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Every access token names the version it was issued under; raising it ends them all at their next request."""


class SupervisorRegion(Base):
    __tablename__ = "supervisor_regions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    region_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), primary_key=True)


class SurveyorConflict(Base):
    """A surveyor's declared conflict of interest: they (or family) work at this unit or agency."""

    __tablename__ = "surveyor_conflicts"
    __table_args__ = (CheckConstraint("(unit_id IS NULL) <> (agency_id IS NULL)", name="unit_or_agency"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]


class RefreshToken(Base):
    """Refresh tokens are stored as sha256 hashes only; a family is one login, rotated on every refresh."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """Failed and successful logins, kept in the database so throttling holds across app processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime]


class Instrument(Base):
    """One version of a checklist. Its document never changes once stored; editing stores the next version."""

    __tablename__ = "instruments"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64))
    # Text as the author wrote it (1.2.0, v3, 202512071530); never parsed or ordered: the newest is the last stored.
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Wave(Base):
    __tablename__ = "waves"
    __table_args__ = (
        CheckConstraint(_one_of("status", WAVE_STATUSES), name="status"),
        CheckConstraint(_one_of("kind", WAVE_KINDS), name="kind"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="external")
    instrument_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("instruments.id", ondelete="RESTRICT"), index=True)
    profile_key: Mapped[str] = mapped_column(String(64))
    profile: Mapped[dict[str, Any]]
    integrity_settings: Mapped[dict[str, Any]]
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Assignment(Base):
    """A secret assignment: which surveyor visits which unit in which window of a wave."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("wave_id", "unit_id", "surveyor_id"),
        CheckConstraint("window_end > window_start", name="window_order"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    wave_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waves.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    surveyor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    created_at: Mapped[datetime]


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(_one_of("status", VISIT_STATUSES), name="status"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("finished_at >= started_at", name="time_order"),
        Index("ix_visits_wave_id_status", "wave_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    assignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assignments.id", ondelete="RESTRICT"), index=True)
    wave_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waves.id", ondelete="RESTRICT"))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    surveyor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    revision: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    first_received_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]


class VisitRevision(Base):
    """Every revision a phone sent, as received, so a reviewer can see what changed after a return."""

    __tablename__ = "visit_revisions"

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class Answer(Base):
    """The answers of a visit's current revision."""

    __tablename__ = "answers"

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonDocument, nullable=True)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]


class Position(Base):
    """The positions of a visit's current revision, in the order the phone sampled them."""

    __tablename__ = "positions"

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    lat: Mapped[float]
    lon: Mapped[float]
    accuracy_m: Mapped[float]
    at: Mapped[datetime]


class Photo(Base):
    """A declared photo. Its bytes are in the photo store under ``original_key`` once ``stored_at`` is set."""

    __tablename__ = "photos"
    __table_args__ = (
        Index("ix_photos_sha256", "sha256"),
        # The render queue: stored photos neither rendered nor found unreadable, oldest first (``photos.queries``).
        Index(
            "ix_photos_render_queue",
            "stored_at",
            postgresql_where=text(_RENDER_WAITING),
            sqlite_where=text(_RENDER_WAITING),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(32))
    taken_at: Mapped[datetime]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    declared_revision: Mapped[int]
    stored_at: Mapped[datetime | None]
    original_key: Mapped[str | None] = mapped_column(String(200))
    width: Mapped[int | None]
    height: Mapped[int | None]
    phash: Mapped[str | None] = mapped_column(String(32), index=True)
    exif_taken_at: Mapped[datetime | None]
    exif_lat: Mapped[float | None]
    exif_lon: Mapped[float | None]
    exif_make: Mapped[str | None] = mapped_column(String(100))
    exif_model: Mapped[str | None] = mapped_column(String(100))
    has_exif: Mapped[bool | None]
    display_ranges: Mapped[list[Any] | None]
    """When the display image is the original minus its metadata: the [start, end) byte ranges of the original that
    make it, and no display file is stored. None when the display image is a rendering of its own."""
    rendered_at: Mapped[datetime | None]
    """When its renderings and perceptual hash were made; until then it waits in the render queue."""
    unreadable_at: Mapped[datetime | None]
    """When rendering it failed for good (``photo.unreadable``); it leaves the queue."""
    render_attempts: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    render_lease_until: Mapped[datetime | None]
    render_leased_by: Mapped[str | None] = mapped_column(String(64))


class PhotoLookAlikeKey(Base):
    """The bands of a stored photo's perceptual hash as index keys, with whose and which unit's photo it is
    (copied from its visit, which never changes them), so a look-alike search reads only the keys that a near hash
    can have (``visits.look_alike_index``). Removed with the photo."""

    __tablename__ = "photo_look_alike_keys"
    # The hash is in the indexes too: a search reads the near hashes from the index alone.
    __table_args__ = (
        Index("ix_photo_look_alike_keys_surveyor_key", "surveyor_id", "key", "phash"),
        Index("ix_photo_look_alike_keys_unit_key", "unit_id", "key", "phash"),
    )

    photo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True)
    surveyor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    phash: Mapped[str] = mapped_column(String(16))


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (CheckConstraint(_one_of("severity", SEVERITIES), name="severity"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any] | None]
    """What ``detail`` was written from (``integrity.MeasuredFlag``); None on flags computed before it was kept."""
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    computed_at: Mapped[datetime]


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(_one_of("decision", DECISIONS), name="decision"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    indicator_comments: Mapped[list[Any]]
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime]


class VisitScore(Base):
    """The score of an approved visit, written when it is approved and removed when that approval is undone."""

    __tablename__ = "visit_scores"

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    wave_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waves.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    revision: Mapped[int]
    total: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    dimensions: Mapped[dict[str, Any]]
    indicators: Mapped[dict[str, Any]]
    scored_at: Mapped[datetime]


class AuditEvent(Base):
    """An append-only record of every state change, written in the transaction of the change.

    The chain (``seq``, ``prev_hash``, ``hash``) is sealed right after commit, in the order events became visible,
    so that writers never wait on one another for it (see server.domain.audit.services).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_unsealed", "id", sqlite_where=text("seq IS NULL"), postgresql_where=text("seq IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row: the last sequence number and hash of the audit chain, locked by each appender to keep one chain."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class CollectToken(Base):
    """A surveyor's key for ODK Collect, carried in the OpenRosa URL's path; stored as its sha256 only."""

    __tablename__ = "collect_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OpenRosaSubmission(Base):
    """A visit that arrived as an OpenRosa submission: the XML's hash (a resubmission must be byte-identical, as in
    ODK Central) and the client that sent it."""

    __tablename__ = "openrosa_submissions"

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    xml_sha256: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]


class OpenRosaStagedFile(Base):
    """An attachment of a submission Collect split over several POSTs, kept until the last POST completes it."""

    __tablename__ = "openrosa_staged_files"

    instance_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]
