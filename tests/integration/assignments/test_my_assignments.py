"""GET /api/me/assignments: what a surveyor's phone downloads."""

from __future__ import annotations

import uuid
from datetime import timedelta

from server.db.models import Visit
from server.lib import clock


async def a_visit(app, assignment, *, status: str, started_hours_ago: float) -> Visit:
    started_at = clock.now() - timedelta(hours=started_hours_ago)
    visit = Visit(
        id=uuid.uuid4(),
        assignment_id=assignment.id,
        wave_id=assignment.wave_id,
        unit_id=assignment.unit_id,
        surveyor_id=assignment.surveyor_id,
        revision=1,
        status=status,
        content_hash="0" * 64,
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=20),
        first_received_at=started_at + timedelta(minutes=30),
        updated_at=clock.now(),
    )
    async with app.state.session_factory() as session, session.begin():
        session.add(visit)
    return visit


async def test_a_surveyor_gets_their_open_assignments_in_the_contract_shape(client, make):
    surveyor = await make.user(role="surveyor")
    region = await make.region(name="Kabupaten Cirebon")
    agency = await make.agency(region=region, name="Dinas Kesehatan")
    unit = await make.unit(agency=agency, name="Puskesmas Sumber", lat=-6.7617, lon=108.4772, geofence_m=120)
    wave = await make.wave(name="Penilaian Kepatuhan 2021")
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)

    response = await client.get("/api/me/assignments", headers=make.headers(surveyor))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": str(assignment.id),
            "wave": {"id": str(wave.id), "name": "Penilaian Kepatuhan 2021"},
            "unit": {
                "id": str(unit.id),
                "name": "Puskesmas Sumber",
                "agency": "Dinas Kesehatan",
                "region": "Kabupaten Cirebon",
                "address": unit.address,
                "lat": -6.7617,
                "lon": 108.4772,
                "geofence_m": 120,
            },
            "instrument": {"key": "ombudsman-kepatuhan", "version": "1"},
            "window": {"start": response.json()[0]["window"]["start"], "end": response.json()[0]["window"]["end"]},
            "visit": None,
        }
    ]
    window = response.json()[0]["window"]
    assert window["start"].endswith(("Z", "+00:00")) and window["end"] > window["start"]


async def test_only_the_callers_assignments_of_waves_in_fieldwork_or_review_are_listed_by_window_start(client, make):
    surveyor, other = await make.user(role="surveyor"), await make.user(role="surveyor")
    instrument = await make.instrument()
    now = clock.now()
    later = await make.assignment(
        wave=await make.wave(instrument=instrument, status="review"),
        surveyor=surveyor,
        window_start=now + timedelta(days=2),
        window_end=now + timedelta(days=9),
    )
    sooner = await make.assignment(
        wave=await make.wave(instrument=instrument, status="fieldwork"),
        surveyor=surveyor,
        window_start=now - timedelta(days=1),
        window_end=now + timedelta(days=3),
    )
    for status in ("draft", "published"):
        await make.assignment(wave=await make.wave(instrument=instrument, status=status), surveyor=surveyor)
    await make.assignment(wave=await make.wave(instrument=instrument), surveyor=other)

    response = await client.get("/api/me/assignments", headers=make.headers(surveyor))

    assert [a["id"] for a in response.json()] == [str(sooner.id), str(later.id)]


async def test_each_assignment_shows_the_latest_visit_the_surveyor_made(client, make, app):
    surveyor = await make.user(role="surveyor")
    assignment = await make.assignment(surveyor=surveyor)
    await a_visit(app, assignment, status="rejected", started_hours_ago=48)
    latest = await a_visit(app, assignment, status="returned", started_hours_ago=2)

    [listed] = (await client.get("/api/me/assignments", headers=make.headers(surveyor))).json()

    assert listed["visit"] == {"id": str(latest.id), "status": "returned"}


async def test_other_roles_have_no_assignments(client, make):
    await make.assignment()
    supervisor = await make.user(role="supervisor")

    response = await client.get("/api/me/assignments", headers=make.headers(supervisor))

    assert (response.status_code, response.json()) == (200, [])
