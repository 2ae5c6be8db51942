"""Browser tests drive the real app: `sidak demo` fills a fresh data dir, uvicorn serves it on a free loopback port in
a subprocess, and Playwright drives Debian's Chromium (/usr/bin/chromium; never a downloaded browser). Without that
Chromium the tests are skipped with the reason printed.

Fixtures shared by the console's and the phone app's browser tests:
  live_server  — the running server: base_url, data_dir, logins {username: password}
  browser      — one headless Chromium for the session
  new_page     — a factory for pages (in Asia/Jakarta unless told another timezone_id) that record console errors,
                 page errors and CSP violations, and that cannot reach anything but the live server (map tiles and
                 the like fail, as on a closed network)
  screenshot   — save a PNG into artifacts/screenshots/<folder>/ (git-ignored) and return its path
and, for suites that need a server of their own (the phone app's stops and restarts one): run_demo, ServerProcess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import free_port, server_env, wait_until_serving

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
SERVER_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    data_dir: Path
    logins: dict[str, str]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def token(self, username: str) -> str:
        """An access token for a demo user, for checks made through the API beside the browser."""
        answer = httpx.post(
            self.url("/api/auth/login"), json={"username": username, "password": self.logins[username]}, timeout=30
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def api(self, method: str, path: str, username: str = "admin", **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        return httpx.request(method, self.url(path), headers=headers, timeout=30, **kwargs)


@dataclass
class PageProblems:
    """What a page reported that a user must never meet: script errors and Content-Security-Policy refusals."""

    errors: list[str] = field(default_factory=list)

    def expect_none(self) -> None:
        assert not self.errors, "the page reported:\n" + "\n".join(self.errors)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return CHROMIUM


def run_demo(data_dir: Path) -> dict[str, str]:
    """`sidak demo` into ``data_dir``; returns the demo logins {username: password}."""
    subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"],
        cwd=REPO_ROOT,
        env=server_env(data_dir),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dict(json.loads((data_dir / "demo-logins.json").read_text()))


class ServerProcess:
    """uvicorn serving one data dir on one loopback port. stop() and start() again keep the port, so a browser
    profile (its service worker, its IndexedDB) still belongs to the same origin after a restart."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.is_running:
            return
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "server.app:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                cwd=REPO_ROOT,
                env=server_env(self.data_dir),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_serving(
                self.base_url,
                self._process,
                lambda: self.log_path.read_text()[-4000:],
                timeout_s=SERVER_START_TIMEOUT_S,
            )
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    logins = run_demo(data_dir)
    server = ServerProcess(data_dir)
    server.start()
    try:
        yield LiveServer(server.base_url, data_dir, logins)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _is_problem(message: Any) -> bool:
    text = message.text
    if "Content Security Policy" in text or "Refused to" in text:
        return True
    # "Failed to load resource" is the browser logging an HTTP error answer (a 401, a 404, a 422) or a blocked
    # outside request; the app shows those to the user itself, so they are not script errors.
    return message.type == "error" and not text.startswith("Failed to load resource")


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., tuple[Any, PageProblems]]]:
    contexts = []

    def open_page(
        width: int = 1366, height: int = 768, locale: str = "id-ID", timezone_id: str = "Asia/Jakarta"
    ) -> tuple[Any, PageProblems]:
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, timezone_id=timezone_id
        )
        contexts.append(context)
        # Only the live server is reachable: map tiles and any other outside request fail at once.
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(live_server.base_url)
                or route.request.url.startswith(("data:", "blob:"))
                else route.abort()
            ),
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems()
        page.on(
            "console",
            lambda message: (
                problems.errors.append(f"console {message.type}: {message.text}") if _is_problem(message) else None
            ),
        )
        page.on("pageerror", lambda error: problems.errors.append(f"page error: {error}"))
        return page, problems

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def run_module(
    new_page: Callable[..., tuple[Any, PageProblems]], live_server: LiveServer
) -> Iterator[Callable[[str, str], Any]]:
    """Run ``body`` in the browser with ``m`` bound to one of the console's ES modules (no build step, no Node
    test runner): the console's pure helpers are tested as the very files the browser loads."""
    page, problems = new_page()
    page.goto(live_server.url("/console/#/login"))
    page.wait_for_selector("input[name=username]")

    def run(module: str, body: str) -> Any:
        return page.evaluate(f"async () => {{ const m = await import('/console/js/{module}'); {body} }}")

    yield run
    problems.expect_none()


@pytest.fixture
def screenshot() -> Callable[[Any, str, str], Path]:
    def save(page: Any, folder: str, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOT_DIR / folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
