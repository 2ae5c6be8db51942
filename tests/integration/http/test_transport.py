"""What every response promises, whatever the route: problem+json errors, security headers, bounded bodies."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import make_url


async def test_api_errors_are_problem_json_without_tracebacks(client):
    response = await client.get("/api/no-such-route")

    assert response.status_code in (401, 404)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "code", "detail"} <= body.keys()
    assert "Traceback" not in response.text


async def test_a_wrong_method_is_a_405_problem(client):
    response = await client.get("/api/auth/login")

    assert response.status_code == 405
    assert response.json()["code"] == "request.method_not_allowed"


async def test_an_oversized_json_body_is_refused_with_413(client, settings):
    huge = b'{"username": "' + b"x" * (settings.max_json_bytes + 10) + b'", "password": "p"}'

    response = await client.post("/api/auth/login", content=huge, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json()["code"] == "request.too_large"


async def test_every_response_carries_the_security_headers(client):
    for path in ("/", "/api/auth/login", "/schema/openapi.json"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert response.headers["x-frame-options"] == "DENY", path
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path


async def test_the_app_pages_forbid_inline_scripts(client):
    csp = (await client.get("/")).headers["content-security-policy"]

    script_policy = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_policy


async def test_api_answers_are_never_stored_by_caches(client):
    response = await client.post("/api/auth/login", json={"username": "nobody", "password": "x"})

    assert response.headers["cache-control"] == "no-store"


async def test_the_openapi_document_is_served(client):
    response = await client.get("/schema/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Sidak API"


async def test_the_app_shells_are_revalidated_so_a_new_version_shows_at_once(client):
    for path in ("/", "/sw.js", "/console/"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache", path


async def test_a_read_is_answered_while_another_process_holds_the_write_lock(client, make, settings):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock; PostgreSQL readers never wait for writers")
    surveyor = await make.user(role="surveyor")
    other_process = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None, timeout=0)
    other_process.execute("BEGIN IMMEDIATE")  # e.g. another worker in the middle of a visit PUT
    try:
        answer = await asyncio.wait_for(client.get("/api/me/assignments", headers=make.headers(surveyor)), timeout=5)
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()

    assert answer.status_code == 200
