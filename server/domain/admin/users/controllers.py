"""The users routes of the admin API: admins, supervisors with the regions they cover, surveyors with the conflicts
of interest they declared."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from server.domain.admin.schemas import given_fields
from server.domain.admin.users.schemas import NewConflict, NewUser, UserChanges, UserOut, user_out
from server.domain.admin.users.services import UserService
from server.lib.auth import admin_only
from server.lib.http import Caller, DbSession


class UserController(Controller):
    path = "/api/admin/users"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", summary="Create a user (admin, supervisor with regions, or surveyor)")
    async def create(self, data: JSONBody[NewUser], db_session: DbSession, principal: Caller) -> UserOut:
        view = await UserService(db_session, principal).create_user(
            username=data.username,
            display_name=data.display_name,
            role=data.role,
            password=data.password,
            region_ids=data.region_ids,
        )
        return user_out(view)

    @get("/", summary="Every user, optionally of one role")
    async def list_users(
        self,
        db_session: DbSession,
        principal: Caller,
        role: FromQuery[Literal["admin", "supervisor", "surveyor"] | None] = None,
    ) -> list[UserOut]:
        return [user_out(view) for view in await UserService(db_session, principal).users(role=role)]

    @get("/{user_id:uuid}", summary="One user with their regions and declared conflicts")
    async def detail(self, user_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller) -> UserOut:
        return user_out(await UserService(db_session, principal).user(user_id))

    @patch("/{user_id:uuid}", summary="Deactivate, reset the password, rename, or set a supervisor's regions")
    async def edit(
        self, user_id: FromPath[uuid.UUID], data: JSONBody[UserChanges], db_session: DbSession, principal: Caller
    ) -> UserOut:
        return user_out(await UserService(db_session, principal).update_user(user_id, **given_fields(data)))

    @post(
        "/{user_id:uuid}/conflicts",
        summary="Declare a surveyor's conflict of interest with a unit or agency",
        description="The draw never sends the surveyor there, and explicit assignments there are refused.",
    )
    async def declare_conflict(
        self, user_id: FromPath[uuid.UUID], data: JSONBody[NewConflict], db_session: DbSession, principal: Caller
    ) -> UserOut:
        view = await UserService(db_session, principal).add_conflict(
            user_id, unit_id=data.unit_id, agency_id=data.agency_id, note=data.note
        )
        return user_out(view)
