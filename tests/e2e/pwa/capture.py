"""Driving the phone app's screens the way a surveyor does: start a visit, answer every indicator by its type, take
the required photos through the file input, finish, and wait for the outbox. Test ids are pwa/README.md's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

PhotoSource = Callable[[str], Any]  # indicator id → what set_input_files takes (a path or a file payload)

TEXT_ANSWER = "Petugas ramah; antrean tertib."
NUMBER_ANSWER = "12"


def indicators(instrument: dict[str, Any]) -> list[dict[str, Any]]:
    return [indicator for dimension in instrument["dimensions"] for indicator in dimension["indicators"]]


def required_photo_indicators(instrument: dict[str, Any], not_applicable: Iterable[str] = ()) -> list[str]:
    skipped = set(not_applicable)
    return [indicator["id"] for indicator in indicators(instrument)
            if indicator.get("photo") == "required" and indicator["id"] not in skipped]


def start_visit(page: Any, assignment_id: str) -> str:
    page.click(f"[data-testid=start-visit-{assignment_id}]")
    screen = page.wait_for_selector("[data-testid=capture-screen][data-state=draft]")
    return str(screen.get_attribute("data-visit-id"))


def answer(page: Any, indicator: dict[str, Any], position: int) -> Any:
    """Answers one indicator in the way its type asks; returns the value the visit document should carry."""
    ident, kind = indicator["id"], indicator["type"]
    if kind == "yes_no":
        value = position % 3 != 0
        page.click(f"[data-testid=answer-{ident}-{'yes' if value else 'no'}]")
        return value
    if kind == "scale_0_3":
        value = 3 - position % 4
        page.click(f"[data-testid=answer-{ident}-{value}]")
        return value
    if kind == "choice":
        value = indicator["choices"][-1]["value"]
        page.click(f"[data-testid=answer-{ident}-{value}]")
        return value
    text = NUMBER_ANSWER if kind == "number" else TEXT_ANSWER
    page.fill(f"[data-testid=answer-{ident}]", text)
    return float(text) if kind == "number" else text


def take_photo(page: Any, indicator_id: str, source: Any) -> str:
    """Chooses a photo for an indicator and waits until the phone has processed and stored it; returns the status."""
    status = f"[data-testid=photo-status-{indicator_id}]"
    page.set_input_files(f"[data-testid=photo-input-{indicator_id}]", source)
    page.wait_for_selector(f"{status}[data-state=saved], {status}[data-state=warning], {status}[data-state=error]")
    state = str(page.get_attribute(status, "data-state"))
    assert state != "error", f"photo for {indicator_id}: {page.text_content(status)}"
    return state


def capture_everything(page: Any, instrument: dict[str, Any], photo_for: PhotoSource, *,
                       not_applicable: Iterable[str] = (), notes: dict[str, str] | None = None) -> dict[str, Any]:
    """Answers every indicator (or marks it not applicable) and takes every required photo.

    Returns {indicator id: value} with None for "not applicable"."""
    skipped = set(not_applicable)
    notes = notes or {}
    values: dict[str, Any] = {}
    for position, indicator in enumerate(indicators(instrument)):
        ident = indicator["id"]
        if ident in skipped:
            assert indicator.get("allow_na"), f"{ident} does not allow 'not applicable'"
            page.click(f"[data-testid=answer-{ident}-na]")
            values[ident] = None
        else:
            values[ident] = answer(page, indicator, position)
        if ident in notes:
            page.click(f"[data-testid=note-toggle-{ident}]")
            page.fill(f"[data-testid=note-{ident}]", notes[ident])
        if indicator.get("photo") == "required" and ident not in skipped:
            take_photo(page, ident, photo_for(ident))
    return values


def finish(page: Any) -> None:
    """Taps "finish" on a complete visit and waits for the assignment list."""
    page.click("[data-testid=finish-visit]")
    page.wait_for_selector("[data-testid=assignment-list]")
    toast = page.locator("#toast")
    if toast.is_visible():
        toast.click()  # a tap dismisses the confirmation, which would hide the top of every later screenshot
