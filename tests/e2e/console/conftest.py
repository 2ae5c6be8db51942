"""The console's browser fixtures, on top of tests/e2e/conftest.py: a page logged in as a demo user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, PageProblems

SHOTS = "console"


def log_in(page: Any, live_server: LiveServer, username: str) -> None:
    page.goto(live_server.url("/console/#/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", live_server.logins[username])
    page.click("form button[type=submit]")


@pytest.fixture
def console_as(new_page: Callable[..., tuple[Any, PageProblems]],
               live_server: LiveServer) -> Callable[..., tuple[Any, PageProblems]]:
    """console_as("admin") → a page on the console's home page, logged in, and the problems it reports."""

    def open_console(username: str, **viewport: Any) -> tuple[Any, PageProblems]:
        page, problems = new_page(**viewport)
        log_in(page, live_server, username)
        page.wait_for_selector(".nav-link.active")
        return page, problems

    return open_console


@pytest.fixture
def shoot(screenshot: Callable[..., Any]) -> Callable[..., Any]:
    return lambda page, name, **options: screenshot(page, SHOTS, name, **options)
