"""The modules the phone app shares with the console (web/shared/, served at /shared/): the phone runs on the copies
its service worker precached for its own version (a cold start without signal needs them), and the console, whose
pages are in the same worker's scope, gets the server's files, at the server's version."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

# Marks the phone's precached copies of the shared modules, so a page can tell them from the server's files.
MARK_PRECACHED_SHARED_MODULES_JS = """async () => {
  const cache = await caches.open((await caches.keys()).find((name) => name.startsWith('sidak-shell-')));
  for (const file of ['dom.js', 'i18n.js']) {
    const url = new URL(`/shared/${file}`, location.href).href;
    const cached = await cache.match(url);
    const marked = `${await cached.text()}\nexport const copy = 'precached';\n`;
    await cache.put(url, new Response(marked, { headers: cached.headers }));
  }
}"""
WHICH_COPY_JS = (
    "Promise.all(['dom.js', 'i18n.js'].map((file) => import(`/shared/${file}`).then((m) => m.copy ?? null)))"
)


def test_the_console_in_the_phones_browser_gets_the_shared_modules_from_the_server_not_the_phones_cache(
    phone, pwa_server
):
    device = phone("shared-modules")
    page = device.open()
    device.log_in("surveyor3")
    device.wait_until_installed()
    page.evaluate(MARK_PRECACHED_SHARED_MODULES_JS)

    page.reload()
    page.wait_for_selector("[data-testid=assignment-list] li")
    on_the_phone = page.evaluate(WHICH_COPY_JS)
    page.goto(pwa_server.base_url + "/console/")
    page.wait_for_selector("input[name=username]")
    in_the_console = page.evaluate(WHICH_COPY_JS)

    assert on_the_phone == ["precached", "precached"], "the phone runs on its own precached copies"
    assert in_the_console == [None, None], "the console gets the server's files, at the server's version"
    assert page.evaluate("navigator.serviceWorker.controller !== null"), "the console page is in the worker's scope"
    device.problems.expect_none()
