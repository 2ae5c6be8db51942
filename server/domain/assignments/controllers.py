"""The surveyor's own assignments: what the phone must visit."""

from __future__ import annotations

from litestar import Controller, get

from server.domain.assignments.schemas import MyAssignment, my_assignment
from server.domain.assignments.services import AssignmentService
from server.lib.auth import anyone_logged_in
from server.lib.http import Caller, DbSession


class MyAssignmentsController(Controller):
    path = "/api/me/assignments"
    tags = ["sync"]
    guards = [anyone_logged_in]

    @get(
        "/",
        summary="The caller's open assignments",
        description="Assignments of waves in fieldwork or review, sorted by window start, each with the latest visit"
        " the caller made for it (`null` when none). Roles other than surveyor get an empty list.",
    )
    async def list_mine(self, db_session: DbSession, principal: Caller) -> list[MyAssignment]:
        return [my_assignment(item) for item in await AssignmentService(db_session, principal).open_assignments()]
