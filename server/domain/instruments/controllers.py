"""The instrument routes: the document a surveyor fills in, and the admin's stored versions (JSON or XLSForm)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Reference
from litestar.params import Parameter

from server.domain.instruments.documents import VERSION_PATTERN, Instrument
from server.domain.instruments.schemas import InstrumentVersion, InstrumentVersionDetail, detail_out, version_out
from server.domain.instruments.services import InstrumentService, Source
from server.lib.auth import admin_only, anyone_logged_in
from server.lib.http import Caller, DbSession
from server.lib.uploads import BINARY_SCHEMA, FILE_FORM_SCHEMA, raw_body_operation, read_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS = "application/vnd.ms-excel"
UPLOAD_KINDS: dict[str, Source] = {"application/json": "json", XLSX: "xlsform", XLS: "xlsform"}
FILE_KINDS: dict[str, Source] = {".json": "json", ".xlsx": "xlsform", ".xls": "xlsform"}

KeyParam = Annotated[str, Parameter(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$", description="instrument key")]
VersionParam = Annotated[
    str, Parameter(pattern=VERSION_PATTERN, description="instrument version, as its author wrote it")
]


_UPLOAD_OPERATION = raw_body_operation(
    "An instrument document as JSON, or an XLSForm workbook (.xlsx or legacy .xls), sent as the raw body with its "
    "content type or as the one file of a multipart/form-data upload.",
    {
        "application/json": Reference(ref="#/components/schemas/Instrument"),
        XLSX: BINARY_SCHEMA,
        XLS: BINARY_SCHEMA,
        "multipart/form-data": FILE_FORM_SCHEMA,
    },
)


class InstrumentController(Controller):
    path = "/api/instruments"
    tags = ["sync"]
    guards = [anyone_logged_in]

    @get(
        "/{key:str}/{version:str}",
        summary="An instrument document",
        description="The checklist a surveyor fills in. A surveyor may fetch only instruments of waves they are "
        "assigned in (403 otherwise); supervisors and admins may fetch any. A stored version never "
        "changes, so the phone may keep it.",
    )
    async def document(
        self, key: KeyParam, version: VersionParam, db_session: DbSession, principal: Caller
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
        description="201 with the stored version and `warnings`: what the form says that Sidak keeps or skips "
        "without acting on it (docs/xlsform.md). Sending the same key, version and content again is a harmless "
        "replay (200); other content under a stored key and version is refused with 409 "
        "`instrument.immutable` naming the next free version. Problems are listed in `errors` "
        "(for an XLSForm, with the sheet and row). A workbook past a size bound is refused with 413, past a "
        "count or time bound with 422 `instrument.workbook_unreadable`.",
    )
    async def store(
        self, request: Request[Any, Any, Any], db_session: DbSession, principal: Caller
    ) -> Response[InstrumentVersionDetail]:
        body, kind = await read_upload(
            request, kinds=UPLOAD_KINDS, file_kinds=FILE_KINDS, max_bytes=request.app.state.settings.max_json_bytes
        )
        detail, created = await InstrumentService(db_session, principal).store_upload(body, kind)
        return Response(detail_out(detail), status_code=201 if created else 200)

    @get("/", summary="Every stored instrument version")
    async def list_versions(self, db_session: DbSession, principal: Caller) -> list[InstrumentVersion]:
        return [version_out(summary) for summary in await InstrumentService(db_session, principal).list()]

    @get("/{key:str}/{version:str}", summary="One instrument version with its document and the waves using it")
    async def version_detail(
        self, key: KeyParam, version: VersionParam, db_session: DbSession, principal: Caller
    ) -> InstrumentVersionDetail:
        return detail_out(await InstrumentService(db_session, principal).detail(key, version))

    # A path parameter is a whole segment in Litestar, and `/{key}/{version}.xlsx` would be one segment with the
    # JSON route's `/{key}/{version}`, so the workbook is a segment below the version.
    @get(
        "/{key:str}/{version:str}/xlsform.xlsx",
        media_type=XLSX,
        summary="One instrument version as an XLSForm workbook (.xlsx)",
        description="An attachment named `<key>-v<version>.xlsx`. Uploading it again to `POST /api/admin/instruments` "
        "is a harmless replay: it reads back to the same content hash.",
    )
    async def xlsform(
        self, key: KeyParam, version: VersionParam, db_session: DbSession, principal: Caller
    ) -> Response[bytes]:
        workbook = await InstrumentService(db_session, principal).xlsform(key, version)
        return Response(
            content=workbook,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{key}-v{version}.xlsx"'},
        )
