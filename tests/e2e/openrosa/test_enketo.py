"""The XForm Sidak serves to ODK Collect also renders in Enketo, ODK's web form engine: the form, its assignment list
and every indicator, in the real Chromium, with Enketo's own open-source packages (tests/enketo, pinned, used only
here) fed what a Collect key downloads from the running app."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest

from tests.e2e.conftest import REPO_ROOT, LiveServer

pytestmark = pytest.mark.e2e

ENKETO_DIR = REPO_ROOT / "tests" / "enketo"
FORM_LIST = "{http://openrosa.org/xforms/xformsList}"
OPENROSA = {"X-OpenRosa-Version": "1.0"}


def _run(command: list[str], timeout_s: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ENKETO_DIR, capture_output=True, text=True, timeout=timeout_s, check=False)


@pytest.fixture(scope="session")
def enketo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """enketo-transformer's web build and enketo-core bundled for the browser (installed from the lock file once)."""
    if shutil.which("npm") is None:
        pytest.skip("the Enketo check needs Node and npm")
    if not (ENKETO_DIR / "node_modules" / ".bin" / "esbuild").exists():
        installed = _run(["npm", "ci", "--no-audit", "--no-fund"], 600)
        if installed.returncode != 0:
            pytest.skip(f"Enketo's packages did not install: {installed.stderr[-500:]}")
    bundle = tmp_path_factory.mktemp("enketo") / "bundle.js"
    # libxslt is imported only to pre-process forms of other formats, which this form is not.
    built = _run(
        [
            "node_modules/.bin/esbuild",
            "page.js",
            "--bundle",
            "--format=esm",
            "--external:libxslt",
            f"--outfile={bundle}",
            "--log-level=error",
        ],
        300,
    )
    assert built.returncode == 0, built.stderr
    return bundle


def collect_downloads(live_server: LiveServer) -> tuple[str, str, str]:
    """What Collect downloads with a fresh key of the first demo surveyor who has a form: XForm, CSV, form id."""
    for surveyor in live_server.api("GET", "/api/collect-keys").json():
        issued = live_server.api("POST", f"/api/collect-keys/{surveyor['surveyor_id']}").json()
        form_list = ElementTree.fromstring(httpx.get(f"{issued['server_url']}/formList", headers=OPENROSA).content)
        entry = form_list.find(f"{FORM_LIST}xform")
        if entry is None:
            continue
        xform = httpx.get(str(entry.findtext(f"{FORM_LIST}downloadUrl")), headers=OPENROSA).text
        form_id = str(entry.findtext(f"{FORM_LIST}formID"))
        assignments = httpx.get(f"{issued['server_url']}/forms/{form_id}/assignments.csv", headers=OPENROSA).text
        return xform, assignments, form_id
    pytest.fail("no demo surveyor has an assignment in an open wave")


def csv_as_instance(text: str) -> str:
    """A CSV media file as the secondary instance Enketo reads (``<root><item>…``), as Enketo Express converts it."""
    items = "".join(
        "<item>" + "".join(f"<{name}>{escape(value)}</{name}>" for name, value in row.items()) + "</item>"
        for row in csv.DictReader(io.StringIO(text))
    )
    return f"<root>{items}</root>"


def test_the_collect_xform_renders_in_enketo_with_the_surveyors_assignments(
    new_page, live_server: LiveServer, enketo_bundle: Path, screenshot
):
    xform, assignments, form_id = collect_downloads(live_server)
    page, problems = new_page()
    # The page is served on the live server's origin (the only one the page may reach), straight from the test.
    page_url = live_server.url("/__enketo__/index.html")
    page.route(
        page_url,
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html lang="id"><body><div id="form"></div>'
            '<script type="module" src="bundle.js"></script></body></html>',
        ),
    )
    page.route(
        live_server.url("/__enketo__/bundle.js"),
        lambda route: route.fulfill(content_type="text/javascript", body=enketo_bundle.read_bytes()),
    )
    page.goto(page_url)
    page.wait_for_function("typeof window.renderXForm === 'function'")

    rendered: dict[str, Any] = page.evaluate(
        "([xform, external]) => window.renderXForm(xform, external)",
        [xform, [{"id": "assignments", "xml": csv_as_instance(assignments)}]],
    )

    assert rendered["loadErrors"] == []
    assignment_ids = [row["name"] for row in csv.DictReader(io.StringIO(assignments))]
    offered = page.eval_on_selector_all(
        "datalist#datasidakassignment option", "options => options.map(o => o.dataset.value || o.value)"
    )
    assert assignment_ids and set(assignment_ids) <= set(offered), offered
    labels = page.locator(".question .question-label").all_inner_texts()
    assert any("Ruang tunggu" in label for label in labels), labels[:5]
    assert rendered["questions"] >= 40
    screenshot(page, "openrosa", f"enketo-{form_id}", full_page=False)
    problems.expect_none()
