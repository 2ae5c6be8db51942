"""The statements over users, the regions a supervisor covers and the conflicts of interest surveyors declared."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Region, SupervisorRegion, SurveyorConflict, User
from server.domain.admin.assignments.checks import ConflictPlace

"""``(unit id, agency id)`` of a declared conflict: exactly one of them is set."""


@dataclass(frozen=True)
class UserView:
    user: User
    regions: list[Region]
    conflicts: list[SurveyorConflict]


async def user_id_by_username(session: AsyncSession, username: str) -> uuid.UUID | None:
    return await session.scalar(select(User.id).where(User.username == username))


async def users(session: AsyncSession, *, role: str | None = None) -> list[User]:
    query = select(User).order_by(User.role, User.username)
    if role is not None:
        query = query.where(User.role == role)
    return list((await session.scalars(query)).all())


async def user_views(session: AsyncSession, users: Sequence[User]) -> list[UserView]:
    """Each user with the regions they cover (by code) and the conflicts they declared (oldest first)."""
    ids = [user.id for user in users]
    regions: dict[uuid.UUID, list[Region]] = {user_id: [] for user_id in ids}
    covered = (
        select(SupervisorRegion.user_id, Region)
        .join(Region, SupervisorRegion.region_id == Region.id)
        .where(SupervisorRegion.user_id.in_(ids))
        .order_by(Region.code)
    )
    for user_id, region in await session.execute(covered):
        regions[user_id].append(region)
    conflicts: dict[uuid.UUID, list[SurveyorConflict]] = {user_id: [] for user_id in ids}
    declared = select(SurveyorConflict).where(SurveyorConflict.user_id.in_(ids)).order_by(SurveyorConflict.created_at)
    for conflict in await session.scalars(declared):
        conflicts[conflict.user_id].append(conflict)
    return [UserView(user=user, regions=regions[user.id], conflicts=conflicts[user.id]) for user in users]


async def supervisor_links(session: AsyncSession, user_id: uuid.UUID) -> list[SupervisorRegion]:
    return list((await session.scalars(select(SupervisorRegion).where(SupervisorRegion.user_id == user_id))).all())


async def has_declared_conflict(
    session: AsyncSession, user_id: uuid.UUID, *, unit_id: uuid.UUID | None, agency_id: uuid.UUID | None
) -> bool:
    """Whether the user already declared a conflict with this unit (or, without a unit, this agency)."""
    same = select(SurveyorConflict.id).where(SurveyorConflict.user_id == user_id)
    same = (
        same.where(SurveyorConflict.unit_id == unit_id)
        if unit_id
        else same.where(SurveyorConflict.agency_id == agency_id)
    )
    return await session.scalar(same) is not None


async def active_surveyors(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Active surveyors among ``user_ids``; others (unknown, another role, deactivated) are left out."""
    query = select(User).where(User.id.in_(list(user_ids)), User.role == "surveyor", User.is_active.is_(True))
    return {user.id: user for user in await session.scalars(query)}


async def conflict_places(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ConflictPlace]]:
    """The places each of these users declared a conflict with."""
    places: dict[uuid.UUID, list[ConflictPlace]] = {}
    query = select(SurveyorConflict).where(SurveyorConflict.user_id.in_(list(user_ids)))
    for conflict in await session.scalars(query):
        places.setdefault(conflict.user_id, []).append((conflict.unit_id, conflict.agency_id))
    return places
