"""The values a visit gives an instrument's metadata rows: ``today`` is the date where the unit is."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.domain.instruments.documents import Metadata
from server.domain.instruments.metadata import metadata_values

ROWS = [
    Metadata(type="start", name="mulai"),
    Metadata(type="end", name="selesai"),
    Metadata(type="today", name="hari_ini"),
    Metadata(type="username", name="petugas"),
]


@pytest.mark.parametrize(
    ("zone", "today"),
    [("Asia/Jakarta", "2026-12-07"), ("Asia/Makassar", "2026-12-07"), ("Asia/Jayapura", "2026-12-08")],
)
def test_today_is_the_date_the_visit_started_in_the_units_own_zone(zone, today):
    started_at = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 22:30 WIB, 23:30 WITA, 00:30 WIT the next day

    values = metadata_values(
        ROWS,
        started_at=started_at,
        finished_at=datetime(2026, 12, 7, 16, 10, tzinfo=UTC),
        username="petugas1",
        zone=ZoneInfo(zone),
    )

    assert values == {
        "mulai": "2026-12-07T15:30:00+00:00",
        "selesai": "2026-12-07T16:10:00+00:00",
        "hari_ini": today,
        "petugas": "petugas1",
    }


def test_a_form_without_metadata_rows_gets_no_values():
    now = datetime(2026, 12, 7, tzinfo=UTC)
    assert metadata_values(None, started_at=now, finished_at=now, username="x", zone=ZoneInfo("Asia/Jakarta")) == {}
