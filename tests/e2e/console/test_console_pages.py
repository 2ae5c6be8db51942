"""The console's shell and pages in a real browser: every admin page renders in both languages with no script error
and no Content-Security-Policy refusal, the map still draws units when no tile loads, roles see what they may, and
an expired access token is refreshed once before the user is sent back to the login page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

ADMIN_PAGES = {
    "units": ("#/units", ".data-table"),
    "units-import": ("#/units/import", "#csv-file"),
    "users": ("#/users", ".data-table"),
    "instruments": ("#/instruments", ".data-table"),
    "instrument": ("#/instruments/ombudsman-kepatuhan/1", ".indicator"),
    "waves": ("#/waves", ".data-table"),
}


def _demo_wave(live_server: LiveServer) -> dict[str, Any]:
    return dict(next(w for w in live_server.api("GET", "/api/admin/waves").json() if w["assignment_count"]))


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_admin_page_renders_without_script_errors(console_as, live_server, shoot, language):
    page, problems = console_as("admin")
    if language == "en":
        page.click(".language-button[lang=en]")
        page.wait_for_selector("html[lang=en]")
    wave = _demo_wave(live_server)
    pages = dict(
        ADMIN_PAGES,
        wave=(f"#/waves/{wave['id']}", ".stepper"),
        assignments=(f"#/waves/{wave['id']}/assignments", "#assignment-list tbody tr[data-unit]"),
    )

    for name, (hash_path, ready) in pages.items():
        page.goto(live_server.url(f"/console/{hash_path}"))
        page.wait_for_selector(ready)
        assert page.locator(".alert-error").count() == 0, f"{name}: {page.locator('.alert-error').inner_text()}"
        shoot(page, f"{language}-{name}", full_page=name != "instrument")

    problems.expect_none()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_admins_navigation_holds_on_one_line_at_1366_px(console_as, shoot, language):
    page, problems = console_as("admin", width=1366, height=850)
    if language == "en":
        page.click(".language-button[lang=en]")
        page.wait_for_selector("html[lang=en]")

    links = page.locator(".topbar .nav-link")
    tops = links.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) == 7 and len(set(tops)) == 1, tops
    assert page.locator(".topbar").bounding_box()["height"] <= 56
    shoot(page, f"{language}-topbar-1366", full_page=False)
    problems.expect_none()


def test_no_page_is_wider_than_a_360_px_phone_and_the_navigation_is_one_row(console_as, live_server, shoot):
    wave = _demo_wave(live_server)
    published = next(w for w in live_server.api("GET", "/api/admin/waves").json() if w["status"] == "published")
    unit_id = live_server.api("GET", f"/api/waves/{published['id']}/results").json()["units"][0]["id"]
    pages = {
        "units": ("#/units", ".data-table"),
        "instrument": ("#/instruments/ombudsman-kepatuhan/1", ".indicator"),
        "assignments": (f"#/waves/{wave['id']}/assignments", "#assignment-list tbody tr[data-unit]"),
        "results": (f"#/results/{published['id']}", ".level-table tbody tr"),
        "trend": (f"#/trend/unit/{unit_id}", ".trend-table tbody tr"),
        "comparison": ("#/comparison", ".data-table"),
    }
    page, problems = console_as("admin", width=360, height=740)

    for name, (hash_path, ready) in pages.items():
        page.goto(live_server.url(f"/console/{hash_path}"))
        page.wait_for_selector(ready)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        tops = page.locator(".topbar .nav-link").evaluate_all("els => els.map(e => e.getBoundingClientRect().top)")
        assert len(set(tops)) == 1, name
        shoot(page, f"phone-{name}", full_page=False)
    problems.expect_none()


def test_the_dialogs_and_the_draw_tab_render_without_script_errors(console_as, live_server, shoot):
    page, problems = console_as("admin")
    for hash_path, opener, name in [
        ("#/units", ".page-actions button.primary", "unit-create"),
        ("#/users", ".page-actions button.primary", "user-create"),
        ("#/waves", ".page-actions button.primary", "wave-create"),
    ]:
        page.goto(live_server.url(f"/console/{hash_path}"))
        page.click(opener)
        page.wait_for_selector("dialog[open] form")
        shoot(page, name, full_page=False)
        page.keyboard.press("Escape")
        page.wait_for_selector("dialog", state="detached")
    page.goto(live_server.url(f"/console/#/waves/{_demo_wave(live_server)['id']}/assignments"))
    page.click("#tab-draw")
    page.wait_for_selector("input[name=seed]")
    shoot(page, "draw-tab")
    problems.expect_none()


def test_the_unit_map_draws_every_unit_with_coordinates_when_no_tile_loads(console_as, live_server, shoot):
    units = live_server.api("GET", "/api/admin/units").json()
    with_coordinates = [u for u in units if u["lat"] is not None and u["lon"] is not None]
    page, problems = console_as("admin")
    page.goto(live_server.url("/console/#/units"))
    page.click("#tab-unit-map")
    page.wait_for_selector(".map-surface.leaflet-container")

    page.wait_for_selector(".map-note:not([hidden])")  # every tile request is refused in these tests
    assert page.locator("path.map-point").count() == len(with_coordinates)
    assert page.locator("path.map-geofence").count() == len(with_coordinates)
    shoot(page, "units-map-without-tiles", full_page=False)
    problems.expect_none()


def test_a_tablet_sees_the_units_and_the_wave_usable(console_as, live_server, shoot):
    page, problems = console_as("admin", width=820, height=1180)
    page.goto(live_server.url("/console/#/units"))
    page.wait_for_selector(".data-table")
    assert page.locator(".nav-link", has_text="Gelombang").is_visible()
    shoot(page, "tablet-units", full_page=False)
    page.goto(live_server.url(f"/console/#/waves/{_demo_wave(live_server)['id']}"))
    page.wait_for_selector(".stepper")
    shoot(page, "tablet-wave", full_page=False)
    problems.expect_none()


def test_a_supervisor_is_shown_no_admin_pages(console_as, live_server, shoot):
    page, problems = console_as("supervisor1")

    assert [link.get_attribute("href") for link in page.locator(".nav-link").all()] == [
        "#/review",
        "#/results",
        "#/comparison",
    ]
    page.goto(live_server.url("/console/#/units"))
    page.wait_for_selector("main h1")
    assert page.locator("main h1").inner_text() == "Khusus admin"
    assert page.locator(".data-table").count() == 0
    shoot(page, "supervisor-refused-admin-page", full_page=False)
    problems.expect_none()


def test_a_surveyor_is_refused_at_the_console_login(new_page, live_server):
    page, problems = new_page()
    page.goto(live_server.url("/console/"))
    page.fill("input[name=username]", "surveyor1")
    page.fill("input[name=password]", live_server.logins["surveyor1"])
    page.click("form button[type=submit]")

    page.wait_for_selector(".alert-error[data-code='console.surveyor']")
    assert page.evaluate("sessionStorage.getItem('sidak.console.session')") is None
    problems.expect_none()


def test_a_wrong_password_is_shown_as_a_translated_error(new_page, live_server):
    page, problems = new_page()
    page.goto(live_server.url("/console/"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not-the-password")
    page.click("form button[type=submit]")

    alert = page.wait_for_selector(".alert-error[data-code='auth.invalid_credentials']")
    assert "salah" in alert.inner_text()
    problems.expect_none()


def _spoil_access_token(page: Any) -> None:
    page.evaluate("""() => {
        const session = JSON.parse(sessionStorage.getItem('sidak.console.session'));
        session.access_token = 'expired.or.forged';
        sessionStorage.setItem('sidak.console.session', JSON.stringify(session));
    }""")


def test_an_expired_access_token_is_refreshed_once_and_the_page_still_loads(console_as, live_server):
    page, problems = console_as("admin")
    _spoil_access_token(page)

    page.goto(live_server.url("/console/#/users"))
    page.wait_for_selector(".data-table tbody tr[data-key=admin]")

    session = json.loads(page.evaluate("sessionStorage.getItem('sidak.console.session')"))
    assert session["access_token"] != "expired.or.forged"
    problems.expect_none()


def test_a_refused_refresh_ends_the_session_and_shows_the_login(console_as, live_server):
    page, problems = console_as("admin")
    _spoil_access_token(page)
    page.evaluate("""() => {
        const session = JSON.parse(sessionStorage.getItem('sidak.console.session'));
        session.refresh_token = 'revoked';
        sessionStorage.setItem('sidak.console.session', JSON.stringify(session));
    }""")

    page.goto(live_server.url("/console/#/users"))
    page.wait_for_selector("input[name=username]")

    assert page.evaluate("sessionStorage.getItem('sidak.console.session')") is None
    problems.expect_none()


def test_a_page_left_before_its_data_came_does_not_enable_the_next_pages_buttons(console_as, live_server):
    page, problems = console_as("admin")
    held: dict[str, Any] = {}
    page.route("**/api/admin/users", lambda route: held.setdefault("users", route))
    page.route("**/api/admin/profiles", lambda route: held.setdefault("profiles", route))
    page.goto(live_server.url("/console/#/users"))
    page.wait_for_selector(".page-actions button[data-waiting]")
    page.goto(live_server.url("/console/#/waves"))
    add_wave = page.locator(".page-actions button.primary")
    add_wave.wait_for()
    assert sorted(held) == ["profiles", "users"]

    held["users"].continue_()  # the users page, left already, gets its data now
    page.wait_for_timeout(500)
    assert add_wave.is_disabled(), "the users page enabled the wave page's button before its profiles came"
    held["profiles"].continue_()
    add_wave.click()
    page.wait_for_selector("dialog form .cutoff-table")
    problems.expect_none()


def test_a_page_left_before_its_data_came_does_not_draw_over_the_page_shown_since(console_as, live_server):
    visit_id = live_server.api("GET", "/api/review/visits?limit=1").json()["items"][0]["id"]
    page, problems = console_as("admin")
    held: list[Any] = []
    page.route(f"**/api/review/visits/{visit_id}", lambda route: held.append(route))
    page.goto(live_server.url(f"/console/#/review/{visit_id}"))
    page.wait_for_selector(".page-body .loading")
    page.goto(live_server.url("/console/#/waves"))
    page.wait_for_selector(".data-table")
    assert len(held) == 1

    held[0].continue_()  # the visit page, left already, gets its visit now
    page.wait_for_timeout(500)
    assert page.locator(".visit-page").count() == 0, "the visit page was drawn over the wave list"
    assert page.locator(".data-table").count() == 1
    problems.expect_none()
