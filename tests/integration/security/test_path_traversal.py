"""No path reaches a file outside what the app serves: not through a photo id or variant, not through the phone
app's or the console's static files, whatever the encoding (dot segments, %2f, %2e, double encoding, backslashes,
overlong UTF-8, NUL). Requests go over real HTTP with their bytes exactly as written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.security.conftest import RawHttp, TwoSurveyors

REPO = Path(__file__).resolve().parents[3]
DOT_DOTS = [
    "../../..",
    "..%2f..%2f..",
    "%2e%2e%2f%2e%2e%2f%2e%2e",
    "%2e%2e/%2e%2e/%2e%2e",
    "..%252f..%252f..",
    "..%5c..%5c..",
    "..\\..\\..",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae",
    "....//....//....",
    "..;/..;/..",
    ".%2e/.%2e/.%2e",
]
TARGETS = ["etc/passwd", "pyproject.toml", "server/config.py", "server/app.py"]


def secrets_in(body: bytes, settings) -> list[str]:
    markers = {
        "/etc/passwd": b"root:x:0:0",
        "pyproject.toml": b"[build-system]",
        "server/config.py": b"def load_secret_key",
        "server/app.py": b"def create_app",
        "an SQLite database": b"SQLite format 3",
        "the signing secret": settings.secret_key.encode(),
    }
    return [name for name, marker in markers.items() if marker in body]


def attack_paths(photo_id: str) -> list[str]:
    paths = []
    for dots in DOT_DOTS:
        for target in TARGETS:
            escaped = target.replace("/", "%2f") if "%2f" in dots else target
            paths += [
                f"/{dots}/{escaped}",
                f"/console/{dots}/{escaped}",
                f"/js/{dots}/{escaped}",
                f"/api/photos/{dots}/{escaped}/original",
                f"/api/photos/{photo_id}/{dots}/{escaped}",
                f"/api/photos/{photo_id}/{dots}%2f{escaped}",
            ]
    paths += [
        "/..%00/pyproject.toml",
        "/%00../pyproject.toml",
        "//etc/passwd",
        "/console//etc/passwd",
        "/console/%2fetc%2fpasswd",
        "/api/photos/%2fetc%2fpasswd/original",
        "/sidak-test.db",
        "/secret.key",
        "/console/../../data/secret.key",
    ]
    return paths


async def test_no_photo_id_variant_or_file_name_reaches_outside_what_is_served(
    two_surveyors: TwoSurveyors, raw_http: RawHttp, settings
):
    headers = two_surveyors.headers(two_surveyors.admin)
    leaks, server_errors = [], []
    for path in attack_paths(two_surveyors.their_photo_id):
        status, body = raw_http.get(path, headers)
        if secrets_in(body, settings):
            leaks.append(f"{path} → {status}: {secrets_in(body, settings)}")
        if status >= 500:
            server_errors.append(f"{path} → {status}")

    assert not leaks, "\n".join(leaks)
    assert not server_errors, "\n".join(server_errors)


async def test_the_raw_client_does_reach_files_and_photos_that_are_served(
    two_surveyors: TwoSurveyors, raw_http: RawHttp
):
    """The check above is only worth something if the same client fetches what is meant to be fetched."""
    headers = two_surveyors.headers(two_surveyors.admin)

    status, body = raw_http.get(f"/api/photos/{two_surveyors.their_photo_id}/original", headers)
    page_status, page = raw_http.get("/console/index.html")

    assert status == 200 and body == two_surveyors.their_photo.data
    assert page_status == 200 and page == (REPO / "console" / "index.html").read_bytes()


@pytest.mark.parametrize(
    "variant", ["..", "%2e%2e", "original%00", "original/..", "ORIGINAL", "original.jpg", "..%2f..%2foriginal"]
)
async def test_a_variant_is_one_of_three_words(two_surveyors: TwoSurveyors, raw_http: RawHttp, variant):
    headers = two_surveyors.headers(two_surveyors.theirs)

    status, _ = raw_http.get(f"/api/photos/{two_surveyors.their_photo_id}/{variant}", headers)

    assert status in (400, 404)
