"""PostgreSQL connections closed by the server while idle in the pool are replaced before anyone gets one."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import make_url, text

from server.db.engine import create_engine
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (SIDAK_TEST_DATABASE_URL)")


async def test_a_connection_the_server_terminated_is_replaced_without_failing_a_request():
    url = make_url(TEST_DATABASE_URL)
    engine = create_engine(TEST_DATABASE_URL)
    try:
        async with engine.connect() as connection:
            first_pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        admin = await asyncpg.connect(user=url.username, host=url.host, port=url.port or 5432, database=url.database)
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", first_pid)
        finally:
            await admin.close()
        await asyncio.sleep(0.2)  # the loop reads the server's goodbye on the idle socket
        async with engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            assert pid != first_pid
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
