"""What a supervisor finds after `sidak demo`: visits waiting in the open wave, clean and flagged, and the evidence
behind a flag — the photo reused from the last survey, in the viewer."""

from __future__ import annotations

from server.demo.stories import STORIES
from tests.e2e.review.conftest import DEMO_WAVE_NAME

REUSED = next(story for story in STORIES if "photo.reused" in story.flags)


def test_the_supervisor_finds_clean_and_flagged_demo_visits_and_the_reused_photo(
    console_as, live_server, demo_wave_id, shoot
):
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review?wave={demo_wave_id}"))
    page.wait_for_selector("tr[data-visit]")

    assert DEMO_WAVE_NAME in page.locator("select").first.inner_text()
    assert page.locator("tr[data-visit][data-status='submitted']").count() >= 10
    assert page.locator(".chip-row a[data-flag]").count() >= 10  # a filter chip for every kind of flag
    shoot(page, "demo-queue", full_page=False)

    page.click(f"tr[data-visit] a:has-text('{REUSED.unit}')")
    page.wait_for_selector(".flag-item[data-flag='photo.reused']")
    page.click(".answer-row[data-indicator='A01'] button.thumb")
    page.wait_for_selector("dialog.lightbox img.lightbox-image[src^='blob:']")

    assert "2020" in page.locator("dialog.lightbox").inner_text()  # taken in the last survey, a year before
    shoot(page, "demo-reused-photo", full_page=False)
    problems.expect_none()
