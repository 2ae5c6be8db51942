"""PATCH /api/admin/waves/{id}: name, period and integrity settings in draft or fieldwork; the instrument version and
the scoring profile in draft only. Every edit is audited; every refusal writes nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent
from server.domain.instruments.defaults import load_default_instrument
from server.domain.results.profiles import OMBUDSMAN_2022, PANRB_IPP, profile_to_dict
from tests.integration.admin.test_places import assert_problem


async def a_second_version(make):
    document = load_default_instrument()
    document.version = "2"
    return await make.instrument(document)


async def wave_events(app, wave_id) -> list[dict]:
    async with app.state.session_factory() as session:
        return list(
            (
                await session.scalars(
                    select(AuditEvent.data)
                    .where(AuditEvent.action == "wave.updated", AuditEvent.entity_id == str(wave_id))
                    .order_by(AuditEvent.id)
                )
            ).all()
        )


async def test_a_draft_wave_takes_a_new_name_period_instrument_profile_and_settings(client, admin_headers, make, app):
    wave = await make.wave(status="draft", integrity_settings={"max_accuracy_m": 80.0, "phash_max_distance": 4})
    second = await a_second_version(make)

    response = await client.patch(
        f"/api/admin/waves/{wave.id}",
        headers=admin_headers,
        json={
            "name": "  Penilaian   Kepatuhan 2025 ",
            "period": {"start": "2025-05-01", "end": "2025-06-30"},
            "integrity_settings": {"max_accuracy_m": 50},
            "instrument": {"key": second.key, "version": "2"},
            "profile_key": "ombudsman-2022",
        },
    )

    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["name"] == "Penilaian Kepatuhan 2025"
    assert edited["period"] == {"start": "2025-05-01", "end": "2025-06-30"}
    assert (edited["instrument"]["id"], edited["instrument"]["version"]) == (str(second.id), "2")
    assert edited["profile_key"] == "ombudsman-2022"
    assert edited["profile"] == profile_to_dict(OMBUDSMAN_2022)
    # Settings not sent keep their stored value; the ones sent replace theirs.
    assert edited["integrity_settings"]["max_accuracy_m"] == 50
    assert edited["integrity_settings"]["phash_max_distance"] == 4
    assert (await client.get(f"/api/admin/waves/{wave.id}", headers=admin_headers)).json() == edited
    [event] = await wave_events(app, wave.id)
    assert set(event["changes"]) == {"name", "period", "integrity_settings", "instrument", "profile", "profile_key"}
    assert event["changes"]["period"] == [
        [wave.period_start.isoformat(), wave.period_end.isoformat()],
        ["2025-05-01", "2025-06-30"],
    ]
    assert event["changes"]["instrument"][1] == {"key": second.key, "version": "2"}


async def test_a_draft_wave_takes_an_edited_copy_of_its_own_profile(client, admin_headers, make):
    wave = await make.wave(status="draft", profile_key="ombudsman-2022")
    edited = profile_to_dict(OMBUDSMAN_2022)
    edited["cutoffs"][0]["min"] = "90.00"

    response = await client.patch(f"/api/admin/waves/{wave.id}", json={"profile": edited}, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert response.json()["profile_key"] == "ombudsman-2022"
    assert response.json()["profile"]["cutoffs"][0]["min"] == "90.00"


async def test_a_wave_in_fieldwork_takes_a_new_name_period_and_settings(client, admin_headers, make, app):
    wave = await make.wave(status="fieldwork")

    response = await client.patch(
        f"/api/admin/waves/{wave.id}",
        headers=admin_headers,
        json={
            "name": "Gelombang Diperpanjang",
            "period": {"start": wave.period_start.isoformat(), "end": "2099-12-31"},
            "integrity_settings": {"min_seconds_per_indicator": 8},
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "fieldwork"
    assert response.json()["period"]["end"] == "2099-12-31"
    assert response.json()["integrity_settings"]["min_seconds_per_indicator"] == 8
    [event] = await wave_events(app, wave.id)
    assert set(event["changes"]) == {"name", "period", "integrity_settings"}


@pytest.mark.parametrize(
    "changes",
    [
        {"instrument": {"key": "ombudsman-kepatuhan", "version": "1"}},
        {"profile_key": "ombudsman-2022"},
        {"profile": profile_to_dict(PANRB_IPP)},
    ],
)
async def test_the_instrument_and_profile_of_a_wave_in_fieldwork_cannot_change(
    client, admin_headers, make, row_counts, changes
):
    wave = await make.wave(status="fieldwork")
    before = await row_counts()

    response = await client.patch(
        f"/api/admin/waves/{wave.id}", json={"name": "Nama Baru", **changes}, headers=admin_headers
    )

    body = assert_problem(response, 409, "wave.state", next(iter(changes)))
    assert body["status_now"] == "fieldwork"
    assert await row_counts() == before
    assert (await client.get(f"/api/admin/waves/{wave.id}", headers=admin_headers)).json()["name"] == wave.name


@pytest.mark.parametrize("status", ["review", "published"])
async def test_a_wave_in_review_or_published_cannot_be_edited(client, admin_headers, make, row_counts, status):
    wave = await make.wave(status=status)
    before = await row_counts()

    response = await client.patch(f"/api/admin/waves/{wave.id}", json={"name": "Nama Baru"}, headers=admin_headers)

    assert assert_problem(response, 409, "wave.state")["status_now"] == status
    assert await row_counts() == before


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"period": {"start": "2025-07-01", "end": "2025-06-30"}}, "period.end"),
        ({"period": {"start": "2025-07-01"}}, "period.end"),
        ({"period": {"start": "besok", "end": "2025-06-30"}}, "period.start"),
        ({"integrity_settings": {"max_acuracy_m": 50}}, "integrity_settings.max_acuracy_m"),
        ({"integrity_settings": {"photo_time_tolerance_s": 1.5}}, "integrity_settings.photo_time_tolerance_s"),
        ({"integrity_settings": {"max_accuracy_m": -1}}, "integrity_settings.max_accuracy_m"),
        ({"integrity_settings": {"max_accuracy_m": True}}, "integrity_settings.max_accuracy_m"),
        ({"instrument": {"key": "ombudsman-kepatuhan", "version": "9"}}, "instrument"),
        ({"instrument": {"key": "ombudsman-kepatuhan"}}, "instrument.version"),
        ({"profile_key": "ombudsman-1999"}, "profile"),
        ({"profile_key": "ombudsman-2021", "profile": profile_to_dict(OMBUDSMAN_2022)}, "profile.key"),
        ({"profile": {"key": "ombudsman-2021", "kind": "zones", "cutoffs": []}}, "profile.cutoffs"),
        ({"name": "   "}, "name"),
        ({"name": ""}, "name"),
        ({"name": 7}, "name"),
        ({"status": "published"}, "status"),
    ],
)
async def test_bad_edits_are_refused_naming_the_field_and_write_nothing(
    client, admin_headers, make, row_counts, changes, field
):
    wave = await make.wave(status="draft")
    before = await row_counts()

    response = await client.patch(f"/api/admin/waves/{wave.id}", json=changes, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)
    assert await row_counts() == before


async def test_a_name_another_wave_has_is_a_conflict(client, admin_headers, make, row_counts):
    instrument = await make.instrument()
    await make.wave(name="Penilaian Kepatuhan 2021", instrument=instrument)
    wave = await make.wave(status="draft", instrument=instrument)
    before = await row_counts()

    response = await client.patch(
        f"/api/admin/waves/{wave.id}", json={"name": "penilaian kepatuhan 2021"}, headers=admin_headers
    )

    assert_problem(response, 409, "duplicate", "name")
    assert await row_counts() == before


async def test_a_wave_keeps_its_own_name_in_another_case(client, admin_headers, make):
    wave = await make.wave(status="draft", name="Penilaian Kepatuhan 2021")

    response = await client.patch(
        f"/api/admin/waves/{wave.id}", json={"name": "PENILAIAN KEPATUHAN 2021"}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "PENILAIAN KEPATUHAN 2021"


async def test_an_edit_that_changes_nothing_writes_no_audit_event(client, admin_headers, make, row_counts):
    wave = await make.wave(status="draft")
    before = await row_counts()

    response = await client.patch(
        f"/api/admin/waves/{wave.id}",
        headers=admin_headers,
        json={
            "name": wave.name,
            "period": {"start": wave.period_start.isoformat(), "end": wave.period_end.isoformat()},
        },
    )

    assert response.status_code == 200, response.text
    assert await row_counts() == before


async def test_a_malformed_body_is_refused(client, admin_headers, make):
    wave = await make.wave(status="draft")

    response = await client.patch(
        f"/api/admin/waves/{wave.id}",
        content=b'{"name": ',
        headers={**admin_headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_wave_is_404(client, admin_headers):
    response = await client.patch(f"/api/admin/waves/{uuid.uuid4()}", json={"name": "X"}, headers=admin_headers)

    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize("role", ["surveyor", "supervisor"])
async def test_only_an_admin_edits_a_wave(client, make, row_counts, role):
    wave = await make.wave(status="draft")
    caller = await make.user(role=role)
    before = await row_counts()

    response = await client.patch(
        f"/api/admin/waves/{wave.id}", json={"name": "Nama Baru"}, headers=make.headers(caller)
    )

    assert_problem(response, 403, "auth.forbidden")
    assert await row_counts() == before
