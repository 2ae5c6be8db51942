"""Supervisor review in a real browser (issue 5): a visit made through the sync API by a demo surveyor is approved
from the queue with the keyboard, another is returned with a comment on one indicator — refused until a comment is
written — and reaches the surveyor's list of returned visits, and a decision taken on a page that another supervisor
has overtaken is refused with a way to reload. Every outcome is checked through the API, not only on screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LiveServer
from tests.e2e.review.fieldwork import PHOTO_INDICATORS, submit_visit

pytestmark = pytest.mark.e2e

MAX_QUEUE_STEPS = 200


def _review(live_server: LiveServer, visit_id: str, username: str = "supervisor1") -> dict[str, Any]:
    answer = live_server.api("GET", f"/api/review/visits/{visit_id}", username)
    answer.raise_for_status()
    return dict(answer.json())


def _indonesian_distance(metres: float) -> str:
    """A distance as the console writes it in Bahasa Indonesia: "995 m", "12 km", "1.234,5 km"."""
    if metres < 1000:
        return f"{round(metres)} m"
    text = f"{round(metres / 1000, 1):,.1f}".removesuffix(".0")
    return text.translate(str.maketrans(",.", ".,")) + " km"


def _select_with_j(page: Any, visit_id: str) -> None:
    """Press j until the queue's selected row is the visit's (the queue holds other tests' visits too)."""
    for _ in range(MAX_QUEUE_STEPS):
        page.keyboard.press("j")
        if page.locator(f"tr.row-selected[data-visit='{visit_id}']").count():
            return
    raise AssertionError(f"j never reached the row of visit {visit_id}")


def test_a_supervisor_approves_a_visit_from_the_queue_with_the_keyboard(console_as, live_server, demo_wave_id, shoot):
    visit = submit_visit(live_server, "surveyor1", region="Kabupaten Cirebon", quality=0.9)
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review?wave={demo_wave_id}"))
    row = page.wait_for_selector(f"tr[data-visit='{visit.id}']")
    assert row.get_attribute("data-status") == "submitted"
    assert page.locator(".chip-row a.count-chip[data-status='submitted'] .count-chip-n").inner_text() != "0"
    shoot(page, "queue", full_page=False)

    _select_with_j(page, visit.id)
    page.keyboard.press("Enter")
    page.wait_for_selector(f".visit-page[data-visit='{visit.id}']")
    page.wait_for_selector(f".answer-photos img[src^='blob:'] >> nth={len(PHOTO_INDICATORS) - 1}")
    assert page.locator(".answer-row").count() == len(_review(live_server, visit.id)["answers"])
    shoot(page, "visit", full_page=False)
    page.keyboard.press("a")

    page.wait_for_selector(f".visit-page:not([data-visit='{visit.id}']), .data-table")
    stored = _review(live_server, visit.id)
    assert stored["status"] == "approved"
    assert [(r["decision"], r["revision"]) for r in stored["reviews"]] == [("approve", 1)]
    problems.expect_none()


def test_the_lightbox_steps_through_a_visits_photos_with_the_arrow_keys(console_as, live_server, shoot):
    visit = submit_visit(live_server, "surveyor1", region="Kabupaten Cirebon")
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review/{visit.id}"))
    page.click(f".answer-row[data-indicator='{PHOTO_INDICATORS[0]}'] button.thumb")
    page.wait_for_selector("dialog.lightbox img.lightbox-image[src^='blob:']")
    assert page.locator(".lightbox-position").inner_text().startswith("Foto 1 dari 3")

    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".lightbox-position:has-text('Foto 2 dari 3')")
    page.keyboard.press("+")
    page.wait_for_selector(".lightbox-stage.zoomed")
    assert page.locator(".lightbox-zoom-level").inner_text() == "150%"
    assert PHOTO_INDICATORS[1] in page.locator(".lightbox-title").inner_text()
    shoot(page, "lightbox", full_page=False)
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog.lightbox", state="detached")
    problems.expect_none()


def test_what_a_flag_measured_is_worded_in_the_reviewers_language(console_as, live_server, shoot):
    visit = submit_visit(live_server, "surveyor1", region="Kabupaten Cirebon", far_away=True)
    outside = next(f for f in _review(live_server, visit.id)["flags"] if f["code"] == "geo.outside")
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review/{visit.id}"))
    measured = page.locator(".flag-item[data-flag='geo.outside'] .flag-measured li")

    measured.wait_for()
    assert measured.inner_text().startswith(
        f"Posisi terdekat {_indonesian_distance(outside['facts']['distance_m'])} dari unit "
    )
    assert f"(geofence {outside['facts']['geofence_m']} m, akurasi " in measured.inner_text()
    shoot(page, "flag-measured", full_page=False)
    page.click("button.language-button[lang='en']")
    page.wait_for_selector(".flag-item[data-flag='geo.outside'] .flag-measured li:has-text('Nearest position ')")
    assert outside["detail"].startswith("Nearest position ")
    problems.expect_none()


def test_returning_needs_a_comment_and_the_surveyor_sees_the_indicator_comment(console_as, live_server, shoot):
    visit = submit_visit(live_server, "surveyor2", region="Kabupaten Cirebon", quality=0.6)
    comment = "Foto persyaratan buram; ambil ulang dari dekat."
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review/{visit.id}"))
    page.wait_for_selector(f".visit-page[data-visit='{visit.id}']")

    page.keyboard.press("r")
    page.wait_for_selector(".decision-bar .alert-warning")
    shoot(page, "return-without-comment", full_page=False)
    assert _review(live_server, visit.id)["status"] == "submitted", "a return without a comment was sent"

    page.fill("#comment-B01", comment)
    page.keyboard.press("Escape")  # leave the comment box: the shortcuts work again
    page.keyboard.press("r")
    page.wait_for_selector(f".visit-page:not([data-visit='{visit.id}']), .data-table")

    returned = live_server.api("GET", "/api/me/visits", "surveyor2", params={"status": "returned"}).json()
    mine = next(item for item in returned if item["id"] == visit.id)
    assert mine["status"] == "returned"
    assert mine["review"]["decision"] == "return"
    assert mine["review"]["indicator_comments"] == [{"indicator": "B01", "text": comment}]
    problems.expect_none()


def test_a_decision_on_a_visit_someone_else_decided_is_refused_with_a_reload(console_as, live_server, shoot):
    visit = submit_visit(live_server, "surveyor3", region="Kabupaten Cirebon")
    page, problems = console_as("supervisor1")
    page.goto(live_server.url(f"/console/#/review/{visit.id}"))
    page.wait_for_selector(f".visit-page[data-visit='{visit.id}'][data-status='submitted']")
    decided = live_server.api(
        "POST", f"/api/review/visits/{visit.id}/decision", "admin", json={"decision": "approve", "revision": 1}
    )
    decided.raise_for_status()

    page.fill("#decision-comment", "Jawaban B02 tidak sesuai foto.")
    page.click("#decide-return")
    conflict = page.wait_for_selector("#decision-conflict")
    assert "disetujui" in conflict.inner_text()
    assert page.locator("#decide-approve").is_disabled()
    shoot(page, "conflict", full_page=False)
    assert _review(live_server, visit.id)["status"] == "approved", "the stale return overwrote the approval"

    page.click("#decision-reload")
    page.wait_for_selector(f".visit-page[data-visit='{visit.id}'][data-status='approved']")
    assert page.locator(".history [data-decision='approve']").count() == 1
    problems.expect_none()
