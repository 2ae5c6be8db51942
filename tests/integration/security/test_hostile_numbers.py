"""Numbers larger than any column holds are refused as invalid input (422), not passed to the database driver to
fail there as a 500. Found by the schema fuzz (tests/reliability/test_schemathesis.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.security.conftest import TwoSurveyors
from tests.integration.visits.helpers import declaration, unique_jpeg, visit_document

HUGE = 2**70
PAST_INT32 = 2**40


@pytest.mark.parametrize("number", [HUGE, PAST_INT32])
async def test_a_visit_revision_past_the_column_is_refused_on_every_database(
    client, two_surveyors: TwoSurveyors, number
):
    them = two_surveyors

    response = await client.put(
        f"/api/visits/{uuid.uuid4()}",
        headers=them.headers(them.ours),
        json=visit_document(them.our_assignment, them.unit, revision=number),
    )

    assert response.status_code == 422, response.text


async def test_a_declared_photo_size_past_any_column_is_refused(client, two_surveyors: TwoSurveyors):
    them = two_surveyors
    declared = {**declaration(unique_jpeg()), "size": HUGE}

    response = await client.put(
        f"/api/visits/{uuid.uuid4()}",
        headers=them.headers(them.ours),
        json=visit_document(them.our_assignment, them.unit, photos=[declared]),
    )

    assert response.status_code == 422, response.text


async def test_huge_numbers_in_queries_paths_and_admin_bodies_are_invalid_input(client, two_surveyors: TwoSurveyors):
    them = two_surveyors
    admin, supervisor = them.headers(them.admin), them.headers(them.supervisor)

    answers = {
        "queue offset": await client.get(f"/api/review/visits?offset={HUGE}", headers=supervisor),
        # A version is text: a number is a name like any other, and one longer than the column is refused.
        "instrument version in a path": await client.get(
            f"/api/admin/instruments/ombudsman-kepatuhan/{HUGE:0>65}", headers=admin
        ),
        "instrument version in a new wave": await client.post(
            "/api/admin/waves",
            headers=admin,
            json={
                "name": "Gelombang Besar",
                "instrument": {"key": "ombudsman-kepatuhan", "version": HUGE},
                "period": {"start": "2026-01-01", "end": "2026-02-01"},
            },
        ),
        "decision revision": await client.post(
            f"/api/review/visits/{them.their_visit_id}/decision",
            headers=supervisor,
            json={"decision": "approve", "revision": HUGE},
        ),
    }

    assert {name: answer.status_code for name, answer in answers.items()} == {
        "queue offset": 422,
        "instrument version in a path": 422,
        "instrument version in a new wave": 422,
        "decision revision": 409,
    }  # compared with the visit's revision, not stored: "not the revision you saw"
