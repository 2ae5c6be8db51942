from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures.state import State
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.auth.services import AuthService, IssuedTokens
from server.lib.http import client_ip

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
OpaqueToken = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: OpaqueToken


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: str


class TokensOut(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserOut
    token_type: str = "bearer"


def _tokens_out(issued: IssuedTokens) -> TokensOut:
    user = issued.user
    return TokensOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        user=UserOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role),
    )


def _service(db_session: AsyncSession, state: State) -> AuthService:
    return AuthService(db_session, state.session_factory, state.settings)


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, summary="Log in with a username and password")
    async def login(
        self, data: LoginRequest, request: Request[Any, Any, Any], db_session: AsyncSession, state: State
    ) -> TokensOut:
        issued = await _service(db_session, state).login(data.username, data.password, client_ip(request))
        return _tokens_out(issued)

    @post("/refresh", status_code=200, summary="Trade a refresh token for new tokens (rotation)")
    async def refresh(self, data: RefreshRequest, db_session: AsyncSession, state: State) -> TokensOut:
        return _tokens_out(await _service(db_session, state).refresh(data.refresh_token))

    @post("/logout", status_code=204, summary="Revoke a refresh token and its whole family")
    async def logout(self, data: RefreshRequest, db_session: AsyncSession, state: State) -> None:
        await _service(db_session, state).logout(data.refresh_token)
