from __future__ import annotations

import asyncio

from sqlalchemy import select

from server.cli import main
from server.db.models import User
from server.lib.auth import verify_password


async def test_createuser_stores_an_argon2_hashed_password_from_the_environment(app, client, settings, monkeypatch):
    monkeypatch.setenv("SIDAK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SIDAK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SIDAK_PASSWORD", "s3cret-from-env")

    assert await asyncio.to_thread(main, ["createuser", "kepala", "--role", "admin"]) == 0

    async with app.state.session_factory() as session:
        user = await session.scalar(select(User).where(User.username == "kepala"))
    assert user.role == "admin"
    assert user.password_hash.startswith("$argon2")
    assert verify_password(user.password_hash, "s3cret-from-env")


async def test_createuser_refuses_a_taken_username_without_a_traceback(
    app, client, settings, monkeypatch, capsys, make
):
    await make.user(username="kepala")
    monkeypatch.setenv("SIDAK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SIDAK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SIDAK_PASSWORD", "whatever-long-enough")

    exit_code = await asyncio.to_thread(main, ["createuser", "kepala", "--role", "surveyor"])

    assert exit_code == 1
    err = capsys.readouterr().err
    assert err.startswith("sidak createuser:") and "Traceback" not in err
