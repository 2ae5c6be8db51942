"""Access tokens are HS256 JWTs signed with the install's secret; nothing else gets in. Refresh tokens rotate, and
a rotated one used again closes every session of that login."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

from server.lib import clock
from tests.factories import TEST_PASSWORD

ME = "/api/me/assignments"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    decode = lambda text: json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))  # noqa: E731
    return decode(header), decode(payload), signature


async def log_in(client, username: str) -> dict:
    response = await client.post("/api/auth/login", json={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


async def called_with(client, token: str) -> int:
    return (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code


@pytest.fixture
async def surveyor_tokens(client, make) -> dict:
    surveyor = await make.user(role="surveyor")
    tokens = await log_in(client, surveyor.username)
    assert await called_with(client, tokens["access_token"]) == 200
    return tokens


async def test_an_expired_token_is_refused(client, surveyor_tokens):
    clock.advance(timedelta(minutes=15, seconds=1))

    assert await called_with(client, surveyor_tokens["access_token"]) == 401


async def test_a_token_whose_claims_were_changed_is_refused(client, surveyor_tokens):
    header, claims, signature = parts(surveyor_tokens["access_token"])
    claims["role"] = "admin"

    assert await called_with(client, f"{b64(header)}.{b64(claims)}.{signature}") == 401


async def test_a_token_signed_with_another_key_is_refused(client, surveyor_tokens):
    _, claims, _ = parts(surveyor_tokens["access_token"])

    forged = jwt.encode(claims, "another-secret-key-that-is-long-enough-for-hs256", algorithm="HS256")

    assert await called_with(client, forged) == 401


@pytest.mark.parametrize("signature", ["", "keep"], ids=["unsigned", "with-the-old-signature"])
async def test_a_token_with_alg_none_is_refused(client, surveyor_tokens, signature):
    _, claims, old_signature = parts(surveyor_tokens["access_token"])
    claims["role"] = "admin"

    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.{old_signature if signature else ''}"

    assert await called_with(client, forged) == 401


@pytest.mark.filterwarnings("ignore:The HMAC key is .* bytes long")
async def test_a_token_signed_with_the_right_key_but_another_algorithm_is_refused(client, app, surveyor_tokens):
    _, claims, _ = parts(surveyor_tokens["access_token"])

    other_algorithm = jwt.encode(claims, app.state.settings.secret_key, algorithm="HS512")

    assert await called_with(client, other_algorithm) == 401


async def test_a_refresh_token_is_no_access_token(client, surveyor_tokens):
    assert await called_with(client, surveyor_tokens["refresh_token"]) == 401


async def test_a_signed_token_of_another_type_is_refused(client, app, surveyor_tokens):
    _, claims, _ = parts(surveyor_tokens["access_token"])
    claims["typ"] = "refresh"

    assert await called_with(client, jwt.encode(claims, app.state.settings.secret_key, algorithm="HS256")) == 401


async def test_reusing_a_rotated_refresh_token_closes_every_session_of_that_login_only(client, make):
    surveyor = await make.user(role="surveyor")
    first = await log_in(client, surveyor.username)
    other_phone = await log_in(client, surveyor.username)
    rotated = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()

    reuse = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})

    assert reuse.status_code == 401
    family_member = await client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert family_member.status_code == 401
    unrelated = await client.post("/api/auth/refresh", json={"refresh_token": other_phone["refresh_token"]})
    assert unrelated.status_code == 200


async def test_a_logged_out_refresh_token_cannot_be_used(client, surveyor_tokens):
    await client.post("/api/auth/logout", json={"refresh_token": surveyor_tokens["refresh_token"]})

    response = await client.post("/api/auth/refresh", json={"refresh_token": surveyor_tokens["refresh_token"]})

    assert response.status_code == 401
