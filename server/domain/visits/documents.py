"""The visit document a phone PUTs, and the receipt the server answers with (docs/contract.md, "The visit document").

These msgspec structs are the published contract: ``schemas/visit.schema.json`` and ``schemas/receipt.schema.json``
are generated from them. Rules that need the instrument (known indicators, value types) live in
``server.domain.visits.validation``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="RFC 3339 with offset")]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
AccuracyM = Annotated[float, msgspec.Meta(ge=0, le=100_000)]
Sha256Hex = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
Note = Annotated[str, msgspec.Meta(max_length=4000)]
PhotoContentType = Literal["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"]
AnswerValue = bool | int | float | str
# The largest number a 32-bit column holds: the same document must be stored, or refused, on every database.
MAX_INT32 = 2**31 - 1

VisitStatus = Literal["incomplete", "submitted", "approved", "returned", "rejected"]
FlagSeverity = Literal["info", "warning", "critical"]


class Position(msgspec.Struct, forbid_unknown_fields=True):
    lat: Latitude
    lon: Longitude
    accuracy_m: AccuracyM
    at: AwareDatetime


class Answer(msgspec.Struct, forbid_unknown_fields=True):
    indicator: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    answered_at: AwareDatetime
    value: AnswerValue | None = None
    not_applicable: bool = False
    note: Note | None = None


class PhotoDeclaration(msgspec.Struct, forbid_unknown_fields=True):
    id: uuid.UUID
    indicator: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    sha256: Sha256Hex
    size: Annotated[int, msgspec.Meta(ge=1, le=MAX_INT32)]
    content_type: PhotoContentType
    taken_at: AwareDatetime
    lat: Latitude | None = None
    lon: Longitude | None = None
    accuracy_m: AccuracyM | None = None


class VisitDocument(msgspec.Struct, forbid_unknown_fields=True):
    assignment_id: uuid.UUID
    revision: Annotated[int, msgspec.Meta(ge=1, le=MAX_INT32)]
    started_at: AwareDatetime
    finished_at: AwareDatetime
    positions: Annotated[list[Position], msgspec.Meta(max_length=5000)]
    answers: Annotated[list[Answer], msgspec.Meta(max_length=1000)]
    photos: Annotated[list[PhotoDeclaration], msgspec.Meta(max_length=500)]


class Flag(msgspec.Struct, omit_defaults=True):
    code: str
    severity: FlagSeverity
    detail: str
    photo_id: uuid.UUID | None = None


class Receipt(msgspec.Struct):
    id: uuid.UUID
    revision: int
    status: VisitStatus
    missing_photos: list[uuid.UUID]
    flags: list[Flag]


class IndicatorComment(msgspec.Struct, forbid_unknown_fields=True):
    indicator: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class ReviewSummary(msgspec.Struct):
    decision: Literal["approve", "return", "reject"]
    comment: str | None
    indicator_comments: list[IndicatorComment]
    decided_at: datetime


class VisitWithReview(Receipt):
    review: ReviewSummary | None = None
    assignment_id: uuid.UUID | None = None


class VisitForCorrection(VisitWithReview):
    """A visit listed by ``GET /api/me/visits``: with its current document, so a phone that lost it can restore it."""

    document: VisitDocument | None = None
