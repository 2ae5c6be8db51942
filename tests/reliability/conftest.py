"""Reliability tests run against the real server: `sidak serve --workers 2` in a subprocess over a data dir filled by
`sidak demo`, on SQLite — or, when SIDAK_TEST_DATABASE_URL names a PostgreSQL server, on a scratch database of its
own there. Short in CI; SIDAK_RELIABILITY_FULL=1 runs them long (docs/operations.md, "Reliability").

Fixtures:
  field        — the server the sync tests share (faults, disconnects, the photo fuzz), with surveyors to spare
  photo_pool   — phone-sized JPEGs, each taken photo with bytes of its own
  open_field   — for a module that needs a server of its own (the schema fuzz changes admin data at random)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.fieldwork import (
    PhotoPool,
    SidakServer,
    add_surveyors,
    is_full_mode,
    run_demo,
    scratch_postgres,
    sqlite_url,
)

TEST_DATABASE_URL = os.environ.get("SIDAK_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
FULL = is_full_mode()


@dataclass
class Field:
    data_dir: Path
    database_url: str
    server: SidakServer
    logins: dict[str, str]
    """The demo's logins and the surveyors added for the tests."""
    surveyors: list[str]
    """The added surveyors, each with an assignment, for tests to share out."""

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def take_surveyors(self, count: int) -> list[tuple[str, str]]:
        """``count`` surveyors no other test has used (so each test's visits are its own)."""
        if count > len(self.surveyors):
            raise RuntimeError(f"the field has {len(self.surveyors)} unused surveyors, not {count}")
        taken, self.surveyors = self.surveyors[:count], self.surveyors[count:]
        return [(username, self.logins[username]) for username in taken]


@contextmanager
def _database(data_dir: Path, name: str) -> Iterator[str]:
    if not ON_POSTGRES:
        yield sqlite_url(data_dir)
        return
    from sqlalchemy import make_url

    # Named after the test database, so whose scratch database it is shows (it is dropped afterwards).
    scratch_name = f"{make_url(TEST_DATABASE_URL).database}_reliability_{name}_{os.getpid()}"
    with scratch_postgres(TEST_DATABASE_URL, scratch_name) as url:
        yield url


@contextmanager
def _field(data_dir: Path, name: str, surveyors: int) -> Iterator[Field]:
    import asyncio

    with _database(data_dir, name) as database_url:
        logins = run_demo(data_dir, database_url)
        server = SidakServer(data_dir, database_url, workers=2).start()
        try:
            added = asyncio.run(add_surveyors(server.base_url, logins["admin"], surveyors, prefix=f"{name}-"))
            yield Field(data_dir, database_url, server, {**logins, **added}, list(added))
        finally:
            server.stop()


@pytest.fixture(scope="session")
def open_field(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, int], AbstractContextManager[Field]]:
    def open_one(name: str, surveyors: int = 0) -> AbstractContextManager[Field]:
        return _field(tmp_path_factory.mktemp(f"field-{name}"), name, surveyors)

    return open_one


@pytest.fixture(scope="session")
def field(open_field: Callable[[str, int], AbstractContextManager[Field]]) -> Iterator[Field]:
    with open_field("sync", 40 if FULL else 16) as opened:
        yield opened


@pytest.fixture(scope="session")
def photo_pool() -> PhotoPool:
    # Full size in the full mode; smaller in CI, where the point is the faults, not the decoding.
    return PhotoPool(count=16, long_side=1600) if FULL else PhotoPool(count=8, long_side=800)
