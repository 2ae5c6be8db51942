"""Roles are exactly admin, supervisor and surveyor. A unit's staff have no account type at all: nothing in the API
offers one, the database refuses one, and a token claiming one is not accepted."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from server.db.models import User
from server.lib import clock
from server.lib.auth import Principal, issue_access_token
from tests.factories import TEST_PASSWORD


@pytest.mark.parametrize("role", ["staff", "unit_staff", "unit", "kepala_unit", "petugas_layanan", "ADMIN", ""])
async def test_the_database_refuses_any_role_but_the_three(app, role):
    now = clock.now()
    row = User(
        username=f"staf-{uuid.uuid4().hex[:8]}",
        display_name="Staf Loket",
        role=role,
        password_hash="x",
        is_active=True,
        created_at=now,
        password_changed_at=now,
    )

    with pytest.raises(IntegrityError):
        async with app.state.session_factory() as session, session.begin():
            session.add(row)


async def test_the_admin_api_creates_no_account_for_a_units_staff(client, make):
    admin = await make.user(role="admin")

    response = await client.post(
        "/api/admin/users",
        headers=make.headers(admin),
        json={"username": "staf.loket", "display_name": "Staf Loket", "role": "unit_staff", "password": TEST_PASSWORD},
    )

    assert response.status_code == 422
    users = (await client.get("/api/admin/users", headers=make.headers(admin))).json()
    assert "staf.loket" not in {user["username"] for user in users}


async def test_the_published_api_names_exactly_three_roles(client):
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]

    assert sorted(schemas["NewUser"]["properties"]["role"]["enum"]) == ["admin", "supervisor", "surveyor"]


async def test_a_correctly_signed_token_claiming_another_role_is_refused(client, app, make):
    surveyor = await make.user(role="surveyor")
    settings = app.state.settings
    token, _ = issue_access_token(
        Principal(id=surveyor.id, username=surveyor.username, role="unit_staff"),
        settings.secret_key,
        settings.access_token_ttl_s,
    )

    response = await client.get("/api/me/assignments", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_invalid"
