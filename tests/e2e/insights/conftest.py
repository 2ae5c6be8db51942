"""Browser fixtures for the between-waves pages: the review console's fixtures, and a published external wave that
has an earlier wave of its kind (so rankings measure improvement)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.review.conftest import console_as, shoot  # noqa: F401  (fixtures shared with the review suite)


@pytest.fixture
def latest_published_external_wave(live_server: LiveServer) -> str:
    waves = [
        wave
        for wave in live_server.api("GET", "/api/admin/waves").json()
        if wave["status"] == "published" and wave["kind"] == "external"
    ]
    assert len(waves) >= 2, "the demo needs at least two published external waves"
    return str(max(waves, key=lambda wave: wave["period_start"] if "period_start" in wave else wave["name"])["id"])
