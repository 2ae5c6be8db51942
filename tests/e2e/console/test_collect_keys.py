"""ODK Collect keys in the console: a supervisor issues a surveyor's key and sees the settings QR code Collect scans."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_key_is_issued_and_its_qr_code_is_shown_once(console_as, live_server, shoot):
    page, problems = console_as("admin")
    page.goto(live_server.url("/console/#/review"))
    page.click("a[href='#/collect']")
    row = page.locator(".data-table tbody tr").first
    row.wait_for()

    row.locator(".row-actions button").first.click()

    qr = page.locator("dialog .collect-qr")
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
    assert "/api/openrosa/" in page.locator("dialog .collect-url").text_content()
    shoot(page, "collect-key-qr", full_page=False)
    page.click("dialog .dialog-close")
    assert row.locator(".badge").inner_text() != ""
    problems.expect_none()
