"""Racing identical PUTs over real HTTP (uvicorn): the database's constraints, not a lock in the process, keep one
visit."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import func, select

from server.db.models import Answer, AuditEvent, Visit, VisitRevision
from tests.integration.visits.helpers import (
    declaration,
    photo_file,
    return_for_correction,
    scalars,
    visit_document,
)

RACERS = 20


async def test_twenty_identical_visit_puts_racing_create_one_visit_and_all_get_its_receipt(app, live_server, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit, photos=[declaration(photo_file("DSCN0010.jpg"))])

    async with httpx.AsyncClient(base_url=live_server.url, headers=field.headers, timeout=60) as http:
        responses = await asyncio.gather(*(http.put(f"/api/visits/{visit_id}", json=doc) for _ in range(RACERS)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * (RACERS - 1) + [201]
    assert len({response.content for response in responses}) == 1
    assert await scalars(app, select(func.count()).select_from(Visit).where(Visit.id == visit_id)) == [1]
    assert await scalars(
        app, select(func.count()).select_from(VisitRevision).where(VisitRevision.visit_id == visit_id)
    ) == [1]
    assert await scalars(app, select(func.count()).select_from(Answer).where(Answer.visit_id == visit_id)) == [48]
    assert await scalars(app, select(AuditEvent.action).where(AuditEvent.entity_id == str(visit_id))) == [
        "visit.received"
    ]


async def test_racing_puts_of_one_visit_with_different_content_store_one_and_refuse_the_rest(app, live_server, field):
    visit_id = uuid.uuid4()
    docs = []
    for minutes in range(30, 30 + 8):
        docs.append(visit_document(field.assignment, field.unit, minutes=minutes))

    async with httpx.AsyncClient(base_url=live_server.url, headers=field.headers, timeout=60) as http:
        responses = await asyncio.gather(*(http.put(f"/api/visits/{visit_id}", json=doc) for doc in docs))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (len(docs) - 1)
    assert await scalars(
        app, select(func.count()).select_from(VisitRevision).where(VisitRevision.visit_id == visit_id)
    ) == [1]


async def test_twenty_identical_corrections_racing_make_one_new_revision(app, make, live_server, field):
    visit_id = uuid.uuid4()
    async with httpx.AsyncClient(base_url=live_server.url, headers=field.headers, timeout=60) as http:
        await http.put(f"/api/visits/{visit_id}", json=visit_document(field.assignment, field.unit))
        await return_for_correction(app, make, visit_id)
        correction = visit_document(field.assignment, field.unit, revision=2)

        responses = await asyncio.gather(*(http.put(f"/api/visits/{visit_id}", json=correction) for _ in range(RACERS)))

    assert {response.status_code for response in responses} == {200}
    assert len({response.content for response in responses}) == 1
    assert await scalars(
        app, select(VisitRevision.revision).where(VisitRevision.visit_id == visit_id).order_by(VisitRevision.revision)
    ) == [1, 2]
    assert await scalars(
        app, select(AuditEvent.action).where(AuditEvent.entity_id == str(visit_id)).order_by(AuditEvent.id)
    ) == ["visit.received", "visit.revised"]
