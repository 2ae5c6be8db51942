"""Settings for the server's own clients (the console and the phone app), for any logged-in user."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get

from server.domain.settings.schemas import MapSettingsOut
from server.domain.settings.services import map_settings_for
from server.lib.auth import anyone_logged_in


class SettingsController(Controller):
    path = "/api/settings"
    tags = ["settings"]
    guards = [anyone_logged_in]

    @get(
        "/map",
        summary="The map tile server the apps draw unit and visit maps on",
        description="`tile_url` is `SIDAK_MAP_TILE_URL` (OpenStreetMap's tiles by default); `attribution` is the "
        "credit to show under the map (`SIDAK_MAP_ATTRIBUTION`, or OpenStreetMap's for its own tiles), null when "
        "the server does not know the tile provider's.",
    )
    async def map_settings(self, request: Request[Any, Any, Any]) -> MapSettingsOut:
        config = request.app.state.settings
        settings = map_settings_for(config.map_tile_url, config.map_attribution)
        return MapSettingsOut(tile_url=settings.tile_url, attribution=settings.attribution)
