"""The strength of a visit's evidence in a real browser: the queue sorted and filtered by each visit's strongest
flag, the visit page opening with its one-line summary and the new flags worded from their measurements, and the
wave page showing and editing the thresholds behind them. Every outcome is checked through the API as well."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.review.fieldwork import submit_visit

pytestmark = pytest.mark.e2e


def _review(live_server: LiveServer, visit_id: str) -> dict[str, Any]:
    answer = live_server.api("GET", f"/api/review/visits/{visit_id}", "supervisor1")
    answer.raise_for_status()
    return dict(answer.json())


def test_the_queue_puts_the_strongest_flags_first_and_filters_by_them(console_as, live_server, demo_wave_id, shoot):
    far = submit_visit(live_server, "surveyor1", region="Kabupaten Cirebon", far_away=True)
    assert _review(live_server, far.id)["evidence"]["strength"] == "weak"
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review?wave={demo_wave_id}"))
    page.wait_for_selector(f"tr[data-visit='{far.id}']")

    page.select_option("#filter-sort", "strongest")
    page.wait_for_function("location.hash.includes('sort=strongest')")
    first_row = page.wait_for_selector("tbody tr[data-visit] >> nth=0")
    assert first_row.get_attribute("class") and "row-critical" in first_row.get_attribute("class")
    page.select_option("#filter-strongest", "critical")
    page.wait_for_function("location.hash.includes('strongest=critical')")
    page.wait_for_selector(f"tr[data-visit='{far.id}']")
    rows = page.locator("tbody tr[data-visit]")
    assert all("row-critical" in (rows.nth(i).get_attribute("class") or "") for i in range(rows.count()))
    shoot(page, "queue-strongest-first", full_page=False)

    page.click(f"tr[data-visit='{far.id}'] a.row-link")
    line = page.wait_for_selector(".visit-summary .evidence-line[data-strength='weak']")
    assert line.inner_text().startswith("Bukti lemah")
    assert "Di luar geofence" in line.inner_text()
    shoot(page, "visit-evidence-line", full_page=False)
    problems.expect_none()


def test_a_visit_of_two_places_at_once_names_the_other_visit_on_its_page(console_as, live_server):
    first = submit_visit(live_server, "surveyor2", region=None)
    second = submit_visit(live_server, "surveyor2", region=None)
    assert second.assignment["unit"]["id"] != first.assignment["unit"]["id"]
    flags = [f for f in _review(live_server, second.id)["flags"] if f["code"] == "visit.impossible_travel"]
    assert {f["facts"]["other_visit_id"] for f in flags} >= {first.id}
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/review/{second.id}"))
    measured = page.wait_for_selector(".flag-item[data-flag='visit.impossible_travel'] .flag-measured li")
    assert "Tumpang tindih dengan kunjungan" in measured.inner_text()
    assert page.locator(f".flag-item[data-flag='visit.impossible_travel'] a[data-visit='{first.id}']").count() >= 1
    problems.expect_none()


def test_the_wave_page_shows_and_edits_the_travel_and_pace_thresholds(console_as, live_server):
    today = date.today()
    created = live_server.api(
        "POST",
        "/api/admin/waves",
        json={
            "name": f"Gelombang Integritas {uuid.uuid4().hex[:6]}",
            "instrument": {"key": "ombudsman-kepatuhan", "version": "1"},
            "period": {"start": today.isoformat(), "end": (today + timedelta(days=30)).isoformat()},
        },
    )
    created.raise_for_status()
    wave = created.json()
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/waves/{wave['id']}"))
    page.wait_for_selector("h2:has-text('Pengaturan integritas')")
    facts = page.locator("dl.facts").all_inner_texts()[-1].upper()  # the labels are set in capitals
    assert "PERJALANAN TERCEPAT ANTARKUNJUNGAN (KM/JAM)\n80" in facts and "DETIK MINIMAL PER FOTO\n8" in facts

    page.click("#wave-edit")
    page.wait_for_selector("dialog[open] form")
    assert page.input_value("dialog input[name=min_seconds_per_indicator]") == "12"
    page.fill("dialog input[name=max_travel_speed_kmh]", "60")
    page.fill("dialog input[name=travel_overlap_tolerance_min]", "5")
    page.fill("dialog input[name=min_seconds_per_photo]", "10")
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog", state="detached")

    stored = live_server.api("GET", f"/api/admin/waves/{wave['id']}").json()["integrity_settings"]
    assert stored["max_travel_speed_kmh"] == 60
    assert stored["travel_overlap_tolerance_s"] == 300
    assert stored["min_seconds_per_photo"] == 10
    problems.expect_none()
