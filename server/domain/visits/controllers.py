"""HTTP for the visit half of the sync contract: PUT and GET a visit, and the caller's visits by status."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency
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
from server.lib.problems import message_and_field


def decode_visit_document(body: bytes) -> VisitDocument:
    """The body as a ``VisitDocument``: 400 when it is not JSON at all, 422 naming the field when a value is wrong."""
    try:
        return msgspec.json.decode(body, type=VisitDocument)
    except msgspec.ValidationError as error:
        message, field = message_and_field(str(error))
        problem = {"field": field, "message": message} if field else {"message": message}
        raise VisitInvalid(f"{field}: {message}" if field else message, field=field, errors=[problem]) from None
    except msgspec.DecodeError as error:
        raise MalformedRequest(f"The request body is not valid JSON: {error}") from None


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
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> Response[Receipt]:
        doc = decode_visit_document(await request.body())
        outcome = await VisitService(db_session).put_visit(visit_id, doc, principal)
        return Response(outcome.receipt, status_code=201 if outcome.created else 200)

    @get("/visits/{visit_id:uuid}", guards=[anyone_logged_in], summary="A visit's receipt and its latest review")
    async def get_visit(
        self,
        visit_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> VisitWithReview:
        return await VisitService(db_session).visit_for_viewer(visit_id, principal)

    @get("/me/visits", guards=[surveyors], summary="The caller's visits with a status (default: returned)")
    async def my_visits(
        self,
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        status: FromQuery[VisitStatus] = "returned",
    ) -> list[VisitForCorrection]:
        return await VisitService(db_session).my_visits(principal, status)
