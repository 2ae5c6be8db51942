"""Which credit a tile URL needs: OpenStreetMap's own servers ask for theirs; any other provider is unknown."""

from __future__ import annotations

import pytest

from server.domain.settings.services import OSM_ATTRIBUTION, map_settings_for


@pytest.mark.parametrize(
    "tile_url",
    [
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://a.TILE.openstreetmap.org/{z}/{x}/{y}.png",
    ],
)
def test_openstreetmap_tile_servers_carry_the_openstreetmap_credit(tile_url):
    assert map_settings_for(tile_url).attribution == OSM_ATTRIBUTION


@pytest.mark.parametrize(
    "tile_url",
    [
        "https://peta.cirebonkab.go.id/tiles/{z}/{x}/{y}.png",
        "https://tile.openstreetmap.org.evil.example/{z}/{x}/{y}.png",
        "https://nottile.openstreetmap.org/{z}/{x}/{y}.png",
        "/tiles/{z}/{x}/{y}.png",
    ],
)
def test_other_tile_servers_have_no_credit_the_server_could_vouch_for(tile_url):
    settings = map_settings_for(tile_url)

    assert (settings.tile_url, settings.attribution) == (tile_url, None)


def test_a_deployments_own_attribution_is_shown_for_its_tile_server():
    settings = map_settings_for("https://tiles.example.go.id/{z}/{x}/{y}.png", "© Badan Informasi Geospasial")

    assert settings.attribution == "© Badan Informasi Geospasial"
