from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent, Wave
from tests.integration.results.helpers import decide
from tests.integration.review.factories import a_scene, a_submitted_visit
from tests.integration.visits.helpers import visit_document


async def publish(client, make, user, wave_id):
    return await client.post(f"/api/admin/waves/{wave_id}/publish", headers=make.headers(user))


async def test_an_admin_publishes_a_wave_under_review_and_the_event_is_audited(client, make, app):
    scene = await a_scene(make, wave_status="review")
    await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))  # never reviewed

    response = await publish(client, make, scene.admin, scene.wave.id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["wave"]["status"] == "published" and body["wave"]["published_at"] is not None
    assert body["unreviewed_visits"] == 1
    async with app.state.session_factory() as session:
        wave = await session.get(Wave, scene.wave.id)
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "wave.published"))
    assert wave.status == "published"
    assert event.entity_id == str(scene.wave.id) and event.actor_id == scene.admin.id


@pytest.mark.parametrize("status", ["draft", "fieldwork", "published"])
async def test_only_a_wave_under_review_can_be_published(client, make, status):
    scene = await a_scene(make, wave_status=status)

    response = await publish(client, make, scene.admin, scene.wave.id)

    assert response.status_code == 409 and response.json()["code"] == "wave.state"


async def test_publishing_needs_an_admin_and_a_known_wave(client, make):
    scene = await a_scene(make, wave_status="review")

    assert (await publish(client, make, scene.supervisor, scene.wave.id)).status_code == 403
    assert (await publish(client, make, scene.admin, uuid.uuid4())).status_code == 404


async def test_a_published_wave_takes_no_more_decisions_nor_visits(client, make):
    scene = await a_scene(make, wave_status="review")
    pending = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    approved = await a_submitted_visit(make, await scene.assignment(make, scene.units[1]))
    await decide(client, make, scene.supervisor, approved, "approve")
    assert (await publish(client, make, scene.admin, scene.wave.id)).status_code == 200

    approve = await client.post(
        f"/api/review/visits/{pending.id}/decision",
        headers=make.headers(scene.supervisor),
        json={"decision": "approve", "revision": 1},
    )
    undo = await client.post(
        f"/api/review/visits/{approved.id}/decision",
        headers=make.headers(scene.admin),
        json={"decision": "reject", "revision": 1, "comment": "Terlambat."},
    )
    assignment = await scene.assignment(make, scene.other_units[0])
    new_visit = await client.put(
        f"/api/visits/{uuid.uuid4()}",
        headers=make.headers(scene.surveyor),
        json=visit_document(assignment, scene.other_units[0]),
    )

    assert approve.status_code == undo.status_code == 409
    assert approve.json()["code"] == undo.json()["code"] == "wave.state"
    assert new_visit.status_code == 409 and new_visit.json()["code"] == "wave.state"
