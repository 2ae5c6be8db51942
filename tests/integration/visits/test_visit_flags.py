"""Integrity flags computed on visit PUT: all stored for reviewers, only the actionable ones on the receipt."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.db.models import Flag, Wave
from server.lib import clock
from tests.integration.visits.helpers import (
    declaration,
    photo_file,
    positions_at,
    return_for_correction,
    scalars,
    visit_document,
)

FAR_AWAY = (-6.70, 108.56)  # about 11 km from Sumber


async def stored_codes(app, visit_id):
    return set(await scalars(app, select(Flag.code).where(Flag.visit_id == visit_id)))


def receipt_codes(response):
    return {flag["code"] for flag in response.json()["flags"]}


async def test_the_receipt_shows_position_flags_but_hides_the_speed_heuristic_that_reviewers_get(app, client, field):
    visit_id = uuid.uuid4()
    started_at = clock.now() - timedelta(minutes=20)
    doc = visit_document(
        field.assignment,
        field.unit,
        started_at=started_at,
        minutes=1,
        positions=positions_at(*FAR_AWAY, at=started_at, accuracy_m=150),
    )

    response = await client.put(f"/api/visits/{visit_id}", json=doc, headers=field.headers)

    assert response.status_code == 201
    assert receipt_codes(response) == {"geo.outside", "geo.inaccurate"}
    assert await stored_codes(app, visit_id) == {"geo.outside", "geo.inaccurate", "visit.too_fast"}


async def test_stored_flags_keep_their_measurements_and_the_receipt_only_the_contracts_fields(app, client, field):
    visit_id = uuid.uuid4()
    started_at = clock.now() - timedelta(minutes=20)
    doc = visit_document(
        field.assignment,
        field.unit,
        started_at=started_at,
        positions=positions_at(*FAR_AWAY, at=started_at, accuracy_m=150),
    )

    response = await client.put(f"/api/visits/{visit_id}", json=doc, headers=field.headers)

    assert {tuple(sorted(flag)) for flag in response.json()["flags"]} == {("code", "detail", "severity")}
    stored = {flag.code: flag for flag in await scalars(app, select(Flag).where(Flag.visit_id == visit_id))}
    assert stored["geo.inaccurate"].facts == {"accuracy_m": 150, "limit_m": 100}
    outside = stored["geo.outside"].facts
    assert set(outside) == {"distance_m", "geofence_m", "accuracy_m"} and outside["distance_m"] > 10_000
    assert f"{outside['distance_m']:,} m" in stored["geo.outside"].detail


async def test_a_visit_first_received_days_after_it_finished_is_flagged_late_for_reviewers_only(app, client, field):
    visit_id = uuid.uuid4()
    doc = visit_document(field.assignment, field.unit, started_at=clock.now() - timedelta(days=5))

    response = await client.put(f"/api/visits/{visit_id}", json=doc, headers=field.headers)

    assert response.json()["flags"] == []
    assert await stored_codes(app, visit_id) == {"visit.late_sync"}


async def test_a_photo_declared_with_the_hash_of_another_visits_photo_is_flagged_reused(app, client, make, field):
    photo = photo_file("DSCN0010.jpg")
    first_visit_id = uuid.uuid4()
    await client.put(
        f"/api/visits/{first_visit_id}",
        headers=field.headers,
        json=visit_document(field.assignment, field.unit, photos=[declaration(photo)]),
    )
    copier = await make.user(role="surveyor")
    other_unit = await make.unit()
    assignment = await make.assignment(wave=await _wave_of(app, field), unit=other_unit, surveyor=copier)
    visit_id = uuid.uuid4()

    response = await client.put(
        f"/api/visits/{visit_id}",
        headers=make.headers(copier),
        json=visit_document(assignment, other_unit, photos=[declaration(photo)]),
    )

    assert response.status_code == 201
    assert "photo.reused" not in receipt_codes(response)
    flags = await scalars(app, select(Flag).where(Flag.visit_id == visit_id, Flag.code == "photo.reused"))
    assert [flag.severity for flag in flags] == ["critical"]
    assert flags[0].facts["same_file"] == [str(first_visit_id)]


async def test_a_new_revision_replaces_the_stored_flags(app, client, make, field):
    visit_id = uuid.uuid4()
    started_at = clock.now() - timedelta(minutes=40)
    far = visit_document(
        field.assignment, field.unit, started_at=started_at, positions=positions_at(*FAR_AWAY, at=started_at)
    )
    await client.put(f"/api/visits/{visit_id}", json=far, headers=field.headers)
    await return_for_correction(app, make, visit_id)

    response = await client.put(
        f"/api/visits/{visit_id}", headers=field.headers, json=visit_document(field.assignment, field.unit, revision=2)
    )

    assert response.status_code == 200
    assert response.json()["flags"] == []
    assert await stored_codes(app, visit_id) == set()


async def test_a_unit_without_coordinates_gets_no_distance_flags(app, client, make):
    unit = await make.unit(lat=None, lon=None)
    surveyor = await make.user(role="surveyor")
    assignment = await make.assignment(unit=unit, surveyor=surveyor)
    visit_id = uuid.uuid4()
    started_at = clock.now() - timedelta(minutes=40)
    doc = visit_document(assignment, unit, started_at=started_at, positions=positions_at(*FAR_AWAY, at=started_at))

    response = await client.put(f"/api/visits/{visit_id}", json=doc, headers=make.headers(surveyor))

    assert response.status_code == 201
    assert not {"geo.outside", "photo.far"} & await stored_codes(app, visit_id)


async def _wave_of(app, field):
    return (await scalars(app, select(Wave).where(Wave.id == field.assignment.wave_id)))[0]
