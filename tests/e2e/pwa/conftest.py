"""The phone app's browser fixtures, on top of tests/e2e/conftest.py.

  pwa_server — a demo server of the phone tests' own (they stop and restart it; other suites share live_server),
               with `stopped()` to take it down for a while on the same port
  phone      — a factory for surveyors' phones: a persistent Chromium profile in tmp at 360×640 (or `viewport`),
               geolocation granted and overridden, closable and relaunchable on the same profile, offline at will;
               `background_sync=True` grants Background Sync as Chrome does for every site (Playwright denies it).
               Without it the service worker never sends: Chromium fires a sync at once whatever the emulated
               network says, and its attempt would change the records a test compares across a restart.
  photo_file — small JPEGs drawn per test, each different, for the many required photos of a full visit

Every page of a phone records script errors and Content-Security-Policy refusals (`phone.problems`).
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import CHROMIUM_ARGS, LiveServer, PageProblems, ServerProcess, _is_problem, run_demo

SHOTS = "pwa"
PHONE_VIEWPORT = {"width": 360, "height": 640}
INSTRUMENT_PATH = "/api/instruments/ombudsman-kepatuhan/1"
SYNC_TIMEOUT_MS = 90_000

# Reads the stores named in pwa/README.md straight from IndexedDB, without the app's own db.js.
READ_STORE_JS = """async (store) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('sidak');
    request.onupgradeneeded = () => request.transaction.abort(); // never create the app's database
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    const rows = await new Promise((resolve, reject) => {
      const request = db.transaction(store, 'readonly').objectStore(store).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    // Blobs cannot cross into Python: keep their size and type.
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key,
      value instanceof Blob ? { blob_size: value.size, blob_type: value.type } : value])));
  } finally {
    db.close();
  }
}"""


def wait_until(page: Any, expression: str, timeout_s: float = 20.0) -> None:
    """Polls a JavaScript expression until it is true. page.wait_for_function would eval() it in the page, which
    the app's Content-Security-Policy forbids once the first check fails; page.evaluate is not subject to it."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        time.sleep(0.1)


# The outbox records last_sync_at only after a whole pass, pull included (the list shows "idle" before it starts).
HAS_SYNCED_JS = """() => new Promise((resolve) => {
  const request = indexedDB.open('sidak');
  request.onupgradeneeded = () => request.transaction.abort(); // never create the app's database
  request.onerror = () => resolve(false);
  request.onsuccess = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains('meta')) { db.close(); resolve(false); return; }
    const read = db.transaction('meta', 'readonly').objectStore('meta').get('last_sync_at');
    read.onsuccess = () => { db.close(); resolve(Boolean(read.result)); };
    read.onerror = () => { db.close(); resolve(false); };
  };
})"""


class PwaServer:
    """The phone tests' server: the LiveServer API helpers plus stopping and starting the process."""

    def __init__(self, process: ServerProcess, logins: dict[str, str]) -> None:
        self.process = process
        self.live = LiveServer(process.base_url, process.data_dir, logins)

    @property
    def base_url(self) -> str:
        return self.live.base_url

    def api(self, method: str, path: str, username: str = "admin", **kwargs: Any) -> Any:
        answer = self.live.api(method, path, username, **kwargs)
        assert answer.status_code < 400, f"{method} {path} as {username}: {answer.status_code} {answer.text}"
        return answer.json()

    @contextmanager
    def stopped(self) -> Iterator[None]:
        self.process.stop()
        try:
            yield
        finally:
            self.process.start()


@pytest.fixture(scope="package")
def pwa_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[PwaServer]:
    data_dir = tmp_path_factory.mktemp("pwa-data")
    logins = run_demo(data_dir)
    process = ServerProcess(data_dir)
    process.start()
    try:
        yield PwaServer(process, logins)
    finally:
        process.stop()


@pytest.fixture(scope="package")
def instrument(pwa_server: PwaServer) -> dict[str, Any]:
    return dict(pwa_server.api("GET", INSTRUMENT_PATH, "surveyor1"))


class Phone:
    """One surveyor's phone. Closing it and opening it again keeps its profile: service worker, caches, IndexedDB."""

    def __init__(
        self,
        browser_type: Any,
        chromium_path: Path,
        profile_dir: Path,
        server: PwaServer,
        shoot: Callable[..., Path],
        name: str,
        *,
        background_sync: bool = False,
        viewport: dict[str, int] | None = None,
    ) -> None:
        self._browser_type = browser_type
        self._chromium_path = chromium_path
        self._profile_dir = profile_dir
        self._shoot = shoot
        self._name = name
        self._permissions = ["geolocation", "background-sync"] if background_sync else ["geolocation"]
        self.viewport = viewport or PHONE_VIEWPORT
        self.server = server
        self.position = {"latitude": -6.7, "longitude": 108.5, "accuracy": 20.0}
        self.is_offline = False
        self.context: Any = None
        self.page: Any = None
        self.problems = PageProblems()

    def open(self, *, offline: bool | None = None, init_script: str | None = None) -> Any:
        """Starts the browser on this phone's profile and opens the app; `offline` cuts the network first;
        `init_script` runs in every page before the app's own scripts (to emulate what a browser lacks)."""
        if offline is not None:
            self.is_offline = offline
        self.context = self._browser_type.launch_persistent_context(
            str(self._profile_dir),
            executable_path=str(self._chromium_path),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=self.viewport,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            permissions=self._permissions,
            geolocation=self.position,
            service_workers="allow",
        )
        self.context.set_offline(self.is_offline)
        if init_script is not None:
            self.context.add_init_script(init_script)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.on(
            "console",
            lambda message: (
                self.problems.errors.append(f"console {message.type}: {message.text}") if _is_problem(message) else None
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.errors.append(f"page error: {error}"))
        self.page.goto(self.server.base_url + "/")
        return self.page

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = None
        self.page = None

    def set_offline(self, offline: bool) -> None:
        self.is_offline = offline
        self.context.set_offline(offline)

    def move_to(self, lat: float, lon: float, accuracy_m: float) -> None:
        self.position = {"latitude": lat, "longitude": lon, "accuracy": accuracy_m}
        if self.context is not None:
            self.context.set_geolocation(self.position)

    def log_in(self, username: str) -> None:
        self.page.fill("[data-testid=login-username]", username)
        self.page.fill("[data-testid=login-password]", self.server.live.logins[username])
        self.shoot("login")
        self.page.click("[data-testid=login-submit]")
        self.page.wait_for_selector("[data-testid=assignment-list] li")

    def wait_until_installed(self) -> None:
        """The shell is precached and controls this page, and the first pull (assignments, instrument) is stored."""
        wait_until(self.page, "navigator.serviceWorker.controller !== null")
        wait_until(self.page, HAS_SYNCED_JS)
        self.page.wait_for_selector("[data-testid=sync-status][data-state=idle]")

    def wait_for_state(self, visit_id: str, state: str, timeout_ms: int = SYNC_TIMEOUT_MS) -> None:
        """Waits on the assignment list until the visit's badge shows `state`; says why not when it never does."""
        try:
            self.page.wait_for_selector(f"[data-testid=visit-state-{visit_id}][data-state={state}]", timeout=timeout_ms)
        except PlaywrightTimeout:
            visit = self.visit_record(visit_id)
            status = self.page.locator("[data-testid=sync-status]")
            log_tail = self.server.process.log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"visit {visit_id} never became {state}: it is {visit['state']}, sync {visit['sync']}; outbox says "
                f"{status.text_content() if status.count() else '?'}\nserver log:\n{log_tail}"
            ) from None

    def records(self, store: str) -> list[dict[str, Any]]:
        return list(self.page.evaluate(READ_STORE_JS, store))

    def visit_record(self, visit_id: str) -> dict[str, Any]:
        return next(visit for visit in self.records("visits") if visit["id"] == visit_id)

    def photo_records(self, visit_id: str) -> list[dict[str, Any]]:
        return sorted(
            (photo for photo in self.records("photos") if photo["visit_id"] == visit_id),
            key=lambda photo: str(photo["id"]),
        )

    def shoot(self, name: str, *, full_page: bool = False) -> Path:
        return self._shoot(self.page, SHOTS, f"{self._name}-{name}", full_page=full_page)


@pytest.fixture
def phone(
    browser: Any, chromium_path: Path, pwa_server: PwaServer, tmp_path: Path, screenshot: Callable[..., Path]
) -> Iterator[Callable[..., Phone]]:
    """phone("geo") → a phone with a fresh profile; its screenshots are artifacts/screenshots/pwa/geo-*.png."""
    phones: list[Phone] = []

    def make(name: str, *, background_sync: bool = False, viewport: dict[str, int] | None = None) -> Phone:
        profile_dir = tmp_path / f"profile-{len(phones)}"
        made = Phone(
            browser.browser_type,
            chromium_path,
            profile_dir,
            pwa_server,
            screenshot,
            name,
            background_sync=background_sync,
            viewport=viewport,
        )
        phones.append(made)
        return made

    yield make
    for made in phones:
        made.close()


def drawn_photo(label: str, seed: int) -> bytes:
    """A 400×300 JPEG of a notice on a wall, different for every seed, with no EXIF (like a screenshot)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (400, 300), tuple(rng.randint(60, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 360), rng.randint(0, 260)
        draw.rectangle(
            (x, y, x + rng.randint(20, 160), y + rng.randint(8, 80)), fill=tuple(rng.randint(0, 255) for _ in range(3))
        )
    draw.text((20, 20), label, fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def photo_file(request: pytest.FixtureRequest) -> Callable[[str], dict[str, Any]]:
    """photo_file("B01") → a file payload for set_input_files, unique to this test and label."""
    base_seed = random.Random(request.node.nodeid).randrange(1 << 30)

    def make(label: str) -> dict[str, Any]:
        seed = base_seed + sum(ord(ch) * 31**i for i, ch in enumerate(label))
        return {"name": f"{label}.jpg", "mimeType": "image/jpeg", "buffer": drawn_photo(label, seed)}

    return make
