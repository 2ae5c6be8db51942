"""Evidence photos may be kept by the viewer's own browser, never by a shared cache (a proxy, a CDN)."""

from __future__ import annotations

import pytest

from tests.integration.security.conftest import TwoSurveyors


def assert_private(cache_control: str) -> None:
    words = {word.strip().split("=")[0] for word in cache_control.lower().split(",")}
    assert "private" in words or "no-store" in words, cache_control
    assert not words & {"public", "s-maxage", "proxy-revalidate"}, cache_control


@pytest.mark.parametrize("variant", ["original", "display", "thumb"])
async def test_photo_answers_are_never_cacheable_by_shared_caches(client, two_surveyors: TwoSurveyors, variant):
    them = two_surveyors
    for viewer in (them.theirs, them.supervisor, them.admin):
        response = await client.get(f"/api/photos/{them.their_photo_id}/{variant}", headers=them.headers(viewer))
        assert response.status_code == 200
        assert_private(response.headers["cache-control"])

        revalidated = await client.get(
            f"/api/photos/{them.their_photo_id}/{variant}",
            headers={**them.headers(viewer), "If-None-Match": response.headers["etag"]},
        )
        assert revalidated.status_code == 304
        assert_private(revalidated.headers["cache-control"])


async def test_a_refused_photo_is_not_cached_either(client, two_surveyors: TwoSurveyors):
    them = two_surveyors

    response = await client.get(f"/api/photos/{them.their_photo_id}/original", headers=them.headers(them.ours))

    assert response.status_code == 404
    assert_private(response.headers["cache-control"])
