"""The values of an instrument's metadata rows (``start``, ``end``, ``today``, ``username``) for one visit: each
comes from what the visit records itself, so the phone never sends them separately."""

from __future__ import annotations

from datetime import datetime, tzinfo

from server.domain.instruments.documents import Metadata


def metadata_values(
    metadata: list[Metadata] | None, *, started_at: datetime, finished_at: datetime, username: str, zone: tzinfo
) -> dict[str, str]:
    """The visit's value of each metadata row, by the row's name, as ODK writes them (ISO 8601 times, a date).

    ``today`` is the date where the unit is (``zone``, its region's): a visit started at 23:30 UTC in Jayapura
    started the next day there."""
    filled = {
        "start": started_at.isoformat(),
        "end": finished_at.isoformat(),
        "today": started_at.astimezone(zone).date().isoformat(),
        "username": username,
    }
    return {item.name: filled[item.type] for item in metadata or []}
