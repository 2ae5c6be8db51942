"""Request bodies and answers of login, refresh and logout (docs/contract.md, "Authentication")."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from server.domain.auth.services import IssuedTokens

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
OpaqueToken = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: OpaqueToken


class LoggedInUser(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: str


class TokensOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: LoggedInUser
    token_type: str = "bearer"


def tokens_out(issued: IssuedTokens) -> TokensOut:
    user = issued.user
    return TokensOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=LoggedInUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role),
    )
