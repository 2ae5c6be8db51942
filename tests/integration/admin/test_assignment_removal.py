"""DELETE /api/admin/waves/{id}/assignments/{assignment_id}: an assignment nobody visited is taken back while the
wave is in draft or fieldwork; one with a visit stays as that visit's record."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent
from tests.integration.admin.test_places import assert_problem
from tests.integration.visits.helpers import instrument_with_optional_photos, visit_document


def url(assignment) -> str:
    return f"/api/admin/waves/{assignment.wave_id}/assignments/{assignment.id}"


async def listed_ids(client, headers, wave_id) -> set[str]:
    answer = await client.get(f"/api/admin/waves/{wave_id}/assignments", headers=headers)
    return {a["id"] for a in answer.json()["assignments"]}


async def test_an_assignment_in_a_draft_wave_is_taken_back_and_audited(client, admin_headers, make, app):
    wave = await make.wave(status="draft")
    kept = await make.assignment(wave=wave)
    taken_back = await make.assignment(wave=wave)

    response = await client.delete(url(taken_back), headers=admin_headers)

    assert response.status_code == 204, response.text
    assert await listed_ids(client, admin_headers, wave.id) == {str(kept.id)}
    assert (await client.get(f"/api/admin/waves/{wave.id}", headers=admin_headers)).json()["assignment_count"] == 1
    async with app.state.session_factory() as session:
        [event] = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.deleted"))).all()
    assert event.entity_id == str(taken_back.id)
    assert event.data["wave_id"] == str(wave.id)
    assert (event.data["unit_id"], event.data["surveyor_id"]) == (str(taken_back.unit_id), str(taken_back.surveyor_id))


async def test_a_surveyor_no_longer_sees_an_assignment_taken_back_in_fieldwork(client, admin_headers, make):
    surveyor = await make.user(role="surveyor")
    assignment = await make.assignment(wave=await make.wave(status="fieldwork"), surveyor=surveyor)
    mine = await client.get("/api/me/assignments", headers=make.headers(surveyor))
    assert [a["id"] for a in mine.json()] == [str(assignment.id)]

    response = await client.delete(url(assignment), headers=admin_headers)

    assert response.status_code == 204, response.text
    assert (await client.get("/api/me/assignments", headers=make.headers(surveyor))).json() == []


async def test_an_assignment_with_a_visit_stays(client, admin_headers, make, row_counts):
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")
    wave = await make.wave(status="fieldwork", instrument=await make.instrument(instrument_with_optional_photos()))
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)
    sent = await client.put(
        f"/api/visits/{uuid.uuid4()}", json=visit_document(assignment, unit), headers=make.headers(surveyor)
    )
    assert sent.status_code == 201, sent.text
    before = await row_counts()

    response = await client.delete(url(assignment), headers=admin_headers)

    assert_problem(response, 409, "assignment.visited")
    assert await row_counts() == before


@pytest.mark.parametrize("status", ["review", "published"])
async def test_an_assignment_of_a_wave_past_fieldwork_stays(client, admin_headers, make, row_counts, status):
    assignment = await make.assignment(wave=await make.wave(status=status))
    before = await row_counts()

    response = await client.delete(url(assignment), headers=admin_headers)

    assert assert_problem(response, 409, "wave.state")["status_now"] == status
    assert await row_counts() == before


async def test_an_assignment_named_under_another_wave_is_404(client, admin_headers, make, row_counts):
    instrument = await make.instrument()
    assignment = await make.assignment(wave=await make.wave(status="draft", instrument=instrument))
    other_wave = await make.wave(status="draft", instrument=instrument)
    before = await row_counts()

    response = await client.delete(
        f"/api/admin/waves/{other_wave.id}/assignments/{assignment.id}", headers=admin_headers
    )

    assert_problem(response, 404, "not_found")
    assert await row_counts() == before


async def test_unknown_waves_and_assignments_are_404(client, admin_headers, make):
    wave = await make.wave(status="draft")

    no_assignment = await client.delete(f"/api/admin/waves/{wave.id}/assignments/{uuid.uuid4()}", headers=admin_headers)
    no_wave = await client.delete(f"/api/admin/waves/{uuid.uuid4()}/assignments/{uuid.uuid4()}", headers=admin_headers)
    not_an_id = await client.delete(f"/api/admin/waves/{wave.id}/assignments/satu", headers=admin_headers)

    assert_problem(no_assignment, 404, "not_found")
    assert_problem(no_wave, 404, "not_found")
    assert not_an_id.status_code == 404
    assert not_an_id.headers["content-type"].startswith("application/problem+json")


async def test_deleting_twice_finds_nothing_the_second_time(client, admin_headers, make):
    assignment = await make.assignment(wave=await make.wave(status="draft"))

    first = await client.delete(url(assignment), headers=admin_headers)
    second = await client.delete(url(assignment), headers=admin_headers)

    assert first.status_code == 204
    assert_problem(second, 404, "not_found")


@pytest.mark.parametrize("role", ["surveyor", "supervisor"])
async def test_only_an_admin_takes_back_an_assignment(client, make, row_counts, role):
    assignment = await make.assignment(wave=await make.wave(status="draft"))
    caller = await make.user(role=role)
    before = await row_counts()

    response = await client.delete(url(assignment), headers=make.headers(caller))

    assert_problem(response, 403, "auth.forbidden")
    assert await row_counts() == before
