"""Log in, refresh and log out: the routes every client starts with (no token needed)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures.state import State
from litestar.params import JSONBody

from server.domain.auth.schemas import LoginRequest, RefreshRequest, TokensOut, tokens_out
from server.domain.auth.services import AuthService
from server.lib.http import DbSession, client_ip


def _service(db_session: DbSession, state: State) -> AuthService:
    return AuthService(db_session, state.session_factory, state.settings)


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", status_code=200, summary="Log in with a username and password")
    async def login(
        self, data: JSONBody[LoginRequest], request: Request[Any, Any, Any], db_session: DbSession, state: State
    ) -> TokensOut:
        issued = await _service(db_session, state).login(data.username, data.password, client_ip(request))
        return tokens_out(issued)

    @post("/refresh", status_code=200, summary="Trade a refresh token for new tokens (rotation)")
    async def refresh(self, data: JSONBody[RefreshRequest], db_session: DbSession, state: State) -> TokensOut:
        return tokens_out(await _service(db_session, state).refresh(data.refresh_token))

    @post("/logout", status_code=204, summary="Revoke a refresh token and its whole family")
    async def logout(self, data: JSONBody[RefreshRequest], db_session: DbSession, state: State) -> None:
        await _service(db_session, state).logout(data.refresh_token)
