"""The phone's screens as a surveyor sees them at 360×740: the list of what blocks finishing is read from its heading
and is grouped, not a wall; no section chip is wider than the screen; English counts say "1 point"; the list and
the settings say the same about unsent visits; and nothing on any screen is wider than the screen."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.pwa.capture import start_visit
from tests.e2e.pwa.conftest import PwaServer

pytestmark = pytest.mark.e2e

SCREEN = {"width": 360, "height": 740}
SHOWN_PER_DIMENSION = 3  # pwa/js/views/capture-missing.js

# Whether an element is on screen below the sticky header and status bar, not under them.
IS_BELOW_STICKY_BARS_JS = """(selector) => {
  const bars = Math.max(...[...document.querySelectorAll('.topbar, .statusbar')]
    .map((bar) => bar.getBoundingClientRect().bottom));
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.height > 0 && box.top >= bars && box.top < innerHeight;
}"""

# Every element wider than the screen, or reaching past its right edge, outside a strip meant to scroll sideways.
OVERFLOWING_JS = """() => [...document.querySelectorAll('body *')]
  .filter((element) => element.getClientRects().length && !element.closest('.dimension-nav'))
  .filter((element) => element.getBoundingClientRect().right > innerWidth + 0.5)
  .map((element) => element.dataset.testid || element.className || element.tagName)"""


def wait_until_still(page: Any, timeout_s: float = 10.0) -> None:
    """Waits until the page stops scrolling (scrolling is smooth: on its way, a target passes through the screen)."""
    deadline = time.monotonic() + timeout_s
    positions = [page.evaluate("scrollY")]
    while len(positions) < 4 or len(set(positions[-4:])) > 1:
        assert time.monotonic() < deadline, f"still scrolling after {timeout_s} s"
        time.sleep(0.1)
        positions.append(page.evaluate("scrollY"))


def a_phone_in_a_visit(phone: Any, pwa_server: PwaServer, name: str, surveyor: str = "surveyor1") -> tuple[Any, Any]:
    """A phone at 360×740, logged in, with a visit just started on the surveyor's first assignment."""
    device = phone(name, viewport=SCREEN)
    page = device.open()
    device.log_in(surveyor)
    device.wait_until_installed()
    first = page.get_attribute("[data-testid^=assignment-][data-assignment-id]", "data-assignment-id")
    start_visit(page, str(first))
    page.wait_for_selector("[data-testid=gps-bar][data-accuracy-m]")
    return device, page


def test_finishing_with_things_missing_shows_the_lists_heading_below_the_sticky_bars_grouped_by_dimension(
    phone, pwa_server, instrument
):
    device, page = a_phone_in_a_visit(phone, pwa_server, "missing")
    page.click("[data-testid=answer-A01-yes]")

    page.click("[data-testid=finish-visit]")

    page.wait_for_selector("[data-testid=missing-list]:not([hidden])")
    wait_until_still(page)
    assert page.evaluate(IS_BELOW_STICKY_BARS_JS, "[data-testid=missing-list] h2"), "the heading is under the bars"
    assert page.evaluate("document.activeElement.id") == "missing-title"
    required = [
        indicator
        for dimension in instrument["dimensions"]
        for indicator in dimension["indicators"]
        if indicator.get("required") or indicator.get("photo") == "required"
    ]
    assert page.text_content("#missing-title") == f"Belum bisa selesai: {len(required)} indikator belum lengkap"
    groups = page.locator("[data-testid^=missing-group-]")
    assert groups.count() == len(instrument["dimensions"])
    shown = page.locator("[data-testid^=missing-group-] li")
    assert shown.count() == SHOWN_PER_DIMENSION * len(instrument["dimensions"]), "a wall of links"
    first = page.locator("[data-testid=missing-A01]")
    assert first.inner_text().endswith("foto"), "A01 is answered: only its photo is missing"
    assert page.locator("[data-testid=missing-A01-answer]").count() == 0
    device.shoot("missing-list")

    in_a = len([item for item in instrument["dimensions"][0]["indicators"] if item in required])
    page.click("[data-testid=missing-more-A]")
    assert page.locator("[data-testid=missing-group-A] li").count() == in_a
    page.click("[data-testid=missing-A02]")
    wait_until_still(page)
    assert page.evaluate(IS_BELOW_STICKY_BARS_JS, "[data-testid=indicator-A02] h3"), "A02 is under the sticky bars"
    assert page.evaluate("document.activeElement.name") == "answer-A02"
    device.problems.expect_none()


def test_no_section_chip_is_wider_than_the_screen(phone, pwa_server, instrument):
    device, page = a_phone_in_a_visit(phone, pwa_server, "chips")

    chips = page.eval_on_selector_all(
        ".dimension-nav .chip", "chips => chips.map((chip) => chip.getBoundingClientRect().toJSON())"
    )

    assert len(chips) == len(instrument["dimensions"])
    assert all(chip["width"] <= SCREEN["width"] - 24 for chip in chips), [chip["width"] for chip in chips]
    assert chips[0]["left"] >= 0 and chips[0]["right"] <= SCREEN["width"], "the first chip runs off the screen"
    device.shoot("chips")
    device.problems.expect_none()


def test_english_says_one_point_and_one_photo(phone, pwa_server, photo_file):
    device, page = a_phone_in_a_visit(phone, pwa_server, "english")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("[data-testid=capture-screen] >> text=Started")

    gps = page.text_content("[data-testid=gps-bar]")
    assert "· 1 point" in gps and "points" not in gps, gps
    page.set_input_files("[data-testid=photo-input-A01]", photo_file("A01"))
    page.wait_for_selector(
        "[data-testid=photo-status-A01][data-state=saved], [data-testid=photo-status-A01][data-state=warning]"
    )
    assert page.text_content("[data-testid=indicator-A01] .photo-label") == "Photo required · 1 photo"
    device.shoot("english")
    device.problems.expect_none()


def test_the_list_and_the_settings_say_the_same_about_a_visit_not_finished(phone, pwa_server):
    device, page = a_phone_in_a_visit(phone, pwa_server, "unsent")
    page.click("[data-testid=nav-back]")
    page.wait_for_selector("[data-testid=assignment-list] li")

    status = page.text_content("[data-testid=sync-status]")
    on_the_list = page.text_content("[data-testid=unsent-work]")
    device.shoot("list-with-draft")
    page.click("[data-testid=nav-settings]")
    on_settings = page.text_content("[data-testid=unsent-work]")

    assert not status.startswith("Semua terkirim"), status
    assert on_the_list == on_settings == "Belum terkirim: 1 kunjungan belum selesai."
    device.shoot("settings-with-draft", full_page=True)
    device.problems.expect_none()


def test_no_screen_is_wider_than_the_phone(phone, pwa_server):
    device = phone("screens", viewport=SCREEN)
    page = device.open()
    overflowing: dict[str, list[str]] = {}

    def look(name: str) -> None:
        overflowing[name] = page.evaluate(OVERFLOWING_JS)
        device.shoot(name, full_page=True)

    page.wait_for_selector("[data-testid=login-form]")
    look("login")
    device.log_in("surveyor2")
    device.wait_until_installed()
    look("list")
    first = page.get_attribute("[data-testid^=assignment-][data-assignment-id]", "data-assignment-id")
    start_visit(page, str(first))
    look("capture")
    page.click("[data-testid=finish-visit]")
    page.wait_for_selector("[data-testid=missing-list]:not([hidden])")
    look("capture-missing")
    page.click("[data-testid=nav-settings]")
    page.wait_for_selector("[data-testid=logout]")
    look("settings")
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("[data-testid=logout] >> text=Sign out")
    look("settings-english")
    page.click("[data-testid=nav-back]")
    page.wait_for_selector("[data-testid=assignment-list] li")
    look("list-english")

    assert overflowing == {name: [] for name in overflowing}
    device.problems.expect_none()
