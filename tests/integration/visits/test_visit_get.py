"""GET /api/visits/{id} and GET /api/me/visits: what a phone (or a reviewer) can read back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from server.lib import clock
from tests.integration.visits.helpers import positions_at, return_for_correction, visit_document

FAR_AWAY = (-6.70, 108.56)


async def a_visit(client, field, **changes):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit, **changes)
    response = await client.put(f"/api/visits/{visit_id}", json=doc, headers=field.headers)
    assert response.status_code == 201
    return visit_id, doc, response.json()


async def test_the_surveyor_reads_back_the_receipt_with_no_review_yet(client, field):
    visit_id, _, receipt = await a_visit(client, field)

    response = await client.get(f"/api/visits/{visit_id}", headers=field.headers)

    assert response.status_code == 200
    assert response.json() == {**receipt, "review": None, "assignment_id": str(field.assignment.id)}


async def test_a_returned_visit_reads_back_with_the_supervisors_comments(app, client, make, field):
    visit_id, _, _ = await a_visit(client, field)
    await return_for_correction(app, make, visit_id, comment="Foto loket buram")

    response = await client.get(f"/api/visits/{visit_id}", headers=field.headers)

    body = response.json()
    assert body["status"] == "returned"
    assert body["review"]["decision"] == "return"
    assert body["review"]["comment"] == "Foto loket buram"
    assert body["review"]["indicator_comments"] == [{"indicator": "A01", "text": "Ambil ulang fotonya"}]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("owner", 200),
        ("admin", 200),
        ("supervisor_of_region", 200),
        ("supervisor_elsewhere", 404),
        ("other_surveyor", 404),
    ],
)
async def test_a_visit_is_visible_to_its_surveyor_admins_and_supervisors_of_its_region_only(
    client, make, field, who, expected
):
    visit_id, _, _ = await a_visit(client, field)
    users = {
        "owner": field.surveyor,
        "admin": await make.user(role="admin"),
        "supervisor_of_region": await make.user(role="supervisor", regions=[field.region]),
        "supervisor_elsewhere": await make.user(role="supervisor", regions=[await make.region()]),
        "other_surveyor": await make.user(role="surveyor"),
    }

    response = await client.get(f"/api/visits/{visit_id}", headers=make.headers(users[who]))

    assert response.status_code == expected


async def test_a_reviewer_reading_a_visit_sees_every_flag_and_the_surveyor_only_the_actionable_ones(
    client, make, field
):
    started_at = clock.now() - timedelta(minutes=20)
    visit_id, _, _ = await a_visit(
        client, field, started_at=started_at, minutes=1, positions=positions_at(*FAR_AWAY, at=started_at)
    )
    supervisor = await make.user(role="supervisor", regions=[field.region])

    as_reviewer = await client.get(f"/api/visits/{visit_id}", headers=make.headers(supervisor))
    as_surveyor = await client.get(f"/api/visits/{visit_id}", headers=field.headers)

    assert {flag["code"] for flag in as_reviewer.json()["flags"]} == {"geo.outside", "visit.too_fast"}
    assert {flag["code"] for flag in as_surveyor.json()["flags"]} == {"geo.outside"}


async def test_an_unknown_visit_is_not_found_and_a_stranger_is_not_authenticated(client, field):
    unknown = await client.get(f"/api/visits/{uuid.uuid4()}", headers=field.headers)
    anonymous = await client.get(f"/api/visits/{uuid.uuid4()}")

    assert (unknown.status_code, anonymous.status_code) == (404, 401)


async def test_my_returned_visits_carry_the_comments_and_the_document_to_restore(app, client, make, field):
    returned_id, doc, _ = await a_visit(client, field)
    await a_visit(client, field)  # submitted, not listed
    await return_for_correction(app, make, returned_id)

    response = await client.get("/api/me/visits", params={"status": "returned"}, headers=field.headers)

    assert response.status_code == 200
    [visit] = response.json()
    assert visit["id"] == str(returned_id)
    assert visit["assignment_id"] == str(field.assignment.id)
    assert visit["review"]["comment"] == "Foto loket buram"
    restored = visit["document"]
    assert [answer["value"] for answer in restored["answers"]] == [answer["value"] for answer in doc["answers"]]
    assert datetime.fromisoformat(restored["started_at"]) == datetime.fromisoformat(doc["started_at"])
    restoring = await client.put(f"/api/visits/{returned_id}", json={**restored, "revision": 2}, headers=field.headers)
    assert restoring.status_code == 200


async def test_my_visits_list_only_my_own(app, client, make, field):
    visit_id, _, _ = await a_visit(client, field)
    other = await make.user(role="surveyor")

    mine = await client.get("/api/me/visits", params={"status": "submitted"}, headers=field.headers)
    theirs = await client.get("/api/me/visits", params={"status": "submitted"}, headers=make.headers(other))
    default = await client.get("/api/me/visits", headers=field.headers)

    assert [visit["id"] for visit in mine.json()] == [str(visit_id)]
    assert theirs.json() == []
    assert default.json() == []  # the default status is "returned"
