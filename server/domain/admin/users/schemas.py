"""Request bodies and answers of the users routes, and how a stored user becomes an answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from server.domain.admin.places.schemas import RegionRef, region_ref
from server.domain.admin.schemas import UNSET, Name, Unset
from server.domain.admin.users.queries import UserView

Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=2, max_length=64)]
    display_name: Name
    role: Literal["admin", "supervisor", "surveyor"]
    password: Password
    region_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class UserChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Deactivate (`is_active: false`, which also ends the user's sessions), reset the password (also ends them),
    rename, or set the regions a supervisor covers."""

    display_name: Name | Unset = UNSET
    is_active: bool | Unset = UNSET
    password: Password | Unset = UNSET
    region_ids: list[uuid.UUID] | Unset = UNSET


class NewConflict(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of `unit_id` and `agency_id`."""

    unit_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ConflictOut(msgspec.Struct):
    id: uuid.UUID
    unit_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    note: str
    created_at: datetime


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    is_active: bool
    regions: list[RegionRef]
    conflicts: list[ConflictOut]
    created_at: datetime


def user_out(view: UserView) -> UserOut:
    user = view.user
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        is_active=user.is_active,
        regions=[region_ref(region) for region in view.regions],
        conflicts=[
            ConflictOut(id=c.id, unit_id=c.unit_id, agency_id=c.agency_id, note=c.note, created_at=c.created_at)
            for c in view.conflicts
        ],
        created_at=user.created_at,
    )
