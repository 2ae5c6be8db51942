"""Results in a real browser (issue 5): the results page shows an approved unit in the zone the API computed, every
score leads back to its visit, the export downloads, the report card shows the evidence; and the public page of a
published wave shows scores and zones with no evidence and no names, while an unpublished wave says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.review.fieldwork import PHOTO_INDICATORS, SubmittedVisit, submit_visit

pytestmark = pytest.mark.e2e

ZONE_NAMES = {"green": "hijau", "yellow": "kuning", "red": "merah"}


def _approve(live_server: LiveServer, visit: SubmittedVisit) -> None:
    answer = live_server.api(
        "POST",
        f"/api/review/visits/{visit.id}/decision",
        "supervisor1",
        json={"decision": "approve", "revision": visit.receipt["revision"]},
    )
    answer.raise_for_status()


def _unit_result(results: dict[str, Any], unit_id: str) -> dict[str, Any]:
    return dict(next(unit for unit in results["units"] if unit["id"] == unit_id))


def _indonesian_score(score: str) -> str:
    return score.replace(".", ",")


def _published_wave_with_one_approved_visit(live_server: LiveServer) -> tuple[str, SubmittedVisit]:
    """A wave of its own (so the demo wave stays open for the other tests): one unit, one approved visit, published."""
    now = datetime.now(UTC)
    wave = live_server.api(
        "POST",
        "/api/admin/waves",
        json={
            "name": f"Publikasi uji {now:%H%M%S%f}",
            "instrument": {"key": "ombudsman-kepatuhan", "version": "1"},
            "period": {
                "start": (now - timedelta(days=2)).date().isoformat(),
                "end": (now + timedelta(days=20)).date().isoformat(),
            },
        },
    ).json()
    units = live_server.api("GET", "/api/admin/units").json()
    unit = next(u for u in units if u["name"] == "Puskesmas Sumber")
    surveyor = next(
        u
        for u in live_server.api("GET", "/api/admin/users", params={"role": "surveyor"}).json()
        if u["username"] == "surveyor4"
    )
    live_server.api(
        "POST",
        f"/api/admin/waves/{wave['id']}/assignments",
        json={
            "assignments": [
                {
                    "unit_id": unit["id"],
                    "surveyor_id": surveyor["id"],
                    "window_start": (now - timedelta(days=1)).isoformat(),
                    "window_end": (now + timedelta(days=10)).isoformat(),
                }
            ]
        },
    ).raise_for_status()
    live_server.api("POST", f"/api/admin/waves/{wave['id']}/status", json={"status": "fieldwork"}).raise_for_status()
    visit = submit_visit(live_server, "surveyor4", region=None, wave_id=wave["id"], quality=0.95)
    _approve(live_server, visit)
    live_server.api("POST", f"/api/admin/waves/{wave['id']}/status", json={"status": "review"}).raise_for_status()
    live_server.api("POST", f"/api/admin/waves/{wave['id']}/publish").raise_for_status()
    return str(wave["id"]), visit


def test_the_results_page_shows_the_approved_unit_in_the_zone_the_api_computed(
    console_as, live_server, demo_wave_id, shoot
):
    visit = submit_visit(live_server, "surveyor2", region="Kabupaten Cirebon", quality=0.7)
    _approve(live_server, visit)
    results = live_server.api("GET", f"/api/waves/{demo_wave_id}/results", "supervisor1").json()
    expected = _unit_result(results, visit.unit["id"])
    assert expected["zone"] in ZONE_NAMES and expected["visit_ids"] == [visit.id]

    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/results/{demo_wave_id}"))
    row = page.wait_for_selector(f".level-table[data-level='units'] tr[data-id='{visit.unit['id']}']")
    assert row.get_attribute("data-category") == expected["zone"]
    score_cell = page.locator(
        f".level-table[data-level='units'] tr[data-id='{visit.unit['id']}'] td[data-column='score']"
    )
    assert score_cell.inner_text() == _indonesian_score(expected["score"])
    assert score_cell.locator("a").get_attribute("href") == f"#/review/{visit.id}"
    zone_cell = page.locator(
        f".level-table[data-level='units'] tr[data-id='{visit.unit['id']}'] td[data-column='category']"
    )
    assert zone_cell.inner_text() == ZONE_NAMES[expected["zone"]]
    page.wait_for_selector(f"path.map-point-zone-{expected['zone']}", state="attached")  # drawn after the table
    assert page.locator(f".zone-chart .chart-segment[data-category='{expected['zone']}']").count() >= 1
    shoot(page, "results")

    with page.expect_download() as download:
        page.click("button[data-download='csv']")
    assert visit.unit["name"] in download.value.path().read_text(encoding="utf-8-sig")

    score_cell.locator("a").click()
    page.wait_for_selector(f".visit-page[data-visit='{visit.id}'][data-status='approved']")
    problems.expect_none()


def test_the_report_card_shows_each_indicator_with_its_evidence(console_as, live_server, demo_wave_id, shoot):
    visit = submit_visit(live_server, "surveyor3", region="Kabupaten Cirebon", quality=0.8)
    _approve(live_server, visit)
    expected = _unit_result(
        live_server.api("GET", f"/api/waves/{demo_wave_id}/results", "supervisor1").json(), visit.unit["id"]
    )

    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/results/{demo_wave_id}/units/{visit.unit['id']}"))
    card = page.wait_for_selector(f".report-card[data-unit='{visit.unit['id']}']")
    assert card.get_attribute("data-score") == expected["score"]
    assert page.locator(".card-score-number").inner_text() == _indonesian_score(expected["score"])
    page.wait_for_selector(f".card-evidence img[src^='blob:'] >> nth={len(PHOTO_INDICATORS) - 1}")
    assert page.locator(".card-indicators tbody tr").count() == len(visit.document["answers"])
    page.emulate_media(media="print")
    assert not page.locator("#print-card").is_visible(), "the print button is printed"
    shoot(page, "report-card-print")
    problems.expect_none()


def test_the_public_page_after_publishing_shows_zones_and_no_evidence_or_names(new_page, live_server, shoot):
    wave_id, visit = _published_wave_with_one_approved_visit(live_server)
    public = live_server.api("GET", f"/api/public/waves/{wave_id}/results").json()
    expected = _unit_result(public, visit.unit["id"])
    assert expected["zone"] in ZONE_NAMES

    page, problems = new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url(f"/console/public.html?wave={wave_id}"))
    row = page.wait_for_selector(f".level-table[data-level='units'] tr[data-id='{visit.unit['id']}']")
    assert row.get_attribute("data-category") == expected["zone"]
    assert ZONE_NAMES[expected["zone"]] in row.inner_text()
    assert _indonesian_score(expected["score"]) in row.inner_text()
    page.wait_for_selector(f"path.map-point-zone-{expected['zone']}")
    shoot(page, "public")

    html = page.content()
    surveyor_names = [u["display_name"] for u in live_server.api("GET", "/api/admin/users").json()]
    assert not [name for name in surveyor_names if name in html], "a person's name is on the public page"
    assert visit.id not in html
    # Map tiles are <img>s too (refused here, as on a closed network); evidence would be a photo or a thumbnail.
    assert page.locator("img:not(.leaflet-tile), .thumb, a[href^='#/review']").count() == 0
    assert not [url for url in requested if "/api/photos/" in url or "/api/review/" in url or "/api/waves/" in url]
    assert page.evaluate("sessionStorage.length") == 0
    problems.expect_none()


def test_the_public_page_of_an_unpublished_wave_says_it_is_not_published(new_page, live_server, demo_wave_id, shoot):
    page, problems = new_page()
    page.goto(live_server.url(f"/console/public.html?wave={demo_wave_id}"))
    page.wait_for_selector("#not-published")
    assert page.locator(".level-table").count() == 0
    shoot(page, "public-not-published", full_page=False)
    problems.expect_none()
