"""Shared fixtures: a real database migrated with the real migrations (SQLite by default, PostgreSQL when
SIDAK_TEST_DATABASE_URL is set), the real app, and an HTTP client that drives it in-process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from server.config import Settings, load_settings
from server.db import migrate
from server.lib import clock
from tests.photos import GENERATED, PhotoSet

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE_URL = os.environ.get("SIDAK_TEST_DATABASE_URL", "")

# Property tests check what is true, not how fast: a 200 ms deadline fails them on a busy CI machine whenever a
# garbage collection or another process lands inside one example.
hypothesis_settings.register_profile("sidak", deadline=None)
hypothesis_settings.load_profile("sidak")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's synchronous API keeps an event loop running in the main thread for the
    rest of the session, which the asyncio tests must not meet."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


def reset_postgres_schema(url: str) -> None:
    sync_url = url.replace("+asyncpg", "+psycopg")
    engine = create_sync_engine(sync_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'sidak-test.db'}"
    # In a thread of its own: Alembic runs its own event loop, which cannot start inside a running one.
    with ThreadPoolExecutor(1) as executor:
        executor.submit(migrate.upgrade, url).result()
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    return load_settings(
        data_dir=data_dir,
        database_url=database_url,
        photo_store_url=str(data_dir / "photos"),
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        # Tests render the queue when they mean to (tests.photo_queue.drain), never behind their back.
        photo_worker=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    from server.app import create_app  # imported here so unit tests never need the whole app

    return create_app(settings)


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    # The app runs on the test's own event loop (not Litestar's portal thread), so the tests' factories and the
    # app can share the asyncpg connection pool.
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
            yield test_client


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own: pytest-asyncio sets a fixture up and tears it down in different
    tasks, and the lifespan's cancel scope must be left in the task that entered it."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # startup failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session")
def photos() -> PhotoSet:
    """The camera and phone photos, made here (tests/photos.py); the real ones in test_real_photo_corpus.py."""
    return GENERATED


@pytest.fixture(autouse=True)
def _reset_clock() -> None:
    clock.reset()
