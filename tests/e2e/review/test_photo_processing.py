"""The review queue in a real browser marks a visit whose photos are received but still being processed (a render
worker holds them), and the mark goes once they are rendered. The live server renders with its own embedded worker."""

from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import closing

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.review.fieldwork import submit_visit

pytestmark = pytest.mark.e2e

# A lease no worker of the live server will take over: as if another worker were rendering these photos right now.
HELD_UNTIL = "2999-01-01 00:00:00.000000"
RENDER_TIMEOUT_S = 20


def count_photos(live_server: LiveServer, visit_id: str, condition: str) -> int:
    with closing(sqlite3.connect(live_server.data_dir / "sidak.db")) as database:
        query = f"SELECT count(*) FROM photos WHERE visit_id = ? AND {condition}"
        return int(database.execute(query, (uuid.UUID(visit_id).hex,)).fetchone()[0])


def wait_until_rendered(live_server: LiveServer, visit_id: str) -> None:
    """The server's own worker renders the photos just after their receipts; let it finish first."""
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    while count_photos(live_server, visit_id, "rendered_at IS NULL"):
        assert time.monotonic() < deadline, "the server's render worker did not render the visit's photos"
        time.sleep(0.1)


def set_photos(live_server: LiveServer, visit_id: str, assignments: str, *values: object) -> None:
    with closing(sqlite3.connect(live_server.data_dir / "sidak.db")) as database, database:
        database.execute(f"UPDATE photos SET {assignments} WHERE visit_id = ?", (*values, uuid.UUID(visit_id).hex))


def test_a_visit_whose_photos_are_being_processed_is_marked_in_the_queue(console_as, live_server, demo_wave_id, shoot):
    # surveyor4: the other review tests need surveyor1's units of Kabupaten Cirebon.
    visit = submit_visit(live_server, "surveyor4", region=None, wave_id=demo_wave_id)
    wait_until_rendered(live_server, visit.id)
    set_photos(
        live_server,
        visit.id,
        "rendered_at = NULL, render_lease_until = ?, render_leased_by = 'another-worker'",
        HELD_UNTIL,
    )
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/review?wave={demo_wave_id}"))

    badge = page.wait_for_selector(f"tr[data-visit='{visit.id}'] [data-processing]")
    stored = count_photos(live_server, visit.id, "stored_at IS NOT NULL")
    assert stored >= 1
    assert badge.get_attribute("data-processing") == str(stored)
    assert str(stored) in badge.inner_text()
    badge.scroll_into_view_if_needed()
    shoot(page, "queue-processing", full_page=False)

    set_photos(live_server, visit.id, "rendered_at = stored_at, render_lease_until = NULL, render_leased_by = NULL")
    page.reload()
    page.wait_for_selector(f"tr[data-visit='{visit.id}']")
    assert page.locator(f"tr[data-visit='{visit.id}'] [data-processing]").count() == 0
    problems.expect_none()
