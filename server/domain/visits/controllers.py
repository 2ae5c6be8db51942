"""HTTP for the visit half of the sync contract: PUT and GET a visit, and the caller's visits by status."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.visits.documents import (
    Receipt,
    VisitDocument,
    VisitForCorrection,
    VisitStatus,
    VisitWithReview,
)
from server.domain.visits.services import VisitService
from server.lib.auth import Principal, anyone_logged_in, surveyors
from server.lib.errors import MalformedRequest, VisitInvalid

_PATH_SUFFIX = re.compile(r"\s*-\s*at `\$(?P<path>[^`]*)`$")
_NAMED_FIELD = re.compile(r"(?:missing required field|unknown field) `(?P<name>[^`]+)`")


def decode_visit_document(body: bytes) -> VisitDocument:
    """The body as a ``VisitDocument``: 400 when it is not JSON at all, 422 naming the field when a value is wrong."""
    try:
        return msgspec.json.decode(body, type=VisitDocument)
    except msgspec.ValidationError as error:
        message, field = _message_and_field(str(error))
        problem = {"field": field, "message": message} if field else {"message": message}
        raise VisitInvalid(f"{field}: {message}" if field else message, field=field, errors=[problem]) from None
    except msgspec.DecodeError as error:
        raise MalformedRequest(f"The request body is not valid JSON: {error}") from None


def _message_and_field(text: str) -> tuple[str, str | None]:
    """Split msgspec's "Expected `int`, got `str` - at `$.answers[0].value`" into message and field path."""
    suffix = _PATH_SUFFIX.search(text)
    message = text[: suffix.start()] if suffix else text
    path = suffix.group("path").lstrip(".") if suffix else ""
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return message, path or None


class VisitController(Controller):
    path = "/api"
    tags = ["sync"]

    @put(
        "/visits/{visit_id:uuid}",
        guards=[surveyors],
        summary="Send a visit document (idempotent)",
        description="201 for a new visit, 200 for a replay or a new revision of a returned visit, 409 "
        "`visit.conflict` for other content under a stored revision, 422 `visit.invalid` naming the "
        "field (also for an unknown `assignment_id`), 403 for another surveyor's assignment, 409 "
        "`wave.state` when the assignment's wave is not in fieldwork or review.",
    )
    async def put_visit(
        self,
        visit_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        principal: Principal,
    ) -> Response[Receipt]:
        doc = decode_visit_document(await request.body())
        outcome = await VisitService(db_session).put_visit(visit_id, doc, principal)
        return Response(outcome.receipt, status_code=201 if outcome.created else 200)

    @get("/visits/{visit_id:uuid}", guards=[anyone_logged_in], summary="A visit's receipt and its latest review")
    async def get_visit(
        self, visit_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> VisitWithReview:
        return await VisitService(db_session).visit_for_viewer(visit_id, principal)

    @get("/me/visits", guards=[surveyors], summary="The caller's visits with a status (default: returned)")
    async def my_visits(
        self, db_session: AsyncSession, principal: Principal, status: FromQuery[VisitStatus] = "returned"
    ) -> list[VisitForCorrection]:
        return await VisitService(db_session).my_visits(principal, status)
