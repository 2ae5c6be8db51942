"""The admin's users: creating them, deactivating, resetting passwords, the regions a supervisor covers, and the
conflicts of interest a surveyor declares. ``create_user_from_cli`` is the one way in without a logged-in admin."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import ROLES, Agency, Region, SupervisorRegion, SurveyorConflict, Unit, User
from server.domain.admin.places.queries import region_id_by_code
from server.domain.admin.services import AdminUseCases, clean_name
from server.domain.admin.users import queries
from server.domain.admin.users.queries import UserView
from server.domain.auth.queries import revoke_user_tokens
from server.lib import clock
from server.lib.auth import hash_password
from server.lib.errors import DuplicateKey, InvalidInput, NotFound

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 8


class UserService(AdminUseCases):
    async def create_user(
        self, *, username: str, display_name: str, role: str, password: str, region_ids: Sequence[uuid.UUID] = ()
    ) -> UserView:
        username = username.strip().lower()
        if not USERNAME_PATTERN.match(username):
            raise InvalidInput("A username is 2–64 lower-case letters, digits, '.', '-' or '_'.", field="username")
        display_name = clean_name(display_name, "display_name")
        if role not in ROLES:
            raise InvalidInput(f"A role is one of {', '.join(ROLES)}.", field="role")
        _check_password(password)
        regions = await self._supervisor_regions(role, region_ids)
        if await queries.user_id_by_username(self.session, username):
            raise DuplicateKey(f"The username {username} is taken.", field="username")
        now = clock.now()
        user = User(
            username=username,
            display_name=display_name,
            role=role,
            is_active=True,
            created_at=now,
            password_changed_at=now,
            password_hash=await anyio.to_thread.run_sync(hash_password, password),
        )
        self.session.add(user)
        await self.flush_refusing_duplicates(f"The username {username}", "username")
        self.session.add_all(SupervisorRegion(user_id=user.id, region_id=region.id) for region in regions)
        await self.session.flush()
        await self.record(
            "user.created",
            "user",
            user.id,
            {"username": username, "role": role, "region_codes": [region.code for region in regions]},
        )
        return await self.user(user.id)

    async def update_user(
        self,
        user_id: uuid.UUID,
        *,
        display_name: str | None = None,
        is_active: bool | None = None,
        password: str | None = None,
        region_ids: Sequence[uuid.UUID] | None = None,
    ) -> UserView:
        user = await self.session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        changed: dict[str, Any] = {}
        if display_name is not None:
            user.display_name = changed["display_name"] = clean_name(display_name, "display_name")
        if is_active is not None and is_active != user.is_active:
            if not is_active and self.actor is not None and self.actor.id == user.id:
                raise InvalidInput("You cannot deactivate your own account.", field="is_active")
            user.is_active = changed["is_active"] = is_active
        if password is not None:
            _check_password(password)
            user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
            user.password_changed_at = clock.now()
            changed["password"] = "reset"
        if region_ids is not None:
            regions = await self._supervisor_regions(user.role, region_ids)
            await self._replace_supervisor_regions(user, regions)
            changed["region_codes"] = [region.code for region in regions]
        if "password" in changed or changed.get("is_active") is False:
            await revoke_user_tokens(self.session, user.id, clock.now())
        await self.session.flush()
        if changed:
            await self.record("user.updated", "user", user.id, {"changes": changed})
        return await self.user(user.id)

    async def add_conflict(
        self, user_id: uuid.UUID, *, unit_id: uuid.UUID | None, agency_id: uuid.UUID | None, note: str = ""
    ) -> UserView:
        """A surveyor declares they (or family) work at a unit or agency: the draw never sends them there."""
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        if user.role != "surveyor":
            raise InvalidInput(f"{user.username} is a {user.role}; only surveyors declare conflicts of interest.")
        if (unit_id is None) == (agency_id is None):
            raise InvalidInput("Name either a unit_id or an agency_id.", field="unit_id" if unit_id else "agency_id")
        if unit_id is not None and await self.session.get(Unit, unit_id) is None:
            raise InvalidInput(f"There is no unit {unit_id}.", field="unit_id")
        if agency_id is not None and await self.session.get(Agency, agency_id) is None:
            raise InvalidInput(f"There is no agency {agency_id}.", field="agency_id")
        if await queries.has_declared_conflict(self.session, user.id, unit_id=unit_id, agency_id=agency_id):
            raise DuplicateKey(
                f"{user.username} already declared this conflict.", field="unit_id" if unit_id else "agency_id"
            )
        conflict = SurveyorConflict(
            user_id=user.id, unit_id=unit_id, agency_id=agency_id, note=" ".join(note.split()), created_at=clock.now()
        )
        self.session.add(conflict)
        await self.session.flush()
        await self.record(
            "user.conflict_declared",
            "user",
            user.id,
            {"unit_id": unit_id, "agency_id": agency_id, "note": conflict.note},
        )
        return await self.user(user.id)

    async def users(self, *, role: str | None = None) -> list[UserView]:
        return await queries.user_views(self.session, await queries.users(self.session, role=role))

    async def user(self, user_id: uuid.UUID) -> UserView:
        user = await self.session.get(User, user_id)
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        [view] = await queries.user_views(self.session, [user])
        return view

    async def _supervisor_regions(self, role: str, region_ids: Sequence[uuid.UUID]) -> list[Region]:
        if region_ids and role != "supervisor":
            raise InvalidInput("Only supervisors cover regions.", field="region_ids")
        regions = []
        for i, region_id in enumerate(dict.fromkeys(region_ids)):
            region = await self.session.get(Region, region_id)
            if region is None:
                raise InvalidInput(f"There is no region {region_id}.", field=f"region_ids[{i}]")
            regions.append(region)
        return regions

    async def _replace_supervisor_regions(self, user: User, regions: list[Region]) -> None:
        stored = await queries.supervisor_links(self.session, user.id)
        wanted = {region.id for region in regions}
        for link in stored:
            if link.region_id not in wanted:
                await self.session.delete(link)
        kept = {link.region_id for link in stored}
        self.session.add_all(SupervisorRegion(user_id=user.id, region_id=region_id) for region_id in wanted - kept)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password has at least {MIN_PASSWORD_LENGTH} characters.", field="password")


async def create_user_from_cli(
    session: AsyncSession, *, username: str, role: str, password: str, display_name: str, region_codes: Sequence[str]
) -> User:
    """``sidak createuser``: the way to make the first admin. Audited with no actor."""
    region_ids = []
    for code in region_codes:
        region_id = await region_id_by_code(session, code)
        if region_id is None:
            raise InvalidInput(f"There is no region with code {code}.", field="region")
        region_ids.append(region_id)
    view = await UserService(session, None).create_user(
        username=username, display_name=display_name, role=role, password=password, region_ids=region_ids
    )
    return view.user
