"""The phone app's budgets: Lighthouse performance and accessibility (≥ 95 each, mobile emulation) on the assignment
list and the capture screen, and the app shell's size gzip (≤ 150 KB, a vendored map library excluded).

    .venv/bin/python bench/pwa_budget.py [--runs 3] [--lighthouse-dir ~/.cache/sidak-bench/lighthouse12]

What it does, in order:
1. installs Lighthouse 12.x from the npm registry into --lighthouse-dir once (`npm install --prefix DIR lighthouse@12`);
2. fills a fresh data dir with `sidak demo` and serves it with uvicorn on a free loopback port;
3. makes a logged-in phone: Playwright drives Debian's Chromium on a persistent profile, signs in as surveyor1
   (which installs the service worker and pulls the assignments and the instrument into IndexedDB) and starts a
   visit, then closes the browser;
4. runs Lighthouse (CHROME_PATH=/usr/bin/chromium, --chrome-flags="--headless=new --no-sandbox --disable-gpu
   --user-data-dir=<that profile>", mobile form factor, simulated throttling) on `/#/` and `/#/visit/<id>` with
   --disable-storage-reset, so the session, the assignments and the service worker are those of a surveyor's
   phone; chrome-launcher puts its own --user-data-dir first and Chromium keeps the last one given. The login page
   is measured too, on a fresh profile with storage reset (a first visit over the network), for comparison;
5. gzips (level 9) every file the service worker precaches, as the server sends it, and sums them.

Each Lighthouse page runs --runs times and the median score is reported (the machines are shared and noisy). Exits
1 when a budget is missed, so it can gate a release; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import free_port, server_env, wait_until_serving  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
SCORE_TARGET = 95
SHELL_BUDGET_BYTES = 150 * 1024
# Vendored map libraries are outside the shell budget (the rule); matched on the vendor folder's name.
MAP_LIBRARIES = ("leaflet", "maplibre", "openlayers", "ol-")
SURVEYOR = "surveyor1"
LIGHTHOUSE_TIMEOUT_S = 240
SERVER_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PageRun:
    name: str
    performance: float
    accessibility: float
    final_url: str
    metrics: dict[str, float]
    failed_accessibility: list[str]


# --- Lighthouse ------------------------------------------------------------------------------------------------


def ensure_lighthouse(folder: Path) -> Path:
    binary = folder / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse@12 into {folder} …", flush=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", "lighthouse@12"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    version = json.loads((folder / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    if not version.startswith("12."):
        raise SystemExit(f"{folder} holds lighthouse {version}, not 12.x; remove it or pick another --lighthouse-dir")
    print(f"lighthouse {version}")
    return binary


def run_lighthouse(binary: Path, url: str, out_dir: Path, *, profile: Path | None, name: str) -> PageRun:
    report_path = out_dir / f"{name}-{time.monotonic_ns()}.json"
    chrome_flags = CHROME_FLAGS + (f" --user-data-dir={profile}" if profile else "")
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report_path}",
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        "--throttling-method=simulate",
        f"--chrome-flags={chrome_flags}",
    ]
    if profile:
        command.append("--disable-storage-reset")  # keep the surveyor's session, IndexedDB and service worker
    subprocess.run(
        command,
        check=True,
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
        timeout=LIGHTHOUSE_TIMEOUT_S,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    report = json.loads(report_path.read_text())
    audits = report["audits"]
    metric_ids = (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
        "speed-index",
    )
    failed = [
        audit_ref["id"]
        for audit_ref in report["categories"]["accessibility"]["auditRefs"]
        if audit_ref["weight"] and audits[audit_ref["id"]]["score"] is not None and audits[audit_ref["id"]]["score"] < 1
    ]
    return PageRun(
        name=name,
        performance=100 * (report["categories"]["performance"]["score"] or 0),
        accessibility=100 * (report["categories"]["accessibility"]["score"] or 0),
        final_url=report.get("finalDisplayedUrl") or report.get("finalUrl") or "",
        metrics={metric: float(audits[metric]["numericValue"]) for metric in metric_ids},
        failed_accessibility=failed,
    )


# --- the server -------------------------------------------------------------------------------------------------


@contextmanager
def demo_server(data_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = server_env(data_dir)
    subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    logins = json.loads((data_dir / "demo-logins.json").read_text())
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with (data_dir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(
            base_url, process, lambda: (data_dir / "server.log").read_text()[-3000:], timeout_s=SERVER_START_TIMEOUT_S
        )
        yield base_url, logins
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- a logged-in phone profile ------------------------------------------------------------------------------------

# The outbox writes last_sync_at after a whole pass, the pull of assignments and instruments included.
SYNCED_ONCE_JS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('sidak');
    request.onupgradeneeded = () => request.transaction.abort(); // never create the app's database
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    if (!db.objectStoreNames.contains('meta')) return false;
    return await new Promise((resolve) => {
      const read = db.transaction('meta', 'readonly').objectStore('meta').get('last_sync_at');
      read.onsuccess = () => resolve(Boolean(read.result));
      read.onerror = () => resolve(false);
    });
  } finally {
    db.close();
  }
}"""


def _wait_until(page: Any, expression: str, what: str, timeout_s: float = 30.0) -> None:
    """Polled from Python: page.wait_for_function would eval() in the page, which the app's CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting until {what}")
        time.sleep(0.1)


def seed_phone_profile(profile: Path, base_url: str, password: str) -> str:
    """Signs a surveyor in on a persistent profile and starts a visit; returns the visit id."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
            viewport={"width": 360, "height": 640},
            locale="id-ID",
            timezone_id="Asia/Jakarta",
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{base_url}/")
            page.fill("[data-testid=login-username]", SURVEYOR)
            page.fill("[data-testid=login-password]", password)
            page.click("[data-testid=login-submit]")
            _wait_until(page, "navigator.serviceWorker.controller !== null", "the service worker took control")
            _wait_until(page, SYNCED_ONCE_JS, "the first sync stored the assignments and the instrument")
            page.locator("[data-testid^=start-visit-]").first.click()
            visit_id = str(page.wait_for_selector("[data-testid=capture-screen]").get_attribute("data-visit-id"))
            page.click("[data-testid=nav-back]")  # leaving the screen writes the visit
            page.wait_for_selector("[data-testid=assignment-list]")
        finally:
            context.close()
    return visit_id


# --- the app shell ------------------------------------------------------------------------------------------------


def shell_files() -> list[str]:
    source = (REPO_ROOT / "pwa" / "sw-shell.js").read_text()
    block = re.search(r"const SHELL = \[(.*?)\];", source, re.DOTALL)
    if not block:
        raise SystemExit("pwa/sw-shell.js has no `const SHELL = [...]`")
    return re.findall(r"'([^']+)'", block.group(1))


def is_map_library(path: str) -> bool:
    parts = path.split("/")
    return len(parts) > 1 and parts[0] == "vendor" and parts[1].lower().startswith(MAP_LIBRARIES)


@dataclass(frozen=True)
class ShellFile:
    path: str
    bytes: int
    gzip_bytes: int
    transferred_bytes: int
    content_encoding: str


def measure_shell(base_url: str) -> tuple[list[ShellFile], list[str]]:
    """Each precached file as the server sends it (asked for gzip), and the map-library files left out."""
    files, excluded = [], []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for path in shell_files():
            if is_map_library(path):
                excluded.append(path)
                continue
            answer = client.get("/" + path.removeprefix("./"), headers={"Accept-Encoding": "gzip"})
            answer.raise_for_status()
            files.append(
                ShellFile(
                    path,
                    len(answer.content),
                    len(gzip.compress(answer.content, 9, mtime=0)),
                    answer.num_bytes_downloaded,
                    answer.headers.get("content-encoding", "none"),
                )
            )
    return files, excluded


# --- the report ----------------------------------------------------------------------------------------------------


def median_run(runs: list[PageRun]) -> PageRun:
    """The run with the median performance score (its own accessibility and metrics stay together)."""
    ordered = sorted(runs, key=lambda run: run.performance)
    return ordered[len(ordered) // 2]


def print_page(label: str, runs: list[PageRun], *, is_budgeted: bool) -> bool:
    chosen = median_run(runs)
    accessibility = statistics.median(run.accessibility for run in runs)
    scores = ", ".join(f"{run.performance:.0f}/{run.accessibility:.0f}" for run in runs)
    ok = chosen.performance >= SCORE_TARGET and accessibility >= SCORE_TARGET
    verdict = ("ok" if ok else "MISSED") if is_budgeted else "for comparison"
    print(f"\n{label}  ({chosen.final_url})")
    print(
        f"  performance {chosen.performance:.0f}  accessibility {accessibility:.0f}  — {verdict}"
        f"  [runs perf/a11y: {scores}]"
    )
    metrics = chosen.metrics
    print(
        f"  FCP {metrics['first-contentful-paint']:.0f} ms · LCP {metrics['largest-contentful-paint']:.0f} ms · "
        f"TBT {metrics['total-blocking-time']:.0f} ms · CLS {metrics['cumulative-layout-shift']:.3f} · "
        f"Speed Index {metrics['speed-index']:.0f} ms"
    )
    if chosen.failed_accessibility:
        print(f"  accessibility audits not passed: {', '.join(chosen.failed_accessibility)}")
    return ok or not is_budgeted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median reported)")
    parser.add_argument("--lighthouse-dir", type=Path, default=Path.home() / ".cache" / "sidak-bench" / "lighthouse12")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    if not shutil.which("npm"):
        raise SystemExit("needs npm (Node.js) to install Lighthouse")
    lighthouse = ensure_lighthouse(args.lighthouse_dir)

    with tempfile.TemporaryDirectory(prefix="sidak-pwa-budget-") as scratch:
        scratch_dir = Path(scratch)
        (scratch_dir / "data").mkdir()
        with demo_server(scratch_dir / "data") as (base_url, logins):
            profile = scratch_dir / "phone-profile"
            visit_id = seed_phone_profile(profile, base_url, logins[SURVEYOR])
            pages = [
                ("assignment list (signed in, installed)", f"{base_url}/#/", profile, True),
                ("capture screen (signed in, installed)", f"{base_url}/#/visit/{visit_id}", profile, True),
                ("login page (first visit, nothing cached)", f"{base_url}/#/login", None, False),
            ]
            ok = True
            for label, url, page_profile, is_budgeted in pages:
                runs = [
                    run_lighthouse(lighthouse, url, scratch_dir, profile=page_profile, name=f"page{index}")
                    for index in range(args.runs)
                ]
                if is_budgeted and any(run.final_url.endswith("#/login") for run in runs):
                    raise SystemExit(f"{label}: Lighthouse saw the login page, so the phone was not signed in")
                ok = print_page(label, runs, is_budgeted=is_budgeted) and ok

            files, excluded = measure_shell(base_url)
    gzip_total = sum(file.gzip_bytes for file in files)
    encodings = sorted({file.content_encoding for file in files})
    print(
        f"\napp shell: {len(files)} precached files, {sum(file.bytes for file in files) / 1024:.1f} KB, "
        f"{gzip_total / 1024:.1f} KB gzip -9 — budget {SHELL_BUDGET_BYTES // 1024} KB gzip: "
        f"{'ok' if gzip_total <= SHELL_BUDGET_BYTES else 'MISSED'}"
    )
    print(
        f"  transferred by this server when asked for gzip: "
        f"{sum(file.transferred_bytes for file in files) / 1024:.1f} KB (Content-Encoding: {', '.join(encodings)})"
    )
    print("  excluded (vendored map library): " + (", ".join(excluded) if excluded else "none in the shell"))
    for file in sorted(files, key=lambda item: -item.gzip_bytes)[:8]:
        print(f"  {file.gzip_bytes / 1024:6.1f} KB gzip  {file.bytes / 1024:6.1f} KB  {file.path}")
    ok = ok and gzip_total <= SHELL_BUDGET_BYTES
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
