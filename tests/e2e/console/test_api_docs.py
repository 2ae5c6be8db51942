"""The OpenAPI documentation at /schema is a working page on a closed network: its viewer comes from the app itself
and runs under the app's own Content-Security-Policy, with nothing inline."""

from __future__ import annotations

import pytest

from tests.e2e.console.conftest import SHOTS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_the_api_documentation_lists_the_operations_with_no_outside_script(new_page, live_server, screenshot, path):
    page, problems = new_page()
    outside_requests: list[str] = []
    page.on("requestfailed", lambda request: outside_requests.append(request.url))

    response = page.goto(live_server.url(path))

    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "https://" not in policy.split("script-src")[1].split(";")[0]
    visit_put = page.locator('.opblock-put .opblock-summary-path[data-path="/api/visits/{visit_id}"]')
    visit_put.wait_for()
    assert page.locator(".opblock-summary-method", has_text="PUT").count() >= 2
    assert page.locator('.opblock-post [data-path="/api/auth/login"]').count() == 1
    if path == "/schema":
        screenshot(page, SHOTS, "api-docs", full_page=False)
    assert outside_requests == []
    problems.expect_none()


def test_an_operation_opens_with_its_problems_documented(new_page, live_server):
    page, problems = new_page()
    page.goto(live_server.url("/schema"))

    page.locator('.opblock-put [data-path="/api/visits/{visit_id}"]').click()

    opened = page.locator(".opblock-put.is-open")
    opened.locator(".responses-table").first.wait_for()
    assert opened.locator('tr.response[data-code="409"]').count() == 1
    problems.expect_none()
