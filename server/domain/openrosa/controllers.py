"""HTTP for ODK Collect: the OpenRosa routes (the key in the path is the only credential) and the console's keys.

OpenRosa answers are XML, errors included: Collect shows an OpenRosa response's message to the surveyor, and would
show nothing useful of a problem+json body.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, head, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.datastructures.state import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath

from server.domain.openrosa.collect_settings import client_name
from server.domain.openrosa.documents import form_list_xml, manifest_xml, response_xml
from server.domain.openrosa.schemas import IssuedCollectKey, SurveyorCollectKey
from server.domain.openrosa.services import CollectKeyService, OpenRosaService, Upload
from server.domain.photos.render_service import nudge_render_worker
from server.domain.photos.services import PhotoService
from server.lib.auth import reviewers
from server.lib.errors import DomainError, MalformedRequest
from server.lib.http import Caller, DbSession
from server.lib.problems import on_unexpected

XML = "text/xml; charset=utf-8"
# Collect splits a submission whose files are larger than this over several POSTs (``*isIncomplete*``).
ACCEPT_CONTENT_LENGTH = 10_000_000
OPENROSA_HEADERS = {"X-OpenRosa-Version": "1.0", "X-OpenRosa-Accept-Content-Length": str(ACCEPT_CONTENT_LENGTH)}
XML_SUBMISSION_FILE = "xml_submission_file"
IS_INCOMPLETE = "*isIncomplete*"


def _xml(body: bytes, status_code: int = 200) -> Response[bytes]:
    return Response(body, status_code=status_code, media_type=XML, headers=OPENROSA_HEADERS)


def on_openrosa_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, DomainError):
        return _xml(response_xml(exc.detail, is_error=True), exc.status)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return _xml(response_xml(str(exc.detail), is_error=True), exc.status_code)
    return on_unexpected(request, exc)


def _require_openrosa_version(request: Request[Any, Any, Any]) -> None:
    if request.headers.get("x-openrosa-version", "").strip() != "1.0":
        raise MalformedRequest("Send the header X-OpenRosa-Version: 1.0 (OpenRosa clients such as Collect do).")


def _service(db_session: DbSession, key: str, state: State | None = None) -> OpenRosaService:
    photos = (
        PhotoService(db_session, state.session_factory, state.settings, state.photo_store, state.photo_decoders)
        if state is not None
        else None
    )
    return OpenRosaService(db_session, key, photos)


async def _submission_parts(request: Request[Any, Any, Any]) -> tuple[bytes, list[Upload], bool]:
    form = await request.form()
    xml: bytes | None = None
    uploads: list[Upload] = []
    is_incomplete = False
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            if name == XML_SUBMISSION_FILE:
                xml = data
            else:
                uploads.append(Upload(value.filename or name, value.content_type or "", data))
        elif name == IS_INCOMPLETE:
            is_incomplete = str(value).strip().lower() == "yes"
    if xml is None:
        raise MalformedRequest(f"The multipart body has no {XML_SUBMISSION_FILE} part.")
    return xml, uploads, is_incomplete


class OpenRosaController(Controller):
    path = "/api/openrosa/{key:str}"
    tags = ["odk"]
    include_in_schema = False
    exception_handlers = {DomainError: on_openrosa_error, HTTPException: on_openrosa_error}

    @get("/formList", summary="OpenRosa form list: a form per instrument of the surveyor's open assignments")
    async def form_list(
        self, key: FromPath[str], request: Request[Any, Any, Any], db_session: DbSession
    ) -> Response[bytes]:
        _require_openrosa_version(request)
        forms = await _service(db_session, key).form_list(str(request.base_url))
        return _xml(form_list_xml(forms))

    @get("/forms/{form_id:str}/form.xml", summary="The XForm")
    async def xform(self, key: FromPath[str], form_id: FromPath[str], db_session: DbSession) -> Response[bytes]:
        return _xml((await _service(db_session, key).xform(form_id)).encode())

    @get("/forms/{form_id:str}/manifest", summary="The form's media: the surveyor's assignment list")
    async def manifest(
        self, key: FromPath[str], form_id: FromPath[str], request: Request[Any, Any, Any], db_session: DbSession
    ) -> Response[bytes]:
        files = await _service(db_session, key).manifest(form_id, str(request.base_url))
        return _xml(manifest_xml(files))

    @get("/forms/{form_id:str}/assignments.csv", summary="The surveyor's open assignments of this form")
    async def assignments_csv(
        self, key: FromPath[str], form_id: FromPath[str], db_session: DbSession
    ) -> Response[bytes]:
        data = await _service(db_session, key).assignments_csv(form_id)
        return Response(data, media_type="text/csv; charset=utf-8", headers=OPENROSA_HEADERS)

    @head("/submission", status_code=204, summary="OpenRosa's pre-flight: the size Sidak accepts in one POST")
    async def submission_head(self, key: FromPath[str], db_session: DbSession) -> Response[None]:
        await _service(db_session, key).surveyor()
        return Response(None, status_code=204, headers=OPENROSA_HEADERS)

    @post("/submission", request_max_body_size=ACCEPT_CONTENT_LENGTH + 1_000_000, summary="A submission (multipart)")
    async def submission(
        self, key: FromPath[str], request: Request[Any, Any, Any], db_session: DbSession, state: State
    ) -> Response[bytes]:
        _require_openrosa_version(request)
        service = _service(db_session, key, state)
        await service.surveyor()  # an unknown key is refused before the body is read
        xml, uploads, is_incomplete = await _submission_parts(request)
        client = client_name(request.headers.get("user-agent", ""))
        message = await service.submit(xml, uploads, is_incomplete=is_incomplete, client=client)
        return Response(
            response_xml(message),
            status_code=201,
            media_type=XML,
            headers=OPENROSA_HEADERS,
            background=BackgroundTask(nudge_render_worker, state),
        )


class CollectKeyController(Controller):
    path = "/api/collect-keys"
    tags = ["odk"]
    guards = [reviewers]

    @get("/", summary="Surveyors (of the caller's regions) and when their Collect key was issued")
    async def list_keys(self, db_session: DbSession, principal: Caller) -> list[SurveyorCollectKey]:
        return [
            SurveyorCollectKey(
                surveyor_id=row.surveyor_id,
                username=row.username,
                display_name=row.display_name,
                key_issued_at=row.key_issued_at,
            )
            for row in await CollectKeyService(db_session, principal).surveyors()
        ]

    @post(
        "/{surveyor_id:uuid}",
        summary="Issue a surveyor's Collect key (the previous one stops working)",
        description="201 with the OpenRosa server URL holding the key and Collect's settings QR code (SVG). The key is "
        "shown only here: the server keeps its hash.",
    )
    async def issue(
        self,
        surveyor_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: DbSession,
        principal: Caller,
    ) -> Response[IssuedCollectKey]:
        issued = await CollectKeyService(db_session, principal).issue(surveyor_id, str(request.base_url))
        return Response(
            IssuedCollectKey(
                surveyor_id=issued.surveyor_id,
                server_url=issued.server_url,
                settings=issued.settings,
                qr_svg=issued.qr_svg,
                issued_at=issued.issued_at,
            ),
            status_code=201,
        )

    @delete("/{surveyor_id:uuid}", summary="Revoke a surveyor's Collect key")
    async def revoke(self, surveyor_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller) -> None:
        await CollectKeyService(db_session, principal).revoke(surveyor_id)
