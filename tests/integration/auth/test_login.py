from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from server.db.models import AuditEvent, LoginAttempt, RefreshToken
from server.lib import clock
from tests.factories import TEST_PASSWORD


async def login(client, username, password=TEST_PASSWORD, **kwargs):
    return await client.post("/api/auth/login", json={"username": username, "password": password}, **kwargs)


async def count(app, statement):
    async with app.state.session_factory() as session:
        return await session.scalar(statement)


async def test_login_returns_tokens_and_the_user(client, make):
    surveyor = await make.user(role="surveyor", username="surveyor1")

    response = await login(client, "surveyor1")

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": str(surveyor.id),
        "username": "surveyor1",
        "display_name": surveyor.display_name,
        "role": "surveyor",
    }
    assert body["expires_in"] == 15 * 60
    me = await client.get("/api/me/assignments", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200


async def test_wrong_password_is_refused_and_audited(client, make, app):
    await make.user(username="surveyor1")

    response = await login(client, "surveyor1", "wrong")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "auth.invalid_credentials"
    assert (
        await count(app, select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.login_failed"))
        == 1
    )


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    response = await login(client, "nobody", "whatever")

    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password."


async def test_deactivated_user_cannot_log_in(client, make):
    await make.user(username="gone", is_active=False)

    assert (await login(client, "gone")).status_code == 401


async def test_repeated_failures_are_throttled_with_retry_after(client, make, app):
    await make.user(username="surveyor1")
    for _ in range(5):
        assert (await login(client, "surveyor1", "wrong")).status_code == 401

    throttled = await login(client, "surveyor1")  # even the right password waits

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "auth.throttled"
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    clock.advance(timedelta(minutes=16))
    assert (await login(client, "surveyor1")).status_code == 200


async def test_a_successful_login_is_audited_and_recorded(client, make, app):
    await make.user(username="admin", role="admin")

    await login(client, "admin")

    assert await count(app, select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.login")) == 1
    assert await count(app, select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded)) == 1


async def test_refresh_rotates_the_refresh_token(client, make, app):
    await make.user(username="surveyor1")
    first = (await login(client, "surveyor1")).json()

    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != first["refresh_token"]
    stored = await count(app, select(func.count()).select_from(RefreshToken))
    assert stored == 2
    # only hashes are stored
    async with app.state.session_factory() as session:
        hashes = (await session.scalars(select(RefreshToken.token_hash))).all()
    assert first["refresh_token"] not in hashes


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client, make):
    await make.user(username="surveyor1")
    first = (await login(client, "surveyor1")).json()
    second = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()

    reuse = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert reuse.status_code == 401
    after = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


async def test_expired_access_token_is_refused(client, make):
    await make.user(username="surveyor1")
    tokens = (await login(client, "surveyor1")).json()

    clock.advance(timedelta(minutes=16))
    response = await client.get("/api/me/assignments", headers={"Authorization": f"Bearer {tokens['access_token']}"})

    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_invalid"


async def test_tampered_access_token_is_refused(client, make):
    await make.user(username="surveyor1")
    token = (await login(client, "surveyor1")).json()["access_token"]
    header, payload, signature = token.split(".")
    forged = ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])

    response = await client.get("/api/me/assignments", headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401


async def test_malformed_login_body_is_a_problem(client):
    response = await client.post("/api/auth/login", content=b"{not json", headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["code"] == "request.malformed"


async def test_login_with_missing_field_names_the_field(client):
    response = await client.post("/api/auth/login", json={"username": "x"})

    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"


async def test_a_missing_field_is_named_in_the_problem(client):
    response = await client.post("/api/auth/login", json={"username": "x"})

    assert response.json()["field"] == "password"


async def test_an_unknown_field_is_named_in_the_problem(client):
    response = await client.post("/api/auth/login", json={"username": "x", "password": "y", "pasword": "z"})

    assert response.status_code == 422
    assert response.json()["field"] == "pasword"
