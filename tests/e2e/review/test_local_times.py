"""A visit's times read in its unit's own zone, named WIB/WITA/WIT, whatever the zone of the supervisor's browser:
a browser set to UTC shows a 09.08 WIB visit as 09.08 WIB (not 02.08), beside opening hours written in the reader's
language ("Sen–Kam 08.00–15.30" / "Mon–Thu 08:00–15:30") from the stored "Mo-Th 08:00-15:30"."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
INDONESIAN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def _local(iso: str, zone: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))


def _an_approved_visit_to_a_unit_open_mon_to_thu(live_server: LiveServer) -> dict[str, Any]:
    """One on the first page of its wave's approved visits (the queue the test opens), with its queue row."""
    for wave in live_server.api("GET", "/api/review/waves", "supervisor1").json():
        params = {"wave": wave["id"], "status": "approved", "limit": 100}
        for row in live_server.api("GET", "/api/review/visits", "supervisor1", params=params).json()["items"]:
            visit = live_server.api("GET", f"/api/review/visits/{row['id']}", "supervisor1").json()
            if visit["unit"]["opening_hours"].startswith("Mo-Th 08:00-15:30"):
                return {"row": row, "visit": visit}
    raise AssertionError("no approved demo visit to a unit open Mo-Th 08:00-15:30")


def test_a_visit_reads_in_its_units_zone_in_a_utc_browser_in_both_languages(console_as, live_server, shoot):
    found = _an_approved_visit_to_a_unit_open_mon_to_thu(live_server)
    visit, row = found["visit"], found["row"]
    zone = visit["region"]["timezone"]
    assert row["region"]["timezone"] == zone
    started, finished = _local(visit["started_at"], zone), _local(visit["finished_at"], zone)
    utc_started = datetime.fromisoformat(visit["started_at"]).astimezone(ZoneInfo("UTC"))
    assert started.hour != utc_started.hour
    page, problems = console_as("supervisor1", timezone_id="UTC")

    page.goto(live_server.url(f"/console/#/review?wave={visit['wave']['id']}&status=approved"))
    started_cell = page.locator(f"tr[data-visit='{visit['id']}'] td[data-column=started_at]")
    started_cell.wait_for()
    assert started_cell.inner_text().strip().endswith(f"{started:%H.%M} {ZONE_NAMES[zone]}")
    page.goto(live_server.url(f"/console/#/review/{visit['id']}"))
    when = page.locator(".fact[data-fact=when] dd")
    when.wait_for()
    shoot(page, "visit-times-utc-browser", full_page=False)

    month = INDONESIAN_MONTHS[started.month - 1]
    assert when.inner_text() == (
        f"{started.day} {month} {started.year}, {started:%H.%M} – {finished:%H.%M} {ZONE_NAMES[zone]}"
    )
    assert f"{utc_started:%H.%M}" not in when.inner_text()
    assert page.locator(".fact[data-fact=opening-hours] dd").inner_text().startswith("Sen–Kam 08.00–15.30; Jum ")
    page.click("button.language-button[lang='en']")
    page.wait_for_selector("html[lang=en]")
    assert (
        page.locator(".fact[data-fact=when] dd")
        .inner_text()
        .endswith(f"{started:%H:%M} – {finished:%H:%M} {ZONE_NAMES[zone]}")
    )
    assert page.locator(".fact[data-fact=opening-hours] dd").inner_text().startswith("Mon–Thu 08:00–15:30; Fri ")
    problems.expect_none()


def test_times_are_formatted_in_the_zone_asked_for_and_named_as_indonesia_names_them(run_module):
    found = run_module(
        "times.js",
        """
        const at = '2025-05-01T03:29:00Z';
        return [
          m.formatTimeIn(at, 'Asia/Jakarta'), m.formatTimeIn(at, 'Asia/Makassar'), m.formatTimeIn(at, 'Asia/Jayapura'),
          m.formatSpanIn('2025-05-01T16:30:00Z', '2025-05-01T17:30:00Z', 'Asia/Jakarta'),
          m.formatDateIn('2025-04-30T23:30:00Z', 'Asia/Jakarta'),
          m.localStampText('2025-05-01 06:50 WITA'), m.localStampText('soon'),
        ];""",
    )
    assert found == [
        "10.29 WIB",
        "11.29 WITA",
        "12.29 WIT",
        "1 Mei 2025, 23.30 – 2 Mei 2025, 00.30 WIB",
        "1 Mei 2025",
        "1 Mei 2025, 06.50 WITA",
        "soon",
    ]


def test_opening_hours_read_in_the_consoles_language_and_other_texts_stay_as_they_are(run_module):
    found = run_module(
        "components/opening-hours.js",
        """
        const i18n = await import('/console/js/i18n.js');
        const texts = ['Mo-Th 08:00-15:30; Fr 08:00-11:00', 'Mo,We-Fr 07:30-12:00,13:00-16:00; Sa 08:00-12:00',
                       '', 'Senin s.d. Kamis 8 pagi'];
        const indonesian = texts.map(m.openingHoursText);
        i18n.setLanguage('en', {remember: false});
        const english = texts.map(m.openingHoursText);
        i18n.setLanguage('id', {remember: false});
        return {indonesian, english};""",
    )
    assert found["indonesian"] == [
        "Sen–Kam 08.00–15.30; Jum 08.00–11.00",
        "Sen, Rab–Jum 07.30–12.00, 13.00–16.00; Sab 08.00–12.00",
        "",
        None,
    ]
    assert found["english"] == [
        "Mon–Thu 08:00–15:30; Fri 08:00–11:00",
        "Mon, Wed–Fri 07:30–12:00, 13:00–16:00; Sat 08:00–12:00",
        "",
        None,
    ]
