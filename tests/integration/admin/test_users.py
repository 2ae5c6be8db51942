"""Users through the admin API: create, list, deactivate, reset a password, supervisor regions, conflicts."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent, RefreshToken, User
from tests.factories import TEST_PASSWORD
from tests.integration.admin.test_places import assert_problem

NEW_PASSWORD = "a long new password"


async def login(client, username, password=TEST_PASSWORD):
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_an_admin_creates_a_supervisor_who_covers_regions_and_can_log_in(client, admin_headers, make, app):
    region = await make.region(code="32.09", name="Kabupaten Cirebon")

    created = await client.post(
        "/api/admin/users",
        json={
            "username": "Supervisor1",
            "display_name": "Siti Rahmawati",
            "role": "supervisor",
            "password": "rahasia-sekali",
            "region_ids": [str(region.id)],
        },
        headers=admin_headers,
    )

    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["username"], user["role"], user["is_active"]) == ("supervisor1", "supervisor", True)
    assert user["regions"] == [{"id": str(region.id), "code": "32.09", "name": "Kabupaten Cirebon"}]
    assert (await login(client, "supervisor1", "rahasia-sekali")).status_code == 200
    async with app.state.session_factory() as session:
        stored = await session.scalar(select(User).where(User.username == "supervisor1"))
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert stored.password_hash.startswith("$argon2")
    assert "rahasia" not in str(event.data)


async def test_users_are_listed_and_filtered_by_role(client, admin_headers, make):
    surveyor = await make.user(role="surveyor", username="surveyor1")

    everyone = (await client.get("/api/admin/users", headers=admin_headers)).json()
    surveyors = (await client.get("/api/admin/users", params={"role": "surveyor"}, headers=admin_headers)).json()

    assert {u["username"] for u in everyone} == {"admin", "surveyor1"}
    assert [u["id"] for u in surveyors] == [str(surveyor.id)]


async def test_a_taken_username_is_a_conflict_and_writes_nothing(client, admin_headers, make, row_counts):
    await make.user(username="surveyor1")
    before = await row_counts()

    response = await client.post(
        "/api/admin/users",
        json={"username": "SURVEYOR1", "display_name": "Lagi", "role": "surveyor", "password": "long enough"},
        headers=admin_headers,
    )

    assert_problem(response, 409, "duplicate", "username")
    assert await row_counts() == before


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"username": "bad name!"}, "username"),
        ({"role": "superuser"}, "role"),
        ({"password": "short"}, "password"),
        ({"region_ids": [str(uuid.UUID(int=5))], "role": "supervisor"}, "region_ids[0]"),
        ({"region_ids": ["REGION"], "role": "supervisor"}, "region_ids[0]"),
        ({"display_name": 42}, "display_name"),
    ],
)
async def test_bad_user_bodies_are_refused_with_the_field_and_write_nothing(
    client, admin_headers, row_counts, changes, field
):
    before = await row_counts()
    body = {"username": "surveyor9", "display_name": "Uji", "role": "surveyor", "password": "long enough", **changes}

    response = await client.post("/api/admin/users", json=body, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)
    assert await row_counts() == before


async def test_only_supervisors_cover_regions(client, admin_headers, make, row_counts):
    region = await make.region()
    before = await row_counts()

    response = await client.post(
        "/api/admin/users",
        json={
            "username": "surveyor9",
            "display_name": "Uji",
            "role": "surveyor",
            "password": "long enough",
            "region_ids": [str(region.id)],
        },
        headers=admin_headers,
    )

    assert_problem(response, 422, "request.invalid", "region_ids")
    assert await row_counts() == before


async def test_deactivating_a_user_refuses_their_logins_and_ends_their_sessions(client, admin_headers, make, app):
    surveyor = await make.user(username="surveyor1")
    tokens = (await login(client, "surveyor1")).json()

    response = await client.patch(f"/api/admin/users/{surveyor.id}", json={"is_active": False}, headers=admin_headers)

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert (await login(client, "surveyor1")).status_code == 401
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    async with app.state.session_factory() as session:
        revoked = (await session.scalars(select(RefreshToken.revoked_at))).all()
    assert revoked and all(at is not None for at in revoked)


async def test_resetting_a_password_lets_only_the_new_one_in(client, admin_headers, make):
    surveyor = await make.user(username="surveyor1")

    response = await client.patch(
        f"/api/admin/users/{surveyor.id}", json={"password": NEW_PASSWORD}, headers=admin_headers
    )

    assert response.status_code == 200
    assert (await login(client, "surveyor1")).status_code == 401
    assert (await login(client, "surveyor1", NEW_PASSWORD)).status_code == 200


async def test_a_supervisors_regions_are_replaced(client, admin_headers, make):
    old, new = await make.region(), await make.region()
    supervisor = await make.user(role="supervisor", regions=[old])

    response = await client.patch(
        f"/api/admin/users/{supervisor.id}", json={"region_ids": [str(new.id)]}, headers=admin_headers
    )

    assert [r["id"] for r in response.json()["regions"]] == [str(new.id)]


async def test_an_admin_cannot_deactivate_themselves(client, make, row_counts):
    admin = await make.user(role="admin")
    before = await row_counts()

    response = await client.patch(
        f"/api/admin/users/{admin.id}", json={"is_active": False}, headers=make.headers(admin)
    )

    assert_problem(response, 422, "request.invalid", "is_active")
    assert await row_counts() == before


async def test_patching_an_unknown_user_is_404(client, admin_headers):
    response = await client.patch(f"/api/admin/users/{uuid.uuid4()}", json={"is_active": False}, headers=admin_headers)

    assert_problem(response, 404, "not_found")


async def test_a_surveyor_declares_a_conflict_with_an_agency(client, admin_headers, make, app):
    surveyor = await make.user(role="surveyor")
    agency = await make.agency(name="RSUD Waled")

    response = await client.post(
        f"/api/admin/users/{surveyor.id}/conflicts",
        json={"agency_id": str(agency.id), "note": "Kakak bekerja di sana"},
        headers=admin_headers,
    )

    assert response.status_code == 201, response.text
    [conflict] = response.json()["conflicts"]
    assert (conflict["agency_id"], conflict["unit_id"], conflict["note"]) == (
        str(agency.id),
        None,
        "Kakak bekerja di sana",
    )
    detail = (await client.get(f"/api/admin/users/{surveyor.id}", headers=admin_headers)).json()
    assert detail["conflicts"] == [conflict]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "agency_id"),
        ({"unit_id": "UNIT", "agency_id": None}, "unit_id"),
        ({"unit_id": str(uuid.UUID(int=3))}, "unit_id"),
        ({"agency_id": str(uuid.UUID(int=3))}, "agency_id"),
    ],
)
async def test_bad_conflicts_are_refused_and_write_nothing(client, admin_headers, make, row_counts, body, field):
    surveyor = await make.user(role="surveyor")
    before = await row_counts()

    response = await client.post(f"/api/admin/users/{surveyor.id}/conflicts", json=body, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)
    assert await row_counts() == before


async def test_a_conflict_declared_twice_is_a_duplicate(client, admin_headers, make):
    surveyor = await make.user(role="surveyor")
    unit = await make.unit()
    url = f"/api/admin/users/{surveyor.id}/conflicts"
    await client.post(url, json={"unit_id": str(unit.id)}, headers=admin_headers)

    response = await client.post(url, json={"unit_id": str(unit.id)}, headers=admin_headers)

    assert_problem(response, 409, "duplicate", "unit_id")


async def test_only_surveyors_declare_conflicts(client, admin_headers, make):
    supervisor = await make.user(role="supervisor")
    unit = await make.unit()

    response = await client.post(
        f"/api/admin/users/{supervisor.id}/conflicts", json={"unit_id": str(unit.id)}, headers=admin_headers
    )

    assert_problem(response, 422, "request.invalid")
