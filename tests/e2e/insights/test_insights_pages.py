"""The between-waves pages against the demo's history, each checked against what the API answers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
INDONESIAN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def test_rankings_page_shows_ties_as_the_api_ranks_them(
    console_as, live_server: LiveServer, latest_published_external_wave: str, shoot
):
    wave_id = latest_published_external_wave
    expected = live_server.api("GET", f"/api/waves/{wave_id}/rankings", "supervisor1").json()["units"]["ranked"]
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/rankings/{wave_id}"))
    rows = page.locator(".ranking-level[data-level=units] tbody tr[data-id]")
    rows.first.wait_for()
    shown = [
        (row.get_attribute("data-id"), row.locator("td[data-column=rank]").inner_text().strip()) for row in rows.all()
    ]
    assert shown == [(entry["id"], f"{entry['rank']}=" if entry["tied"] else str(entry["rank"])) for entry in expected]
    shoot(page, "insights-rankings")
    problems.expect_none()


def test_a_units_trend_shows_one_point_per_published_wave(
    console_as, live_server: LiveServer, latest_published_external_wave: str, shoot
):
    unit_id = live_server.api("GET", f"/api/waves/{latest_published_external_wave}/rankings", "supervisor1").json()[
        "units"
    ]["ranked"][0]["id"]
    published = {
        wave["id"] for wave in live_server.api("GET", "/api/admin/waves").json() if wave["status"] == "published"
    }
    trend = live_server.api("GET", f"/api/insights/units/{unit_id}/trend?published_only=true", "supervisor1").json()
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/trend/unit/{unit_id}"))
    page.locator(".trend-table tbody tr").first.wait_for()
    shown = page.locator(".trend-chart circle.trend-point").evaluate_all("els => els.map(e => e.dataset.wave)")
    published_shown = [wave for wave in shown if wave in published]
    assert published_shown == [point["wave"]["id"] for point in trend["points"]]
    assert len(published_shown) == len(published)
    # The x-axis names the waves (on up to two lines each), in the order of the points.
    shown_names = page.locator(".trend-chart .trend-wave-label").evaluate_all(
        "els => els.map(e => [...e.querySelectorAll('tspan')].map(line => line.textContent).join(' '))"
    )
    named = {point["wave"]["id"]: point["wave"]["name"] for point in trend["points"]}
    assert [name for wave, name in zip(shown, shown_names, strict=True) if wave in named] == list(named.values())
    shoot(page, "insights-trend")
    problems.expect_none()


def test_the_improvement_plan_lists_indicators_in_the_apis_order(
    console_as, live_server: LiveServer, latest_published_external_wave: str, shoot
):
    ranked = live_server.api("GET", f"/api/waves/{latest_published_external_wave}/rankings", "supervisor1").json()[
        "units"
    ]["ranked"]
    unit_id = ranked[-1]["id"]  # the lowest score has the most to improve
    plan = live_server.api("GET", f"/api/insights/units/{unit_id}/plan", "supervisor1").json()
    expected = [item["indicator"] for dimension in plan["dimensions"] for item in dimension["items"]]
    assert expected, "the lowest-ranked demo unit should have something to improve"
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/plan/{unit_id}"))
    page.locator(".plan-item").first.wait_for()
    assert page.locator(".plan-item").evaluate_all("els => els.map(e => e.dataset.indicator)") == expected
    shoot(page, "insights-plan")
    problems.expect_none()


def test_the_comparison_page_highlights_the_units_the_api_reports_as_disagreeing(
    console_as, live_server: LiveServer, shoot
):
    comparison = live_server.api("GET", "/api/insights/comparison", "supervisor1").json()
    disagreeing = sorted(unit["id"] for unit in comparison["units"] if unit["disagrees"])
    page, problems = console_as("supervisor1")
    page.click(".nav-link[href='#/comparison']")
    page.locator(".comparison-page tbody tr[data-id]").first.wait_for()
    highlighted = page.locator("tbody tr.row-disagrees").evaluate_all("els => els.map(e => e.dataset.id)")
    assert sorted(highlighted) == disagreeing
    shoot(page, "insights-comparison")
    problems.expect_none()


def test_the_improvement_plan_reads_its_times_in_the_units_zone_in_a_browser_far_away(
    console_as, live_server: LiveServer, latest_published_external_wave: str
):
    ranked = live_server.api("GET", f"/api/waves/{latest_published_external_wave}/rankings", "supervisor1").json()[
        "units"
    ]["ranked"]
    unit_id = ranked[-1]["id"]
    plan = live_server.api("GET", f"/api/insights/units/{unit_id}/plan", "supervisor1").json()
    zone = ZoneInfo(plan["timezone"])
    finished = datetime.fromisoformat(plan["visit"]["finished_at"]).astimezone(zone)
    page, problems = console_as("supervisor1", timezone_id="Pacific/Honolulu")  # 17 to 19 hours behind Indonesia
    page.goto(live_server.url(f"/console/#/plan/{unit_id}"))
    kicker = page.locator(".card-kicker")
    kicker.wait_for()

    day = f"({finished.day} {INDONESIAN_MONTHS[finished.month - 1]} {finished.year})"
    assert kicker.inner_text().upper().endswith(day.upper())  # the kicker is set in capitals
    footer = page.locator(".improvement-plan .card-footer").inner_text()
    assert ZONE_NAMES[plan["timezone"]] in footer and "HST" not in footer
    problems.expect_none()
