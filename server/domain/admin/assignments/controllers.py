"""A wave's assignment routes in the admin API: an explicit list or a seeded draw, the list with each surveyor's
load, and taking one back."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath, JSONBody

from server.domain.admin.assignments.schemas import AssignmentsOut, AssignmentsRequest, assignments_out
from server.domain.admin.assignments.services import WaveAssignmentService
from server.lib.auth import admin_only
from server.lib.http import Caller, DbSession


class WaveAssignmentController(Controller):
    path = "/api/admin/waves/{wave_id:uuid}/assignments"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        summary="Assign units to surveyors: an explicit list or a seeded draw",
        description="201 with the stored assignments and each surveyor's load; a draw with `dry_run` answers 200 "
        "and stores nothing. Units nobody may take are listed in `unassigned`; units without "
        "coordinates and windows outside the period are warnings.",
    )
    async def assign(
        self,
        wave_id: FromPath[uuid.UUID],
        data: JSONBody[AssignmentsRequest],
        db_session: DbSession,
        principal: Caller,
    ) -> Response[AssignmentsOut]:
        batch = await WaveAssignmentService(db_session, principal).add_assignments(
            wave_id, explicit=data.explicit(), draw=data.draw_order()
        )
        return Response(assignments_out(batch), status_code=200 if batch.dry_run else 201)

    @get("/", summary="A wave's assignments and each surveyor's load")
    async def list_assignments(
        self, wave_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller
    ) -> AssignmentsOut:
        return assignments_out(await WaveAssignmentService(db_session, principal).wave_assignments(wave_id))

    @delete(
        "/{assignment_id:uuid}",
        summary="Take back an assignment nobody visited yet",
        description="204 while the wave is in draft or fieldwork (409 `wave.state` otherwise) and no visit was "
        "sent for it (409 `assignment.visited` otherwise). It leaves the surveyor's "
        "`GET /api/me/assignments` at once.",
    )
    async def delete_assignment(
        self,
        wave_id: FromPath[uuid.UUID],
        assignment_id: FromPath[uuid.UUID],
        db_session: DbSession,
        principal: Caller,
    ) -> None:
        await WaveAssignmentService(db_session, principal).delete_assignment(wave_id, assignment_id)
