from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Reference
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Instrument as InstrumentRow
from server.domain.instruments.documents import Instrument, Text
from server.domain.instruments.services import InstrumentService
from server.lib.auth import Principal, admin_only, anyone_logged_in
from server.lib.uploads import BINARY_SCHEMA, FILE_FORM_SCHEMA, raw_body_operation, read_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_KINDS = {"application/json": "json", XLSX: "xlsform"}
FILE_KINDS = {".json": "json", ".xlsx": "xlsform"}

KeyParam = Annotated[str, Parameter(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="instrument key")]
# A 32-bit column: a larger number can name no stored version (and must not reach the driver).
VersionParam = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="instrument version")]


_UPLOAD_OPERATION = raw_body_operation(
    "An instrument document as JSON, or an XLSForm workbook (.xlsx), sent as the raw body with its content "
    "type or as the one file of a multipart/form-data upload.",
    {
        "application/json": Reference(ref="#/components/schemas/Instrument"),
        XLSX: BINARY_SCHEMA,
        "multipart/form-data": FILE_FORM_SCHEMA,
    },
)


class InstrumentVersion(msgspec.Struct):
    id: uuid.UUID
    key: str
    version: int
    title: Text
    content_hash: str
    indicator_count: int
    created_at: datetime
    wave_count: int


class WaveUsingInstrument(msgspec.Struct):
    id: uuid.UUID
    name: str
    status: str


class InstrumentVersionDetail(msgspec.Struct):
    id: uuid.UUID
    key: str
    version: int
    title: Text
    content_hash: str
    indicator_count: int
    created_at: datetime
    waves: list[WaveUsingInstrument]
    document: Instrument


def _version(row: InstrumentRow, wave_count: int) -> InstrumentVersion:
    return InstrumentVersion(
        id=row.id,
        key=row.key,
        version=row.version,
        title=_title(row),
        created_at=row.created_at,
        content_hash=row.content_hash,
        indicator_count=_indicator_count(row),
        wave_count=wave_count,
    )


def _title(row: InstrumentRow) -> Text:
    return msgspec.convert(row.document["title"], type=Text)


def _indicator_count(row: InstrumentRow) -> int:
    return sum(len(dimension["indicators"]) for dimension in row.document["dimensions"])


class InstrumentController(Controller):
    path = "/api/instruments"
    tags = ["sync"]
    guards = [anyone_logged_in]

    @get(
        "/{key:str}/{version:int}",
        summary="An instrument document",
        description="The checklist a surveyor fills in. A surveyor may fetch only instruments of waves they are "
        "assigned in (403 otherwise); supervisors and admins may fetch any. A stored version never "
        "changes, so the phone may keep it.",
    )
    async def document(
        self, key: KeyParam, version: VersionParam, db_session: AsyncSession, principal: Principal
    ) -> Instrument:
        return await InstrumentService(db_session, principal).document_for_caller(key, version)


class AdminInstrumentController(Controller):
    path = "/api/admin/instruments"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        summary="Store an instrument version (JSON document or XLSForm .xlsx)",
        operation_class=_UPLOAD_OPERATION,
        description="201 with the stored version. Sending the same key, version and content again is a harmless "
        "replay (200); other content under a stored key and version is refused with 409 "
        "`instrument.immutable` naming the next free version. Problems are listed in `errors` "
        "(for an XLSForm, with the sheet and row).",
    )
    async def store(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, principal: Principal
    ) -> Response[InstrumentVersionDetail]:
        body, kind = await read_upload(
            request, kinds=UPLOAD_KINDS, file_kinds=FILE_KINDS, max_bytes=request.app.state.settings.max_json_bytes
        )
        service = InstrumentService(db_session, principal)
        row, created = await service.store_upload(body, kind)
        detail = await service.detail(row.key, row.version)
        return Response(_detail(detail.row, detail.waves), status_code=201 if created else 200)

    @get("/", summary="Every stored instrument version")
    async def list_versions(self, db_session: AsyncSession, principal: Principal) -> list[InstrumentVersion]:
        return [_version(item.row, item.wave_count) for item in await InstrumentService(db_session, principal).list()]

    @get("/{key:str}/{version:int}", summary="One instrument version with its document and the waves using it")
    async def version_detail(
        self, key: KeyParam, version: VersionParam, db_session: AsyncSession, principal: Principal
    ) -> InstrumentVersionDetail:
        detail = await InstrumentService(db_session, principal).detail(key, version)
        return _detail(detail.row, detail.waves)

    # A path parameter is a whole segment in Litestar, and `/{key}/{version}.xlsx` would be one segment with the
    # JSON route's `/{key}/{version}`, so the workbook is a segment below the version.
    @get(
        "/{key:str}/{version:int}/xlsform.xlsx",
        media_type=XLSX,
        summary="One instrument version as an XLSForm workbook (.xlsx)",
        description="An attachment named `<key>-v<version>.xlsx`. Uploading it again to `POST /api/admin/instruments` "
        "is a harmless replay: it reads back to the same content hash.",
    )
    async def xlsform(
        self, key: KeyParam, version: VersionParam, db_session: AsyncSession, principal: Principal
    ) -> Response[bytes]:
        workbook = await InstrumentService(db_session, principal).xlsform(key, version)
        return Response(
            content=workbook,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{key}-v{version}.xlsx"'},
        )


def _detail(row: InstrumentRow, waves: list[Any]) -> InstrumentVersionDetail:
    return InstrumentVersionDetail(
        id=row.id,
        key=row.key,
        version=row.version,
        title=_title(row),
        content_hash=row.content_hash,
        indicator_count=_indicator_count(row),
        created_at=row.created_at,
        waves=[WaveUsingInstrument(wave.id, wave.name, wave.status) for wave in waves],
        document=msgspec.convert(row.document, type=Instrument),
    )
