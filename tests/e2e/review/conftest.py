"""The review console's browser fixtures, on top of tests/e2e/conftest.py: a console page logged in as a demo user,
the demo wave, and screenshots saved under artifacts/screenshots/review/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, PageProblems

SHOTS = "review"
DEMO_WAVE_NAME = "Penilaian Kepatuhan 2021"


@pytest.fixture
def console_as(
    new_page: Callable[..., tuple[Any, PageProblems]], live_server: LiveServer
) -> Callable[..., tuple[Any, PageProblems]]:
    """console_as("supervisor1") → a page logged in to the console, and the problems it reports."""

    def open_console(username: str, **viewport: Any) -> tuple[Any, PageProblems]:
        page, problems = new_page(**viewport)
        page.goto(live_server.url("/console/#/login"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", live_server.logins[username])
        page.click("form button[type=submit]")
        page.wait_for_selector(".nav-link.active")
        return page, problems

    return open_console


@pytest.fixture
def demo_wave_id(live_server: LiveServer) -> str:
    waves = live_server.api("GET", "/api/admin/waves").json()
    return str(next(wave["id"] for wave in waves if wave["name"] == DEMO_WAVE_NAME))


@pytest.fixture
def shoot(screenshot: Callable[..., Any]) -> Callable[..., Any]:
    return lambda page, name, **options: screenshot(page, SHOTS, name, **options)
