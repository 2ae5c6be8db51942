"""Every page and every answer carries the security headers: a Content-Security-Policy (without inline or eval'd
scripts for the app's own pages), no MIME sniffing, no referrer, no framing. And the pages themselves contain no
inline script that such a policy would have to allow."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
STATIC_ROOTS = {"pwa": "/", "console": "/console/"}


def static_urls() -> list[str]:
    urls = ["/", "/console/"]
    for folder, prefix in STATIC_ROOTS.items():
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file():
                urls.append(prefix + path.relative_to(REPO / folder).as_posix())
    return urls


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_protected(response, url: str) -> None:
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", url
    assert headers.get("referrer-policy") in ("no-referrer", "same-origin", "strict-origin"), url
    csp = directives(headers.get("content-security-policy", ""))
    assert headers.get("x-frame-options") == "DENY" and csp.get("frame-ancestors") == ["'none'"], url
    assert "default-src" in csp, url
    scripts = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    assert "*" not in scripts and "data:" not in scripts, url
    assert csp.get("object-src") == ["'none'"], url


@pytest.mark.parametrize("url", static_urls())
async def test_every_file_of_the_phone_app_and_the_console_carries_the_headers(client, url):
    response = await client.get(url)

    assert response.status_code == 200, url
    assert_protected(response, url)


async def test_api_answers_errors_and_the_schema_carry_the_headers(client, make):
    admin = await make.user(role="admin")
    calls = [
        ("GET", "/api/public/waves", {}),
        ("GET", "/api/me/assignments", {}),
        ("GET", "/api/no-such-thing", {}),
        ("DELETE", "/api/auth/login", {}),
        ("GET", "/api/admin/regions", make.headers(admin)),
        ("GET", "/no-such-page", {}),
        ("GET", "/schema/openapi.json", {}),
        ("GET", "/schema", {}),
    ]
    seen = set()
    for method, url, headers in calls:
        response = await client.request(method, url, headers=headers)
        seen.add(response.status_code)
        assert_protected(response, url)
    assert {200, 401, 404, 405} <= seen


class InlineScripts(HTMLParser):
    """Collects what a strict script-src would block: inline <script> bodies, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if (
            tag == "script"
            and "src" not in named
            and named.get("type") not in ("application/json", "application/ld+json")
        ):
            self._in_inline_script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}…")


@pytest.mark.parametrize(
    "page", sorted(str(p.relative_to(REPO)) for folder in STATIC_ROOTS for p in (REPO / folder).rglob("*.html"))
)
def test_no_page_needs_an_inline_script(page):
    parser = InlineScripts()
    parser.feed((REPO / page).read_text())

    assert not parser.found, f"{page}: {parser.found}"
