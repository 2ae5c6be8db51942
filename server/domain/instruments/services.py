"""Storing and reading instrument versions. A stored version never changes: editing stores the next version."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import anyio.to_thread
import msgspec
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Instrument, Wave
from server.domain.audit.services import AuditLog
from server.domain.instruments import queries
from server.domain.instruments.documents import Instrument as InstrumentDocument
from server.domain.instruments.queries import find_instrument
from server.domain.instruments.rules import check_instrument
from server.domain.instruments.xlsform import XlsformImport, instrument_to_xlsform, read_xlsform
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import (
    DuplicateKey,
    Forbidden,
    InstrumentImmutable,
    InstrumentInvalid,
    MalformedRequest,
    NotFound,
)

Source = Literal["json", "xlsform"]
TITLE_MAX_LENGTH = 300  # the column's size; the full title stays in the document


def next_version_after(latest: str) -> str:
    """A suggestion for the version after the one stored last: its trailing number counted up, its width kept (1.2.0
    → 1.2.1, v3 → v4, 202512071530 → 202512071531); a version without one gets ``-2``. Only a suggestion: any new
    text is a new version."""
    digits = len(latest) - len(latest.rstrip("0123456789"))
    if digits == 0:
        return f"{latest}-2"[:64]
    head, number = latest[:-digits], latest[-digits:]
    return f"{head}{int(number) + 1:0{digits}d}"[:64]


def content_hash(document: InstrumentDocument) -> str:
    """sha256 of the document's canonical JSON (sorted keys, defaults written out), so that the same checklist sent
    as JSON or as an XLSForm hashes the same."""
    plain = msgspec.to_builtins(document)
    if plain.get("metadata") is None:  # added later, as ``xlsform`` was
        plain.pop("metadata", None)
    for dimension in plain["dimensions"]:
        if dimension.get("xlsform") is None:
            dimension.pop("xlsform", None)
        for indicator in dimension["indicators"]:
            # Added after documents were first hashed: left out while unset, a stored version keeps its hash.
            for added in ("xlsform", "choice_list", "notes"):
                if indicator.get(added) is None:
                    indicator.pop(added, None)
    canonical = msgspec.json.encode(plain, order="sorted")
    return hashlib.sha256(canonical).hexdigest()


def instrument_from_json(body: bytes) -> InstrumentDocument:
    try:
        document = msgspec.json.decode(body, type=InstrumentDocument)
    except msgspec.ValidationError as error:
        message = str(error)
        path = message.rsplit(" - at `$", 1)[1].rstrip("`").lstrip(".") if " - at `$" in message else None
        raise InstrumentInvalid(f"The instrument document is not valid: {message}", field=path or None) from error
    except msgspec.DecodeError as error:
        raise MalformedRequest(f"The request body is not valid JSON: {error}") from error
    check_instrument(document)
    return document


@dataclass(frozen=True)
class InstrumentSummary:
    row: Instrument
    wave_count: int


@dataclass(frozen=True)
class InstrumentDetail:
    row: Instrument
    waves: list[Wave]
    warnings: list[dict[str, Any]] | None = None  # of the upload that stored it, by sheet row


def _read_upload(body: bytes, source: Source) -> XlsformImport:
    if source == "json":
        return XlsformImport(instrument_from_json(body), [])
    return read_xlsform(body)


class InstrumentService:
    def __init__(self, session: AsyncSession, principal: Principal | None) -> None:
        self.session = session
        self.principal = principal

    async def store_upload(self, body: bytes, source: Source) -> tuple[InstrumentDetail, bool]:
        """Read an uploaded JSON document or XLSForm workbook, then store it; the stored version with the warnings
        of its reading, and whether it is new (see ``store``).

        The file is read in a worker thread before the first query, so no database connection is held meanwhile
        and the event loop keeps serving; the reading itself is bounded (``workbook.WorkbookLimits``)."""
        read = await anyio.to_thread.run_sync(_read_upload, body, source)
        row, created = await self.store(read.instrument, source=source)
        detail = await self.detail(row.key, row.version)
        return InstrumentDetail(detail.row, detail.waves, read.warnings), created

    async def store(self, document: InstrumentDocument, *, source: Source) -> tuple[Instrument, bool]:
        """Store a new version; ``(stored, True)``. The same key, version and content again is a harmless replay,
        ``(stored, False)``; other content under a stored key and version is refused."""
        digest = content_hash(document)
        stored = await find_instrument(self.session, document.key, document.version)
        if stored is not None:
            if stored.content_hash == digest:
                return stored, False
            raise await self._immutable(document)
        row = Instrument(
            key=document.key,
            version=document.version,
            title=document.title.id[:TITLE_MAX_LENGTH],
            document=msgspec.to_builtins(document),
            content_hash=digest,
            created_at=clock.now(),
            created_by=self.principal.id if self.principal else None,
        )
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as error:
            raise DuplicateKey(
                f"Instrument {document.key} version {document.version} was stored at the same moment by"
                " another request; fetch it before trying again.",
                field="version",
            ) from error
        await AuditLog(self.session).record(
            "instrument.created",
            entity_type="instrument",
            entity_id=row.id,
            actor_id=self._actor_id(),
            data={"key": row.key, "version": row.version, "content_hash": digest, "source": source},
        )
        return row, True

    async def list(self) -> list[InstrumentSummary]:
        rows = await queries.instruments_with_wave_counts(self.session)
        return [InstrumentSummary(row=row, wave_count=count) for row, count in rows]

    async def detail(self, key: str, version: str) -> InstrumentDetail:
        row = await self._get(key, version)
        return InstrumentDetail(row=row, waves=await queries.waves_using(self.session, row.id))

    async def xlsform(self, key: str, version: str) -> bytes:
        """The stored version as an XLSForm workbook that the upload reads back to the same content hash."""
        row = await self._get(key, version)
        document = msgspec.convert(row.document, type=InstrumentDocument)
        # openpyxl takes its time on a large checklist; the event loop keeps serving meanwhile.
        return await anyio.to_thread.run_sync(instrument_to_xlsform, document)

    async def document_for_caller(self, key: str, version: str) -> InstrumentDocument:
        """The document, for any reviewer; a surveyor only gets instruments of waves they are assigned in."""
        row = await self._get(key, version)
        caller = self.principal
        if (
            caller is not None
            and caller.role == "surveyor"
            and not await queries.is_assigned_in_a_wave_using(self.session, caller.id, row.id)
        ):
            raise Forbidden("This instrument belongs to no wave you are assigned in.")
        return msgspec.convert(row.document, type=InstrumentDocument)

    async def _get(self, key: str, version: str) -> Instrument:
        row = await find_instrument(self.session, key, version)
        if row is None:
            raise NotFound(f"There is no instrument {key} version {version}.")
        return row

    async def _immutable(self, document: InstrumentDocument) -> InstrumentImmutable:
        latest = await queries.latest_version(self.session, document.key)
        suggestion = next_version_after(latest or document.version)
        return InstrumentImmutable(
            f"Instrument {document.key} version {document.version} is already stored with other content, and a stored"
            f" version never changes; store your edit under a new version, such as {suggestion}.",
            field="version",
            next_version=suggestion,
        )

    def _actor_id(self) -> uuid.UUID | None:
        return self.principal.id if self.principal else None
