"""A session ends when it should: deactivation, a password reset, logging out and a reused refresh token refuse
every access token issued before, at its very next request, not when it expires; a change of a supervisor's regions
shows at the next request too."""

from __future__ import annotations

import uuid

from server.lib.auth import Principal, issue_access_token
from tests.factories import TEST_PASSWORD

ME = "/api/me/assignments"
NEW_PASSWORD = "a new password that is long enough"


async def log_in(client, username: str) -> dict:
    response = await client.post("/api/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


async def status_with(client, tokens: dict, path: str = ME) -> int:
    return (await client.get(path, headers={"Authorization": f"Bearer {tokens['access_token']}"})).status_code


async def assert_session_ended(client, tokens: dict) -> None:
    response = await client.get(ME, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "auth.token_invalid"


async def test_deactivating_a_user_refuses_their_access_tokens_at_once(client, make):
    admin, surveyor = await make.user(role="admin"), await make.user(role="surveyor")
    phone, laptop = await log_in(client, surveyor.username), await log_in(client, surveyor.username)
    assert await status_with(client, phone) == 200

    response = await client.patch(
        f"/api/admin/users/{surveyor.id}", json={"is_active": False}, headers=make.headers(admin)
    )

    assert response.status_code == 200
    await assert_session_ended(client, phone)
    await assert_session_ended(client, laptop)


async def test_a_reactivated_user_logs_in_again_rather_than_reusing_old_tokens(client, make):
    admin, surveyor = await make.user(role="admin"), await make.user(role="surveyor")
    before = await log_in(client, surveyor.username)
    for is_active in (False, True):
        await client.patch(
            f"/api/admin/users/{surveyor.id}", json={"is_active": is_active}, headers=make.headers(admin)
        )

    await assert_session_ended(client, before)
    assert await status_with(client, await log_in(client, surveyor.username)) == 200


async def test_resetting_a_password_refuses_the_access_tokens_issued_before(client, make):
    admin, surveyor = await make.user(role="admin"), await make.user(role="surveyor")
    tokens = await log_in(client, surveyor.username)

    response = await client.patch(
        f"/api/admin/users/{surveyor.id}", json={"password": NEW_PASSWORD}, headers=make.headers(admin)
    )

    assert response.status_code == 200
    await assert_session_ended(client, tokens)


async def test_logging_out_refuses_that_logins_access_token_and_other_logins_refresh_theirs(client, make):
    surveyor = await make.user(role="surveyor")
    leaving, staying = await log_in(client, surveyor.username), await log_in(client, surveyor.username)

    response = await client.post("/api/auth/logout", json={"refresh_token": leaving["refresh_token"]})

    assert response.status_code == 204
    await assert_session_ended(client, leaving)
    assert (await client.post("/api/auth/refresh", json={"refresh_token": leaving["refresh_token"]})).status_code == 401
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": staying["refresh_token"]})
    assert refreshed.status_code == 200
    assert await status_with(client, refreshed.json()) == 200


async def test_a_reused_refresh_token_refuses_the_access_tokens_of_its_login(client, make):
    surveyor = await make.user(role="surveyor")
    first = await log_in(client, surveyor.username)
    rotated = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()

    reuse = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert reuse.status_code == 401
    await assert_session_ended(client, rotated)


async def test_a_token_for_a_user_who_no_longer_exists_or_under_another_role_is_refused(client, app, make):
    surveyor = await make.user(role="surveyor")
    settings = app.state.settings
    as_admin, _ = issue_access_token(
        Principal(id=surveyor.id, username=surveyor.username, role="admin"), settings.secret_key, 900
    )
    nobody, _ = issue_access_token(
        Principal(id=uuid.uuid4(), username="ghost", role="admin"),
        settings.secret_key,
        900,
    )

    for token in (as_admin, nobody):
        await assert_session_ended(client, {"access_token": token})


async def test_a_supervisors_new_regions_apply_to_the_next_request_of_the_same_token(client, two_surveyors):
    scene = two_surveyors
    other_region = await scene.make.region()
    tokens = await log_in(client, scene.supervisor.username)
    visit = f"/api/review/visits/{scene.their_visit_id}"
    assert await status_with(client, tokens, visit) == 200

    response = await client.patch(
        f"/api/admin/users/{scene.supervisor.id}",
        json={"region_ids": [str(other_region.id)]},
        headers=scene.headers(scene.admin),
    )

    assert response.status_code == 200
    assert await status_with(client, tokens, visit) == 404
