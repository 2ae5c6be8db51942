"""POST/GET /api/admin/waves/{id}/assignments: an explicit list or the seeded random draw."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest

from server.lib import clock
from tests.integration.admin.test_places import assert_problem


def window(days_from: int = -1, days_to: int = 7) -> dict[str, str]:
    now = clock.now()
    return {
        "window_start": (now + timedelta(days=days_from)).isoformat(),
        "window_end": (now + timedelta(days=days_to)).isoformat(),
    }


async def a_region_with_units(make, count: int, **unit_fields):
    region = await make.region()
    agencies = [await make.agency(region=region) for _ in range(3)]
    return [await make.unit(agency=agencies[i % 3], **unit_fields) for i in range(count)]


async def test_an_explicit_list_is_stored_and_listed_with_loads(client, admin_headers, make):
    wave = await make.wave(status="draft")
    units = await a_region_with_units(make, 3)
    surveyor = await make.user(role="surveyor", username="surveyor1")
    items = [{"unit_id": str(unit.id), "surveyor_id": str(surveyor.id), **window()} for unit in units]

    response = await client.post(
        f"/api/admin/waves/{wave.id}/assignments", json={"assignments": items}, headers=admin_headers
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["dry_run"] is False
    assert sorted(a["unit"]["id"] for a in body["assignments"]) == sorted(str(u.id) for u in units)
    assert all(a["id"] for a in body["assignments"])
    assert body["loads"] == [
        {
            "surveyor": {"id": str(surveyor.id), "username": "surveyor1", "display_name": surveyor.display_name},
            "assignments": 3,
        }
    ]
    listed = (await client.get(f"/api/admin/waves/{wave.id}/assignments", headers=admin_headers)).json()
    assert sorted(a["id"] for a in listed["assignments"]) == sorted(a["id"] for a in body["assignments"])
    wave_detail = (await client.get(f"/api/admin/waves/{wave.id}", headers=admin_headers)).json()
    assert wave_detail["assignment_count"] == 3


async def test_every_bad_item_of_an_explicit_list_is_named_and_nothing_is_written(
    client, admin_headers, make, row_counts
):
    wave = await make.wave(status="draft")
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")
    supervisor = await make.user(role="supervisor")
    items = [
        {"unit_id": str(unit.id), "surveyor_id": str(surveyor.id), **window()},
        {"unit_id": str(uuid.uuid4()), "surveyor_id": str(surveyor.id), **window()},
        {"unit_id": str(unit.id), "surveyor_id": str(supervisor.id), **window()},
        {"unit_id": str(unit.id), "surveyor_id": str(surveyor.id), **window(days_from=3, days_to=1)},
    ]
    before = await row_counts()

    response = await client.post(
        f"/api/admin/waves/{wave.id}/assignments", json={"assignments": items}, headers=admin_headers
    )

    body = assert_problem(response, 422, "request.invalid", "assignments[1].unit_id")
    assert [e["field"] for e in body["errors"]] == [
        "assignments[1].unit_id",
        "assignments[2].surveyor_id",
        "assignments[3].window_end",
        "assignments[3]",
    ]
    assert await row_counts() == before


async def test_an_explicit_assignment_against_a_declared_conflict_is_refused(
    client, admin_headers, make, app, row_counts
):
    wave = await make.wave(status="draft")
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")
    await client.post(
        f"/api/admin/users/{surveyor.id}/conflicts", json={"agency_id": str(unit.agency_id)}, headers=admin_headers
    )
    before = await row_counts()

    response = await client.post(
        f"/api/admin/waves/{wave.id}/assignments",
        json={"assignments": [{"unit_id": str(unit.id), "surveyor_id": str(surveyor.id), **window()}]},
        headers=admin_headers,
    )

    assert_problem(response, 422, "request.invalid", "assignments[0].surveyor_id")
    assert await row_counts() == before


async def test_an_assignment_that_already_exists_is_a_duplicate(client, admin_headers, make, row_counts):
    existing = await make.assignment(wave=await make.wave(status="draft"))
    before = await row_counts()

    response = await client.post(
        f"/api/admin/waves/{existing.wave_id}/assignments",
        json={
            "assignments": [{"unit_id": str(existing.unit_id), "surveyor_id": str(existing.surveyor_id), **window()}]
        },
        headers=admin_headers,
    )

    assert_problem(response, 409, "duplicate", "assignments[0]")
    assert await row_counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "assignments"),
        ({"assignments": [], "draw": {"seed": 1, "surveyor_ids": [str(uuid.UUID(int=1))], **window()}}, "assignments"),
        ({"assignments": []}, "assignments"),
        (
            {
                "assignments": [
                    {
                        "unit_id": str(uuid.UUID(int=1)),
                        "surveyor_id": str(uuid.UUID(int=2)),
                        "window_start": "2021-06-01T08:00:00",
                        "window_end": "2021-06-02T08:00:00+07:00",
                    }
                ]
            },
            "assignments[0].window_start",
        ),
        ({"draw": {"seed": 1, "surveyor_ids": [], **window()}}, "draw.surveyor_ids"),
        ({"draw": {"seed": True, "surveyor_ids": [str(uuid.UUID(int=1))], **window()}}, "draw.seed"),
    ],
)
async def test_bad_assignment_bodies_are_refused_and_write_nothing(
    client, admin_headers, make, row_counts, body, field
):
    wave = await make.wave(status="draft")
    before = await row_counts()

    response = await client.post(f"/api/admin/waves/{wave.id}/assignments", json=body, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)
    assert await row_counts() == before


async def test_a_wave_in_review_takes_no_new_assignments(client, admin_headers, make, row_counts):
    wave = await make.wave(status="review")
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")
    before = await row_counts()

    response = await client.post(
        f"/api/admin/waves/{wave.id}/assignments",
        json={"assignments": [{"unit_id": str(unit.id), "surveyor_id": str(surveyor.id), **window()}]},
        headers=admin_headers,
    )

    assert_problem(response, 409, "wave.state")
    assert await row_counts() == before


async def test_assignments_of_an_unknown_wave_are_404(client, admin_headers):
    response = await client.get(f"/api/admin/waves/{uuid.uuid4()}/assignments", headers=admin_headers)

    assert_problem(response, 404, "not_found")


# --- the draw ---------------------------------------------------------------------------------------------------


async def draw(client, headers, wave, surveyors, seed=2021, **extra):
    return await client.post(
        f"/api/admin/waves/{wave.id}/assignments",
        json={"draw": {"seed": seed, "surveyor_ids": [str(s.id) for s in surveyors], **window(), **extra}},
        headers=headers,
    )


async def test_a_draw_gives_each_unit_one_surveyor_with_balanced_loads(client, admin_headers, make):
    wave = await make.wave(status="fieldwork")
    units = await a_region_with_units(make, 10)
    surveyors = [await make.user(role="surveyor") for _ in range(3)]

    response = await draw(client, admin_headers, wave, surveyors)

    assert response.status_code == 201, response.text
    body = response.json()
    assert sorted(a["unit"]["id"] for a in body["assignments"]) == sorted(str(u.id) for u in units)
    assert sorted(load["assignments"] for load in body["loads"]) == [3, 3, 4]
    assert body["seed"] == 2021 and body["unassigned"] == []


async def test_a_dry_run_draw_previews_without_writing_and_the_real_draw_matches_it(
    client, admin_headers, make, row_counts
):
    wave = await make.wave(status="fieldwork")
    await a_region_with_units(make, 8)
    surveyors = [await make.user(role="surveyor") for _ in range(3)]
    before = await row_counts()

    preview = await draw(client, admin_headers, wave, surveyors, seed="cirebon", dry_run=True)

    assert preview.status_code == 200
    assert await row_counts() == before
    assert all(a["id"] is None for a in preview.json()["assignments"])
    stored = await draw(client, admin_headers, wave, surveyors, seed="cirebon")
    pairs = lambda body: sorted((a["unit"]["id"], a["surveyor"]["id"]) for a in body["assignments"])  # noqa: E731
    assert pairs(stored.json()) == pairs(preview.json())


async def test_the_same_seed_on_a_fresh_wave_draws_the_same_pairs(client, admin_headers, make):
    await a_region_with_units(make, 9)
    surveyors = [await make.user(role="surveyor") for _ in range(2)]
    instrument = await make.instrument()
    first = await make.wave(status="draft", instrument=instrument)
    second = await make.wave(status="draft", instrument=instrument)

    a = (await draw(client, admin_headers, first, surveyors, seed=7)).json()
    b = (await draw(client, admin_headers, second, surveyors, seed=7)).json()

    assert sorted((x["unit"]["id"], x["surveyor"]["id"]) for x in a["assignments"]) == sorted(
        (x["unit"]["id"], x["surveyor"]["id"]) for x in b["assignments"]
    )


async def test_the_draw_respects_declared_conflicts_and_reports_a_unit_nobody_may_take(client, admin_headers, make):
    wave = await make.wave(status="draft")
    units = await a_region_with_units(make, 6)
    surveyors = [await make.user(role="surveyor") for _ in range(2)]
    blocked = units[0]
    for surveyor in surveyors:
        await client.post(
            f"/api/admin/users/{surveyor.id}/conflicts", json={"unit_id": str(blocked.id)}, headers=admin_headers
        )
    await client.post(
        f"/api/admin/users/{surveyors[0].id}/conflicts",
        json={"agency_id": str(units[1].agency_id)},
        headers=admin_headers,
    )

    body = (await draw(client, admin_headers, wave, surveyors)).json()

    assert [u["id"] for u in body["unassigned"]] == [str(blocked.id)]
    assert any(w["code"] == "unit.unassignable" and w["unit_id"] == str(blocked.id) for w in body["warnings"])
    taken_by_first = {a["unit"]["id"] for a in body["assignments"] if a["surveyor"]["id"] == str(surveyors[0].id)}
    assert not taken_by_first & {str(u.id) for u in units if u.agency_id == units[1].agency_id}
    assert len(body["assignments"]) == 5


async def test_a_second_draw_covers_only_units_not_yet_assigned(client, admin_headers, make):
    wave = await make.wave(status="fieldwork")
    agency = await make.agency()
    first_units = [await make.unit(agency=agency) for _ in range(4)]
    surveyors = [await make.user(role="surveyor") for _ in range(2)]
    await draw(client, admin_headers, wave, surveyors)
    later = await make.unit(agency=agency)

    body = (await draw(client, admin_headers, wave, surveyors, seed=2)).json()

    assert [a["unit"]["id"] for a in body["assignments"]] == [str(later.id)]
    listed = (await client.get(f"/api/admin/waves/{wave.id}/assignments", headers=admin_headers)).json()
    assert Counter(a["unit"]["id"] for a in listed["assignments"]) == Counter(str(u.id) for u in [*first_units, later])


async def test_units_without_coordinates_are_drawn_with_a_warning(client, admin_headers, make):
    wave = await make.wave(status="draft")
    unit = await make.unit(lat=None, lon=None)
    surveyor = await make.user(role="surveyor")

    body = (await draw(client, admin_headers, wave, [surveyor], unit_ids=[str(unit.id)])).json()

    assert [a["unit"]["id"] for a in body["assignments"]] == [str(unit.id)]
    assert [(w["code"], w["unit_id"]) for w in body["warnings"]] == [("unit.no_coordinates", str(unit.id))]


async def test_a_draw_naming_an_unknown_unit_or_a_non_surveyor_is_refused(client, admin_headers, make, row_counts):
    wave = await make.wave(status="draft")
    await make.unit()
    surveyor = await make.user(role="surveyor")
    supervisor = await make.user(role="supervisor")
    before = await row_counts()

    unknown_unit = await draw(client, admin_headers, wave, [surveyor], unit_ids=[str(uuid.uuid4())])
    not_a_surveyor = await draw(client, admin_headers, wave, [surveyor, supervisor])

    assert_problem(unknown_unit, 422, "request.invalid", "draw.unit_ids[0]")
    assert_problem(not_a_surveyor, 422, "request.invalid", "draw.surveyor_ids[1]")
    assert await row_counts() == before


async def test_a_window_outside_the_wave_period_is_a_warning(client, admin_headers, make):
    wave = await make.wave(status="draft")  # the factory's period: today ± 30 days
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")

    body = (
        await client.post(
            f"/api/admin/waves/{wave.id}/assignments",
            json={
                "assignments": [
                    {"unit_id": str(unit.id), "surveyor_id": str(surveyor.id), **window(days_from=20, days_to=40)}
                ]
            },
            headers=admin_headers,
        )
    ).json()

    assert [w["code"] for w in body["warnings"]] == ["window.outside_period"]
