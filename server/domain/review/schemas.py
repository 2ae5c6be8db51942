"""The shapes of the review answers and the decision body. Scores are decimal strings (see ``controllers``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from server.domain.instruments.documents import Band, Choice, Text
from server.domain.results.schemas import ClassificationOut
from server.domain.visits.documents import IndicatorComment

VisitStatusParam = Literal["incomplete", "submitted", "approved", "returned", "rejected"]
StrongestParam = Literal["critical", "warning", "info", "none"]
SortParam = Literal["oldest", "strongest"]


# --- bodies ------------------------------------------------------------------------------------------------------


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "return", "reject"]
    revision: Annotated[int, msgspec.Meta(ge=1, description="the revision the reviewer looked at")]
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    indicator_comments: Annotated[list[IndicatorComment], msgspec.Meta(max_length=500)] = msgspec.field(
        default_factory=list
    )
    seen_status: Annotated[
        VisitStatusParam | None,
        msgspec.Meta(
            description="the status the reviewer saw; when given and the visit is now in another (another reviewer "
            "decided meanwhile), the decision is refused with 409"
        ),
    ] = None


class NamedRef(msgspec.Struct):
    id: uuid.UUID
    name: str


class QueueRegion(msgspec.Struct):
    id: uuid.UUID
    name: str
    code: str
    timezone: Annotated[str, msgspec.Meta(description="the region's IANA time zone, the one its units' times read in")]


class Person(msgspec.Struct):
    id: uuid.UUID
    display_name: str


class FlagSummaryOut(msgspec.Struct):
    code: str
    severity: str
    count: int


class PhotoCounts(msgspec.Struct):
    declared: int
    stored: int
    processing: int = 0
    """Stored photos whose renderings (and the flags that need them) are still being made."""


class EvidenceOut(msgspec.Struct):
    strength: str
    """sound (no warning or critical flag), doubtful (a warning), weak (a critical flag)."""
    strongest: str | None
    """The severity of the most severe flag; null without flags."""
    reasons: list[str]
    """The codes of the warning and critical flags, most severe first."""
    summary: str
    """The same in one English line; the console words it in the reviewer's language."""


class QueueRowOut(msgspec.Struct):
    id: uuid.UUID
    wave: NamedRef
    unit: NamedRef
    agency: NamedRef
    region: QueueRegion
    surveyor: Person
    status: str
    revision: int
    started_at: datetime
    finished_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    time_on_site_s: float
    flags: list[FlagSummaryOut]
    evidence: EvidenceOut
    photos: PhotoCounts


class QueueCounts(msgspec.Struct):
    status: dict[str, int]
    """Visits per status under every other filter."""
    flags: dict[str, int]
    """Visits per flag code under every other filter."""
    strongest: dict[str, int]
    """Visits per severity of their strongest flag ("none": without flags) under every other filter."""


class QueueOut(msgspec.Struct):
    items: list[QueueRowOut]
    total: int
    limit: int
    offset: int
    counts: QueueCounts


class ScoreOut(ClassificationOut):
    total: str | None
    dimensions: dict[str, str | None]


class PhotoUrls(msgspec.Struct):
    thumb: str
    display: str
    original: str


class PhotoOut(msgspec.Struct):
    id: uuid.UUID
    indicator: str
    content_type: str
    size: int
    sha256: str
    taken_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    declared_revision: int
    is_stored: bool
    width: int | None
    height: int | None
    has_exif: bool | None
    exif_taken_at: datetime | None
    exif_lat: float | None
    exif_lon: float | None
    exif_make: str | None
    exif_model: str | None
    flags: list[str]
    urls: PhotoUrls | None


class AnswerOut(msgspec.Struct):
    indicator: str
    dimension: str
    text: Text
    guidance: Text | None
    type: str
    weight: float
    required: bool
    allow_na: bool
    reverse: bool
    photo_requirement: str
    choices: list[Choice] | None
    bands: list[Band] | None
    unit: str | None
    is_answered: bool
    value: Any
    not_applicable: bool
    note: str | None
    answered_at: datetime | None
    score: str | None
    """0–1 with 4 decimals, once the visit is approved; null when the indicator does not count."""
    photos: list[PhotoOut]


class VisitDimension(msgspec.Struct):
    id: str
    title: Text
    weight: float


class Explanation(msgspec.Struct):
    id: str
    en: str


class FlagOut(msgspec.Struct):
    code: str
    severity: str
    detail: str
    """In English; ``facts`` holds what it says, for words in the reader's own language."""
    facts: dict[str, Any] | None
    photo_id: uuid.UUID | None
    computed_at: datetime
    explanation: Explanation


class PositionOut(msgspec.Struct):
    seq: int
    lat: float
    lon: float
    accuracy_m: float
    at: datetime
    distance_to_unit_m: float | None
    is_within_geofence: bool | None


class RevisionOut(msgspec.Struct):
    revision: int
    received_at: datetime
    content_hash: str
    changed_indicators: list[str] | None


class ReviewOut(msgspec.Struct):
    id: uuid.UUID
    revision: int
    decision: str
    comment: str | None
    indicator_comments: list[IndicatorComment]
    reviewer: Person
    decided_at: datetime


class VisitWave(msgspec.Struct):
    id: uuid.UUID
    name: str
    status: str
    profile_key: str


class VisitAssignment(msgspec.Struct):
    id: uuid.UUID
    window_start: datetime
    window_end: datetime


class VisitUnit(msgspec.Struct):
    id: uuid.UUID
    name: str
    address: str
    lat: float | None
    lon: float | None
    geofence_m: int
    opening_hours: str


class VisitRegion(msgspec.Struct):
    id: uuid.UUID
    name: str
    code: str
    timezone: str


class VisitDetailOut(msgspec.Struct):
    id: uuid.UUID
    status: str
    revision: int
    allowed_decisions: list[str]
    wave: VisitWave
    assignment: VisitAssignment
    unit: VisitUnit
    agency: NamedRef
    region: VisitRegion
    surveyor: Person
    started_at: datetime
    finished_at: datetime
    time_on_site_s: float
    evidence: EvidenceOut
    first_received_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    nearest_distance_m: float | None
    dimensions: list[VisitDimension]
    answers: list[AnswerOut]
    other_photos: list[PhotoOut]
    """Photos declared for an indicator the instrument does not have (kept, never hidden)."""
    flags: list[FlagOut]
    positions: list[PositionOut]
    revisions: list[RevisionOut]
    reviews: list[ReviewOut]
    score: ScoreOut | None
    client: str | None = None
    """The OpenRosa client that sent the visit (e.g. ``ODK Collect v2024.3.1``); null for the Sidak app."""
    form_metadata: dict[str, str] = {}
    """The values of the form's metadata rows (``start``, ``end``, ``today``, ``username``) by their names."""


class DecisionOut(msgspec.Struct):
    visit_id: uuid.UUID
    status: str
    revision: int
    review: ReviewOut
    score: ScoreOut | None


class ReviewableWaveOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    status: str
    profile_key: str
    period_start: date
    period_end: date
    published_at: datetime | None
    visit_counts: dict[str, int]
    """Visits per status in the caller's regions."""
