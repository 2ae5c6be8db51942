"""Settings the server publishes to its own clients, read from ``server.config.Settings`` (no database).

The console's unit and visit maps ask for the tile server here rather than hard-coding one, so a deployment on a
closed network (or with a paid tile service) changes ``SIDAK_MAP_TILE_URL`` and every map follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# OpenStreetMap's tile usage policy asks for this credit on every map drawn from its servers.
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
OSM_TILE_HOST = "tile.openstreetmap.org"


@dataclass(frozen=True)
class MapSettings:
    tile_url: str
    attribution: str | None
    """The credit the tile provider asks for; None when the server does not know it for this tile URL."""


def map_settings_for(tile_url: str, attribution: str | None = None) -> MapSettings:
    """``attribution`` is the deployment's own credit (SIDAK_MAP_ATTRIBUTION); without it, OpenStreetMap's tiles
    get OpenStreetMap's credit and other tile servers none."""
    if attribution is None and _is_osm_tile_server(tile_url):
        attribution = OSM_ATTRIBUTION
    return MapSettings(tile_url=tile_url, attribution=attribution)


def _is_osm_tile_server(tile_url: str) -> bool:
    # Leaflet templates such as https://{s}.tile.openstreetmap.org/… are not valid host names until filled in.
    host = (urlsplit(tile_url).hostname or "").lower()
    return host == OSM_TILE_HOST or host.endswith(f".{OSM_TILE_HOST}")
