"""Waves through the admin API: created in draft on an instrument version and a profile, moved forward only."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent
from server.domain.results.profiles import OMBUDSMAN_2022, profile_to_dict
from tests.integration.admin.test_places import assert_problem


def wave_body(**changes) -> dict:
    return {
        "name": "Penilaian Kepatuhan 2021",
        "instrument": {"key": "ombudsman-kepatuhan", "version": "1"},
        "period": {"start": "2021-06-01", "end": "2021-08-31"},
        **changes,
    }


async def test_an_admin_creates_a_wave_in_draft_with_default_profile_and_settings(client, admin_headers, make):
    instrument = await make.instrument()

    response = await client.post(
        "/api/admin/waves", json=wave_body(integrity_settings={"max_accuracy_m": 50}), headers=admin_headers
    )

    assert response.status_code == 201, response.text
    wave = response.json()
    assert (wave["name"], wave["kind"], wave["status"], wave["profile_key"]) == (
        "Penilaian Kepatuhan 2021",
        "external",
        "draft",
        "ombudsman-2021",
    )
    assert wave["instrument"] == {
        "id": str(instrument.id),
        "key": "ombudsman-kepatuhan",
        "version": "1",
        "title": instrument.title,
    }
    assert wave["period"] == {"start": "2021-06-01", "end": "2021-08-31"}
    assert wave["profile"]["cutoffs"][0]["min"] == "81.00"
    assert wave["integrity_settings"]["max_accuracy_m"] == 50
    assert wave["integrity_settings"]["geofence_default_m"] == 100
    assert (await client.get(f"/api/admin/waves/{wave['id']}", headers=admin_headers)).json() == wave
    assert [w["id"] for w in (await client.get("/api/admin/waves", headers=admin_headers)).json()] == [wave["id"]]


async def test_a_wave_may_carry_an_edited_profile(client, admin_headers, make):
    await make.instrument()
    edited = profile_to_dict(OMBUDSMAN_2022)
    edited["cutoffs"][0]["min"] = "90.00"

    response = await client.post(
        "/api/admin/waves",
        json=wave_body(profile_key="ombudsman-2022", profile=edited, kind="internal"),
        headers=admin_headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["profile"]["cutoffs"][0]["min"] == "90.00"
    assert response.json()["kind"] == "internal"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"instrument": {"key": "ombudsman-kepatuhan", "version": "2"}}, "instrument"),
        ({"instrument": {"key": "ombudsman-kepatuhan", "version": "satu dua"}}, "instrument.version"),
        ({"profile_key": "ombudsman-1999"}, "profile"),
        ({"profile_key": "ombudsman-2021", "profile": profile_to_dict(OMBUDSMAN_2022)}, "profile.key"),
        ({"profile": {"key": "ombudsman-2021", "kind": "zones", "cutoffs": []}}, "profile.cutoffs"),
        ({"period": {"start": "2021-09-01", "end": "2021-08-31"}}, "period.end"),
        ({"period": {"start": "kemarin", "end": "2021-08-31"}}, "period.start"),
        ({"integrity_settings": {"max_acuracy_m": 50}}, "integrity_settings.max_acuracy_m"),
        ({"integrity_settings": {"max_accuracy_m": -1}}, "integrity_settings.max_accuracy_m"),
        ({"kind": "secret"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_wave_bodies_are_refused_naming_the_field_and_write_nothing(
    client, admin_headers, make, row_counts, changes, field
):
    await make.instrument()
    before = await row_counts()

    response = await client.post("/api/admin/waves", json=wave_body(**changes), headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)
    assert await row_counts() == before


async def test_a_second_wave_with_the_same_name_is_a_conflict(client, admin_headers, make, row_counts):
    await make.wave(name="Penilaian Kepatuhan 2021")
    before = await row_counts()

    response = await client.post("/api/admin/waves", json=wave_body(), headers=admin_headers)

    assert_problem(response, 409, "duplicate", "name")
    assert await row_counts() == before


async def test_a_wave_moves_forward_step_by_step_and_each_step_is_audited(client, admin_headers, make, app):
    wave = await make.wave(status="draft")
    url = f"/api/admin/waves/{wave.id}/status"

    fieldwork = await client.post(url, json={"status": "fieldwork"}, headers=admin_headers)
    review = await client.post(url, json={"status": "review"}, headers=admin_headers)

    assert (fieldwork.status_code, fieldwork.json()["status"]) == (200, "fieldwork")
    assert (review.status_code, review.json()["status"]) == (200, "review")
    async with app.state.session_factory() as session:
        events = (
            await session.scalars(
                select(AuditEvent.data).where(AuditEvent.action == "wave.status_changed").order_by(AuditEvent.id)
            )
        ).all()
    assert events == [{"from": "draft", "to": "fieldwork"}, {"from": "fieldwork", "to": "review"}]


@pytest.mark.parametrize(
    "status_now, wanted",
    [
        ("draft", "review"),
        ("fieldwork", "draft"),
        ("fieldwork", "fieldwork"),
        ("review", "published"),
        ("review", "fieldwork"),
    ],
)
async def test_a_wave_never_moves_back_or_skips_a_step(client, admin_headers, make, row_counts, status_now, wanted):
    wave = await make.wave(status=status_now)
    before = await row_counts()

    response = await client.post(f"/api/admin/waves/{wave.id}/status", json={"status": wanted}, headers=admin_headers)

    body = assert_problem(response, 409, "wave.state")
    assert body["status_now"] == status_now
    assert await row_counts() == before


async def test_an_unknown_status_word_is_refused(client, admin_headers, make):
    wave = await make.wave(status="draft")

    response = await client.post(f"/api/admin/waves/{wave.id}/status", json={"status": "done"}, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", "status")


async def test_an_unknown_wave_is_404(client, admin_headers):
    detail = await client.get(f"/api/admin/waves/{uuid.uuid4()}", headers=admin_headers)
    move = await client.post(
        f"/api/admin/waves/{uuid.uuid4()}/status", json={"status": "fieldwork"}, headers=admin_headers
    )

    assert_problem(detail, 404, "not_found")
    assert_problem(move, 404, "not_found")
