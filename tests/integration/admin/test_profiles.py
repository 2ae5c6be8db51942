"""GET /api/admin/profiles: the scoring profiles a wave may use, with the cut-offs the console shows and edits."""

from __future__ import annotations

import pytest

from server.domain.results.profiles import PROFILES, profile_to_dict
from tests.integration.admin.test_places import assert_problem
from tests.integration.admin.test_waves import wave_body


async def test_an_admin_gets_every_profile_with_its_cut_offs_and_scale(client, admin_headers):
    response = await client.get("/api/admin/profiles", headers=admin_headers)

    assert response.status_code == 200, response.text
    profiles = {profile["key"]: profile for profile in response.json()}
    assert set(profiles) == set(PROFILES)
    for key, profile in PROFILES.items():
        listed = dict(profiles[key])
        assert listed.pop("scale_max") == str(profile.scale_max)
        assert listed == profile_to_dict(profile)
    assert profiles["ombudsman-2021"]["cutoffs"][0] == {
        "min": "81.00",
        "zone": "green",
        "grade": None,
        "label": {"id": "Kepatuhan Tinggi", "en": "High compliance"},
    }
    assert profiles["panrb-ipp"]["scale_max"] == "5"


async def test_a_listed_profile_with_an_edited_cut_off_is_what_a_new_wave_stores(client, admin_headers, make):
    await make.instrument()
    listed = (await client.get("/api/admin/profiles", headers=admin_headers)).json()
    edited = next(profile for profile in listed if profile["key"] == "ombudsman-2021")
    del edited["scale_max"]
    edited["cutoffs"][1]["min"] = "55.00"

    response = await client.post(
        "/api/admin/waves", json=wave_body(profile_key="ombudsman-2021", profile=edited), headers=admin_headers
    )

    assert response.status_code == 201, response.text
    assert [cutoff["min"] for cutoff in response.json()["profile"]["cutoffs"]] == ["81.00", "55.00", "0"]


async def test_cut_offs_edited_out_of_order_are_refused_naming_the_cut_off(client, admin_headers, make, row_counts):
    await make.instrument()
    listed = (await client.get("/api/admin/profiles", headers=admin_headers)).json()
    edited = next(profile for profile in listed if profile["key"] == "ombudsman-2021")
    del edited["scale_max"]
    edited["cutoffs"][1]["min"] = "85"
    before = await row_counts()

    response = await client.post("/api/admin/waves", json=wave_body(profile=edited), headers=admin_headers)

    assert_problem(response, 422, "request.invalid", "profile.cutoffs[1].min")
    assert await row_counts() == before


@pytest.mark.parametrize("role", ["surveyor", "supervisor"])
async def test_only_an_admin_lists_the_profiles(client, make, role):
    caller = await make.user(role=role)

    response = await client.get("/api/admin/profiles", headers=make.headers(caller))

    assert_problem(response, 403, "auth.forbidden")


async def test_an_anonymous_caller_is_asked_to_log_in(client):
    assert_problem(await client.get("/api/admin/profiles"), 401, "auth.required")
