"""PUT /api/visits/{id}: the sync contract's status codes, receipts and what ends up stored."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from server.db.models import Answer, AuditEvent, Photo, Position, Visit, VisitRevision, Wave
from server.domain.instruments.defaults import load_default_instrument
from server.lib import clock
from tests.integration.visits.helpers import (
    declaration,
    execute,
    photo_file,
    return_for_correction,
    scalars,
    visit_document,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


async def put(client, visit_id, doc, headers):
    return await client.put(f"/api/visits/{visit_id}", json=doc, headers=headers)


async def stored_visit(app, visit_id):
    visits = await scalars(app, select(Visit).where(Visit.id == visit_id))
    return visits[0] if visits else None


async def count(app, model, *where):
    return (await scalars(app, select(func.count()).select_from(model).where(*where)))[0]


# --- new visits ---------------------------------------------------------------------------------------------------


async def test_a_new_visit_is_created_with_201_and_its_receipt(app, client, field):
    visit_id = uuid.uuid4()

    response = await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)

    assert response.status_code == 201
    assert response.json() == {
        "id": str(visit_id),
        "revision": 1,
        "status": "submitted",
        "missing_photos": [],
        "flags": [],
    }
    visit = await stored_visit(app, visit_id)
    assert (visit.assignment_id, visit.surveyor_id, visit.unit_id) == (
        field.assignment.id,
        field.surveyor.id,
        field.unit.id,
    )
    assert await count(app, Answer, Answer.visit_id == visit_id) == 48
    assert await count(app, Position, Position.visit_id == visit_id) == 3
    assert await count(app, VisitRevision, VisitRevision.visit_id == visit_id) == 1
    events = await scalars(app, select(AuditEvent).where(AuditEvent.entity_id == str(visit_id)))
    assert [event.action for event in events] == ["visit.received"]


async def test_the_answers_and_positions_stored_are_the_documents(app, client, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit)
    not_applicable = next(
        indicator.id for indicator in load_default_instrument().indicators().values() if indicator.allow_na
    )
    for answer in doc["answers"]:
        if answer["indicator"] == not_applicable:
            del answer["value"]
            answer["not_applicable"] = True
    doc["answers"][0]["note"] = "Loket 3 tutup; antrean dilayani loket 1."
    doc["positions"][1]["accuracy_m"] = 48.5

    assert (await put(client, visit_id, doc, field.headers)).status_code == 201

    answers = await scalars(app, select(Answer).where(Answer.visit_id == visit_id))
    assert sorted(
        (answer.indicator, answer.value, answer.not_applicable, answer.note, answer.answered_at) for answer in answers
    ) == sorted(
        (
            answer["indicator"],
            answer.get("value"),
            answer.get("not_applicable", False),
            answer.get("note"),
            datetime.fromisoformat(answer["answered_at"]),
        )
        for answer in doc["answers"]
    )
    # "No value" is stored as JSON null on every database, never as SQL NULL.
    assert await count(app, Answer, Answer.visit_id == visit_id, Answer.value.is_(None)) == 0
    positions = await scalars(app, select(Position).where(Position.visit_id == visit_id).order_by(Position.seq))
    assert [(position.seq, position.lat, position.lon, position.accuracy_m, position.at) for position in positions] == [
        (seq, position["lat"], position["lon"], position["accuracy_m"], datetime.fromisoformat(position["at"]))
        for seq, position in enumerate(doc["positions"])
    ]


async def test_a_visit_with_declared_photos_is_incomplete_until_they_arrive(app, client, field):
    photos = [declaration(photo_file("DSCN0010.jpg")), declaration(photo_file("no_exif.jpg"), indicator="A02")]
    visit_id = uuid.uuid4()

    response = await put(client, visit_id, visit_document(field.assignment, field.unit, photos=photos), field.headers)

    assert response.status_code == 201
    assert response.json()["status"] == "incomplete"
    assert response.json()["missing_photos"] == sorted(photo["id"] for photo in photos)
    assert await count(app, Photo, Photo.visit_id == visit_id, Photo.stored_at.is_(None)) == 2


# --- replays and conflicts ----------------------------------------------------------------------------------------


async def test_replaying_an_identical_visit_returns_the_same_receipt_and_stores_nothing_new(app, client, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit, minutes=2, photos=[declaration(photo_file("DSCN0012.jpg"))])
    first = await put(client, visit_id, doc, field.headers)

    replay = await put(client, visit_id, doc, field.headers)

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert await count(app, VisitRevision, VisitRevision.visit_id == visit_id) == 1
    assert await count(app, AuditEvent, AuditEvent.entity_id == str(visit_id)) == 1


async def test_a_replay_spelled_differently_is_still_a_replay(client, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit)
    await put(client, visit_id, doc, field.headers)
    respelled = dict(reversed(list(copy.deepcopy(doc).items())))
    respelled["started_at"] = datetime.fromisoformat(doc["started_at"]).astimezone(JAKARTA).isoformat()
    respelled["assignment_id"] = doc["assignment_id"].upper()

    response = await client.put(
        f"/api/visits/{visit_id}",
        content=json.dumps(respelled, indent=2),
        headers={**field.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 200


async def test_the_same_revision_with_other_content_is_a_conflict_and_the_stored_visit_is_kept(app, client, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit)
    await put(client, visit_id, doc, field.headers)
    before = await stored_visit(app, visit_id)
    changed = copy.deepcopy(doc)
    changed["answers"][0]["value"] = False

    response = await put(client, visit_id, changed, field.headers)

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "visit.conflict"
    after = await stored_visit(app, visit_id)
    assert (after.content_hash, after.revision) == (before.content_hash, before.revision)
    answers = await scalars(app, select(Answer.value).where(Answer.visit_id == visit_id, Answer.indicator == "A01"))
    assert answers == [True]


@pytest.mark.parametrize("status", ["submitted", "incomplete", "approved", "rejected"])
async def test_a_higher_revision_of_a_visit_not_returned_is_a_conflict(app, client, field, status):
    visit_id = uuid.uuid4()
    await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)
    await execute(app, update(Visit).where(Visit.id == visit_id).values(status=status))

    response = await put(client, visit_id, visit_document(field.assignment, field.unit, revision=2), field.headers)

    assert response.status_code == 409
    assert response.json()["code"] == "visit.conflict"
    assert (await stored_visit(app, visit_id)).revision == 1


async def test_an_older_revision_is_a_conflict(app, client, make, field):
    visit_id = uuid.uuid4()
    await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)
    await return_for_correction(app, make, visit_id)
    await put(client, visit_id, visit_document(field.assignment, field.unit, revision=3), field.headers)

    response = await put(client, visit_id, visit_document(field.assignment, field.unit, revision=2), field.headers)

    assert response.status_code == 409


# --- revisions of returned visits ---------------------------------------------------------------------------------


async def test_a_new_revision_of_a_returned_visit_replaces_its_answers_and_review_starts_again(
    app, client, make, field
):
    visit_id = uuid.uuid4()
    await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)
    await return_for_correction(app, make, visit_id)
    corrected = visit_document(field.assignment, field.unit, revision=2)
    corrected["answers"] = [answer for answer in corrected["answers"] if answer["indicator"] != "C10"]
    corrected["answers"][0]["value"] = False

    response = await put(client, visit_id, corrected, field.headers)

    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert response.json()["status"] == "submitted"
    assert await count(app, Answer, Answer.visit_id == visit_id) == 47
    assert await scalars(app, select(Answer.value).where(Answer.visit_id == visit_id, Answer.indicator == "A01")) == [
        False
    ]
    assert await scalars(
        app, select(VisitRevision.revision).where(VisitRevision.visit_id == visit_id).order_by(VisitRevision.revision)
    ) == [1, 2]
    actions = await scalars(
        app, select(AuditEvent.action).where(AuditEvent.entity_id == str(visit_id)).order_by(AuditEvent.id)
    )
    assert actions == ["visit.received", "visit.revised"]
    replay = await put(client, visit_id, corrected, field.headers)
    assert (replay.status_code, replay.json()) == (200, response.json())


async def test_a_new_revision_keeps_a_redeclared_photo_and_waits_for_a_new_one(app, client, make, field):
    kept = declaration(photo_file("DSCN0010.jpg"))
    dropped = declaration(photo_file("DSCN0012.jpg"), indicator="A02")
    visit_id = uuid.uuid4()
    await put(client, visit_id, visit_document(field.assignment, field.unit, photos=[kept, dropped]), field.headers)
    await execute(app, update(Photo).where(Photo.id == uuid.UUID(kept["id"])).values(stored_at=clock.now()))
    await return_for_correction(app, make, visit_id)
    new = declaration(photo_file("no_exif.jpg"), indicator="A03")

    response = await put(
        client, visit_id, visit_document(field.assignment, field.unit, revision=2, photos=[kept, new]), field.headers
    )

    assert response.status_code == 200
    assert response.json()["status"] == "incomplete"
    assert response.json()["missing_photos"] == [new["id"]]
    declared = await scalars(app, select(Photo.id).where(Photo.visit_id == visit_id))
    assert sorted(map(str, declared)) == sorted([kept["id"], new["id"]])


async def test_a_new_revision_cannot_take_a_photo_id_of_another_visit(app, client, make, field):
    other = declaration(photo_file("DSCN0010.jpg"))
    await put(client, uuid.uuid4(), visit_document(field.assignment, field.unit, photos=[other]), field.headers)
    visit_id = uuid.uuid4()
    await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)
    await return_for_correction(app, make, visit_id)

    response = await put(
        client, visit_id, visit_document(field.assignment, field.unit, revision=2, photos=[other]), field.headers
    )

    assert response.status_code == 409
    assert response.json()["code"] == "visit.conflict"
    assert (await stored_visit(app, visit_id)).revision == 1


async def test_a_new_visit_cannot_take_a_photo_id_of_another_visit(app, client, field):
    photo = declaration(photo_file("DSCN0010.jpg"))
    await put(client, uuid.uuid4(), visit_document(field.assignment, field.unit, photos=[photo]), field.headers)
    visit_id = uuid.uuid4()

    response = await put(client, visit_id, visit_document(field.assignment, field.unit, photos=[photo]), field.headers)

    assert response.status_code == 409
    assert await stored_visit(app, visit_id) is None


# --- invalid documents --------------------------------------------------------------------------------------------


async def test_a_body_that_is_not_json_is_a_malformed_request(client, field):
    response = await client.put(
        f"/api/visits/{uuid.uuid4()}",
        content=b'{"assignment_id": ',
        headers={**field.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "request.malformed"


def _spoil(doc, path, value):
    target = doc
    *parents, last = path
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return doc


_DELETE = object()
_FUTURE = (clock.now() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("path", "value", "field_name"),
    [
        (("revision",), "satu", "revision"),
        (("revision",), 0, "revision"),
        (("started_at",), _DELETE, "started_at"),
        (("started_at",), "2026-01-01T10:00:00", "started_at"),  # no offset
        (("positions", 0, "lat"), 91.0, "positions[0].lat"),
        (("positions", 0, "lon"), -181.0, "positions[0].lon"),
        (("answers", 0, "indicator"), "Z99", "answers[0].indicator"),
        (("answers", 0, "value"), "ya", "answers[0].value"),
        (("answers", 10, "value"), 5, "answers[10].value"),  # A11 is a 0–3 scale
        (("answers", 0, "not_applicable"), True, "answers[0].not_applicable"),  # A01 does not allow N/A
        (("answers", 0, "mood"), "happy", "answers[0].mood"),
        (("finished_at",), "2000-01-01T00:00:00+07:00", "finished_at"),
        (("finished_at",), _FUTURE, "finished_at"),
    ],
)
async def test_an_invalid_new_visit_is_refused_with_422_naming_the_field_and_nothing_is_stored(
    app, client, field, path, value, field_name
):
    visit_id = uuid.uuid4()
    doc = _spoil(visit_document(field.assignment, field.unit), path, value)

    response = await put(client, visit_id, doc, field.headers)

    assert response.status_code == 422
    assert response.json()["field"] == field_name
    assert await stored_visit(app, visit_id) is None


async def test_a_photo_for_an_unknown_indicator_or_declared_twice_is_refused(client, field):
    photo = declaration(photo_file("DSCN0010.jpg"))
    unknown = {**declaration(photo_file("DSCN0012.jpg")), "indicator": "Z99"}

    twice = await put(
        client, uuid.uuid4(), visit_document(field.assignment, field.unit, photos=[photo, photo]), field.headers
    )
    unknown_indicator = await put(
        client, uuid.uuid4(), visit_document(field.assignment, field.unit, photos=[unknown]), field.headers
    )

    assert (twice.status_code, twice.json()["field"]) == (422, "photos[1].id")
    assert (unknown_indicator.status_code, unknown_indicator.json()["field"]) == (422, "photos[0].indicator")


async def test_an_invalid_revision_leaves_the_stored_visit_unchanged(app, client, make, field):
    visit_id = uuid.uuid4()
    await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)
    await return_for_correction(app, make, visit_id)
    before = await stored_visit(app, visit_id)
    invalid = _spoil(visit_document(field.assignment, field.unit, revision=2), ("answers", 0, "value"), 7)

    response = await put(client, visit_id, invalid, field.headers)

    assert response.status_code == 422
    after = await stored_visit(app, visit_id)
    assert (after.revision, after.status, after.content_hash) == (1, "returned", before.content_hash)
    assert await count(app, Answer, Answer.visit_id == visit_id) == 48


# --- whose assignment, which wave ---------------------------------------------------------------------------------


async def test_a_visit_for_another_surveyors_assignment_is_forbidden(app, client, make, field):
    intruder = await make.user(role="surveyor")
    visit_id = uuid.uuid4()

    response = await put(client, visit_id, visit_document(field.assignment, field.unit), make.headers(intruder))

    assert response.status_code == 403
    assert response.json()["field"] == "assignment_id"
    assert await stored_visit(app, visit_id) is None


async def test_a_visit_for_an_unknown_assignment_is_refused_naming_the_assignment(client, make, field):
    doc = visit_document(field.assignment, field.unit, assignment_id=str(uuid.uuid4()))

    response = await put(client, uuid.uuid4(), doc, field.headers)

    assert response.status_code == 422
    assert response.json()["field"] == "assignment_id"


@pytest.mark.parametrize("wave_status", ["draft", "published"])
async def test_a_new_visit_in_a_wave_not_in_fieldwork_or_review_is_refused(app, client, field, wave_status):
    await execute(app, update(Wave).where(Wave.id == field.assignment.wave_id).values(status=wave_status))
    visit_id = uuid.uuid4()

    response = await put(client, visit_id, visit_document(field.assignment, field.unit), field.headers)

    assert response.status_code == 409
    assert response.json()["code"] == "wave.state"
    assert await stored_visit(app, visit_id) is None


async def test_a_replay_is_answered_after_the_wave_is_published(app, client, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit)
    first = await put(client, visit_id, doc, field.headers)
    await execute(app, update(Wave).where(Wave.id == field.assignment.wave_id).values(status="published"))

    replay = await put(client, visit_id, doc, field.headers)

    assert (replay.status_code, replay.json()) == (200, first.json())


async def test_only_surveyors_send_visits(client, make, field):
    admin = await make.user(role="admin")
    doc = visit_document(field.assignment, field.unit)

    as_admin = await put(client, uuid.uuid4(), doc, make.headers(admin))
    anonymous = await client.put(f"/api/visits/{uuid.uuid4()}", json=doc)

    assert (as_admin.status_code, anonymous.status_code) == (403, 401)
