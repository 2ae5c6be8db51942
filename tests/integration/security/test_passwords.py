"""Passwords are stored as argon2id hashes and never written anywhere in clear: not in a log line at any level, not
in the audit trail, not in an answer."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from server.db.models import AuditEvent, User

NEW_PASSWORD = "kata-sandi-rahasia-9f3Q"
OTHER_PASSWORD = "sandi-pengganti-77xZ"


async def stored_hash(app, username: str) -> str:
    async with app.state.session_factory() as session:
        return await session.scalar(select(User.password_hash).where(User.username == username))


async def test_a_new_and_a_reset_password_are_stored_as_argon2id_hashes(client, app, make):
    admin = await make.user(role="admin")

    created = await client.post(
        "/api/admin/users",
        headers=make.headers(admin),
        json={"username": "petugas.baru", "display_name": "Petugas Baru", "role": "surveyor", "password": NEW_PASSWORD},
    )
    first = await stored_hash(app, "petugas.baru")
    await client.patch(
        f"/api/admin/users/{created.json()['id']}", headers=make.headers(admin), json={"password": OTHER_PASSWORD}
    )
    second = await stored_hash(app, "petugas.baru")

    assert created.status_code == 201
    for stored in (first, second):
        assert stored.startswith("$argon2id$")
        assert NEW_PASSWORD not in stored and OTHER_PASSWORD not in stored
    assert first != second


async def test_no_password_appears_in_any_log_record_audit_event_or_answer(client, app, make, caplog):
    caplog.set_level(logging.DEBUG)
    admin = await make.user(role="admin")
    answers = []

    answers.append(
        await client.post(
            "/api/admin/users",
            headers=make.headers(admin),
            json={
                "username": "petugas.log",
                "display_name": "Petugas Log",
                "role": "surveyor",
                "password": NEW_PASSWORD,
            },
        )
    )
    user_id = answers[-1].json()["id"]
    answers.append(await client.post("/api/auth/login", json={"username": "petugas.log", "password": NEW_PASSWORD}))
    answers.append(
        await client.post("/api/auth/login", json={"username": "petugas.log", "password": NEW_PASSWORD + "x"})
    )
    answers.append(await client.post("/api/auth/login", json={"username": "nobody", "password": NEW_PASSWORD}))
    answers.append(
        await client.patch(
            f"/api/admin/users/{user_id}", headers=make.headers(admin), json={"password": OTHER_PASSWORD}
        )
    )
    answers.append(await client.post("/api/auth/login", json={"username": "petugas.log", "password": OTHER_PASSWORD}))

    assert [answer.status_code for answer in answers] == [201, 200, 401, 401, 200, 200]
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {vars(record)!r}" for record in caplog.records
    )
    async with app.state.session_factory() as session:
        audit = json.dumps([event.data for event in (await session.scalars(select(AuditEvent))).all()])
    for password in (NEW_PASSWORD, OTHER_PASSWORD):
        assert password not in logged
        assert password not in caplog.text
        assert password not in audit
        assert all(password not in answer.text for answer in answers)
