"""GET /api/settings/map: the tile server every logged-in user's maps are drawn on, from SIDAK_MAP_TILE_URL."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from server.app import create_app
from server.config import Settings
from tests.conftest import running
from tests.integration.admin.test_places import assert_problem

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@pytest.mark.parametrize("role", ["admin", "supervisor", "surveyor"])
async def test_every_logged_in_role_gets_the_default_openstreetmap_tiles_with_their_credit(client, make, role):
    user = await make.user(role=role)

    response = await client.get("/api/settings/map", headers=make.headers(user))

    assert response.status_code == 200, response.text
    assert response.json() == {"tile_url": OSM_TILES, "attribution": "© OpenStreetMap contributors"}
    assert response.headers["cache-control"] == "no-store"


async def test_an_anonymous_caller_is_asked_to_log_in(client):
    response = await client.get("/api/settings/map")

    assert_problem(response, 401, "auth.required")


async def test_a_caller_with_a_forged_token_is_refused(client):
    response = await client.get("/api/settings/map", headers={"Authorization": "Bearer not-a-token"})

    assert_problem(response, 401, "auth.token_invalid")


async def test_the_map_settings_cannot_be_written(client, make):
    admin = await make.user(role="admin")

    response = await client.put(
        "/api/settings/map", json={"tile_url": "https://evil.example/{z}/{x}/{y}.png"}, headers=make.headers(admin)
    )

    assert_problem(response, 405, "request.method_not_allowed")


async def test_a_configured_tile_server_is_published_without_a_credit_the_server_cannot_know(settings: Settings, make):
    own_tiles = "https://peta.cirebonkab.go.id/tiles/{z}/{x}/{y}.png"
    app = create_app(dataclasses.replace(settings, map_tile_url=own_tiles))
    user = await make.user(role="surveyor")

    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local") as other_client,
    ):
        response = await other_client.get("/api/settings/map", headers=make.headers(user))

    assert response.status_code == 200, response.text
    assert response.json() == {"tile_url": own_tiles, "attribution": None}
