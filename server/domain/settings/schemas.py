"""The answers of the settings routes."""

from __future__ import annotations

import msgspec


class MapSettingsOut(msgspec.Struct):
    tile_url: str
    """A Leaflet/XYZ template such as https://tile.openstreetmap.org/{z}/{x}/{y}.png"""
    attribution: str | None
