"""Answers of the instrument routes, and how a stored instrument version becomes one. The document itself is
``documents.Instrument``, the published contract."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from server.db.models import Instrument as InstrumentRow
from server.domain.instruments.documents import Instrument, Text
from server.domain.instruments.services import InstrumentDetail, InstrumentSummary


class InstrumentVersion(msgspec.Struct):
    id: uuid.UUID
    key: str
    version: str
    title: Text
    content_hash: str
    indicator_count: int
    created_at: datetime
    wave_count: int


class WaveUsingInstrument(msgspec.Struct):
    id: uuid.UUID
    name: str
    status: str


class ImportWarning(msgspec.Struct, omit_defaults=True):
    """Something the uploaded form says that Sidak keeps or skips without acting on it."""

    field: str
    message: str
    sheet: str | None = None
    row: int | None = None


class InstrumentVersionDetail(msgspec.Struct, omit_defaults=True):
    id: uuid.UUID
    key: str
    version: str
    title: Text
    content_hash: str
    indicator_count: int
    created_at: datetime
    waves: list[WaveUsingInstrument]
    document: Instrument
    warnings: list[ImportWarning] | None = None  # only in the answer to an XLSForm upload


def version_out(summary: InstrumentSummary) -> InstrumentVersion:
    row = summary.row
    return InstrumentVersion(
        id=row.id,
        key=row.key,
        version=row.version,
        title=_title(row),
        created_at=row.created_at,
        content_hash=row.content_hash,
        indicator_count=_indicator_count(row),
        wave_count=summary.wave_count,
    )


def detail_out(detail: InstrumentDetail) -> InstrumentVersionDetail:
    row = detail.row
    return InstrumentVersionDetail(
        id=row.id,
        key=row.key,
        version=row.version,
        title=_title(row),
        content_hash=row.content_hash,
        indicator_count=_indicator_count(row),
        created_at=row.created_at,
        waves=[WaveUsingInstrument(id=wave.id, name=wave.name, status=wave.status) for wave in detail.waves],
        document=msgspec.convert(row.document, type=Instrument),
        warnings=None if detail.warnings is None else msgspec.convert(detail.warnings, type=list[ImportWarning]),
    )


def _title(row: InstrumentRow) -> Text:
    return msgspec.convert(row.document["title"], type=Text)


def _indicator_count(row: InstrumentRow) -> int:
    return sum(len(dimension["indicators"]) for dimension in row.document["dimensions"])
