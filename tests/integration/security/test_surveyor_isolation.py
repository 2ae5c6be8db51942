"""A surveyor sees their own work and nothing else: not another surveyor's visits, photos or assignments, and no
score or result of any visit (their own included) before the wave is published."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.security.conftest import TwoSurveyors
from tests.integration.visits.helpers import declaration, unique_jpeg, upload, visit_document

SCORE_KEYS = {"score", "zone", "grade", "total", "scores", "dimension_scores"}


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_anywhere(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_anywhere(item)}
    return set()


async def test_a_surveyor_cannot_read_another_surveyors_visit(client, two_surveyors: TwoSurveyors):
    them = two_surveyors

    response = await client.get(f"/api/visits/{them.their_visit_id}", headers=them.headers(them.ours))

    assert response.status_code == 404
    assert str(them.their_assignment.id) not in response.text


@pytest.mark.parametrize("variant", ["original", "display", "thumb"])
async def test_a_surveyor_cannot_fetch_another_surveyors_photo(client, two_surveyors: TwoSurveyors, variant: str):
    them = two_surveyors

    response = await client.get(f"/api/photos/{them.their_photo_id}/{variant}", headers=them.headers(them.ours))

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "etag" not in response.headers
    own = await client.get(f"/api/photos/{them.their_photo_id}/{variant}", headers=them.headers(them.theirs))
    assert own.status_code == 200


async def test_a_surveyor_lists_only_their_own_assignments_and_visits(client, two_surveyors: TwoSurveyors):
    them = two_surveyors

    assignments = (await client.get("/api/me/assignments", headers=them.headers(them.ours))).json()
    visits = await client.get("/api/me/visits", params={"status": "incomplete"}, headers=them.headers(them.ours))
    submitted = await client.get("/api/me/visits", params={"status": "submitted"}, headers=them.headers(them.ours))

    assert [item["id"] for item in assignments] == [str(them.our_assignment.id)]
    assert assignments[0]["visit"] is None
    assert visits.json() == [] and submitted.json() == []
    theirs = await client.get("/api/me/visits", params={"status": "submitted"}, headers=them.headers(them.theirs))
    assert [item["id"] for item in theirs.json()] == [str(them.their_visit_id)]


async def test_a_surveyor_cannot_send_a_visit_on_another_surveyors_assignment(client, two_surveyors: TwoSurveyors):
    them = two_surveyors

    response = await client.put(
        f"/api/visits/{uuid.uuid4()}",
        headers=them.headers(them.ours),
        json=visit_document(them.their_assignment, them.unit),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "visit.assignment_forbidden"


async def test_a_surveyor_cannot_overwrite_or_add_to_another_surveyors_visit(client, two_surveyors: TwoSurveyors):
    them = two_surveyors
    photo = unique_jpeg()

    replay = await client.put(
        f"/api/visits/{them.their_visit_id}",
        headers=them.headers(them.ours),
        json=visit_document(them.our_assignment, them.unit, photos=[declaration(photo)]),
    )
    into_theirs = await upload(client, them.their_visit_id, {"id": them.their_photo_id}, photo, them.headers(them.ours))

    assert replay.status_code in (403, 409)
    assert into_theirs.status_code == 404
    stored = await client.get(f"/api/photos/{them.their_photo_id}/original", headers=them.headers(them.theirs))
    assert stored.content == them.their_photo.data


async def test_no_surveyor_sees_a_score_or_a_result_before_the_wave_is_published(client, two_surveyors: TwoSurveyors):
    them = two_surveyors
    approved = await client.post(
        f"/api/review/visits/{them.their_visit_id}/decision",
        headers=them.headers(them.supervisor),
        json={"decision": "approve", "revision": 1},
    )
    assert approved.status_code == 200, approved.text
    results = (await client.get(f"/api/waves/{them.wave.id}/results", headers=them.headers(them.admin))).json()
    assert "score" in keys_anywhere(results), "the approved visit was not scored: nothing to hide"

    wave, unit = them.wave.id, them.unit.id
    for surveyor in (them.ours, them.theirs):
        headers = them.headers(surveyor)
        for path in (
            f"/api/waves/{wave}/results",
            f"/api/waves/{wave}/results.csv",
            f"/api/waves/{wave}/results.xlsx",
            f"/api/waves/{wave}/results.geojson",
            f"/api/waves/{wave}/rankings",
            f"/api/waves/{wave}/rankings.csv",
            f"/api/insights/units/{unit}/trend",
            f"/api/insights/units/{unit}/plan",
            "/api/insights/comparison",
            f"/api/review/visits/{them.their_visit_id}",
        ):
            assert (await client.get(path, headers=headers)).status_code == 403, path
        for path in (f"/api/public/waves/{wave}/results", f"/api/public/waves/{wave}/rankings"):
            assert (await client.get(path, headers=headers)).status_code == 404, path
        trend = await client.get(f"/api/public/units/{unit}/trend", headers=headers)
        assert str(wave) not in trend.text
        for path in ("/api/me/assignments", "/api/me/visits?status=approved", f"/api/visits/{them.their_visit_id}"):
            answer = await client.get(path, headers=headers)
            assert answer.status_code in (200, 404), path
            if answer.status_code == 200:
                assert not keys_anywhere(answer.json()) & SCORE_KEYS, path
