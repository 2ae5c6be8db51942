"""A visit sent with ODK Collect, reviewed in the console: the page names the client and says how a correction goes."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ElementTree

import httpx
import pytest

from tests.e2e.conftest import LiveServer
from tests.integration.openrosa.helpers import Filled, audit_log, collect_headers, every_answer, submission_xml

pytestmark = pytest.mark.e2e

FORM_LIST = "{http://openrosa.org/xforms/xformsList}"


def send_with_collect(live_server: LiveServer) -> uuid.UUID:
    """Issue a demo surveyor a key, download the form and the assignment list, and send a visit as Collect does."""
    for surveyor in live_server.api("GET", "/api/collect-keys").json():
        server_url = live_server.api("POST", f"/api/collect-keys/{surveyor['surveyor_id']}").json()["server_url"]
        form_list = ElementTree.fromstring(httpx.get(f"{server_url}/formList", headers=collect_headers()).content)
        form_id = form_list.findtext(f"{FORM_LIST}xform/{FORM_LIST}formID")
        if form_id is None:
            continue
        xform = httpx.get(f"{server_url}/forms/{form_id}/form.xml", headers=collect_headers()).content
        listed = httpx.get(f"{server_url}/forms/{form_id}/assignments.csv", headers=collect_headers()).text
        assignment = next(csv.DictReader(io.StringIO(listed)))
        filled = Filled(assignment_id=uuid.UUID(assignment["name"]), answers=every_answer())
        audit = audit_log(filled, float(assignment["lat"]), float(assignment["lon"]))
        sent = httpx.post(
            f"{server_url}/submission",
            files=[
                ("xml_submission_file", ("submission.xml", submission_xml(xform, filled), "text/xml")),
                ("audit.csv", ("audit.csv", audit, "text/csv")),
            ],
            headers=collect_headers(),
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        return filled.instance_id
    pytest.fail("no demo surveyor has an assignment in an open wave")


def test_the_review_page_says_the_visit_came_from_collect_and_how_it_is_corrected(console_as, live_server, shoot):
    visit_id = send_with_collect(live_server)
    page, problems = console_as("admin")

    page.goto(live_server.url(f"/console/#/review/{visit_id}"))

    client = page.wait_for_selector(".fact[data-fact=client] dd")
    assert client.inner_text() == "ODK Collect v2024.3.1"
    assert "aplikasi Sidak" in page.locator("[data-note=collect-return]").inner_text()
    shoot(page, "collect-visit", full_page=False)
    problems.expect_none()
