"""The migrations are the schema: they build it from empty, undo it, and agree with the models."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect, make_url, select, text

from server.db import migrate
from server.db.engine import create_engine, create_session_factory
from server.db.models import Base, Photo, PhotoLookAlikeKey, UtcDateTime, Visit
from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Instrument as InstrumentDocument
from server.domain.instruments.services import content_hash
from server.domain.visits.look_alike_index import band_keys
from server.lib import clock
from tests.conftest import TEST_DATABASE_URL
from tests.factories import Factory


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A database of its own (never the one the other tests share)."""
    if not TEST_DATABASE_URL:
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    admin = create_sync_engine(TEST_DATABASE_URL.replace("+asyncpg", "+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"{make_url(TEST_DATABASE_URL).database}_migrations"  # per test database: parallel runs never meet
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


def sync_url(url: str) -> str:
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def table_names(url: str) -> set[str]:
    engine = create_sync_engine(sync_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[object]:
    engine = create_sync_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


async def in_thread(function, *args):
    # Alembic's env runs its own event loop; keep it off the test's loop.
    return await asyncio.to_thread(function, *args)


async def test_migrations_build_every_table_from_empty(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)

    assert await in_thread(table_names, empty_database_url) == set(Base.metadata.tables)


async def test_the_migrated_schema_matches_the_models(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)

    assert await in_thread(schema_differences, empty_database_url) == []


async def test_downgrading_to_empty_and_upgrading_again_round_trips(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)
    await in_thread(migrate.downgrade, empty_database_url, "base")
    assert await in_thread(table_names, empty_database_url) == set()

    await in_thread(migrate.upgrade, empty_database_url)

    assert await in_thread(table_names, empty_database_url) == set(Base.metadata.tables)
    assert await in_thread(schema_differences, empty_database_url) == []


async def a_visit_with_two_photos(url: str, first: dict, second: dict) -> tuple[Any, Photo, Photo]:
    """An assignment, and a visit of it declaring two photos that differ by the columns given (as the code of an
    earlier revision left them)."""
    engine = create_engine(url)
    try:
        make = Factory(SimpleNamespace(state=SimpleNamespace(session_factory=create_session_factory(engine))))
        assignment = await make.assignment()
        now = clock.now()
        visit = Visit(
            id=uuid.uuid4(),
            assignment_id=assignment.id,
            wave_id=assignment.wave_id,
            unit_id=assignment.unit_id,
            surveyor_id=assignment.surveyor_id,
            revision=1,
            status="submitted",
            content_hash="0" * 64,
            started_at=now,
            finished_at=now,
            first_received_at=now,
            updated_at=now,
        )
        photos = [
            Photo(
                id=uuid.uuid4(),
                visit_id=visit.id,
                indicator="A01",
                sha256=f"{n}" * 64,
                size=1,
                content_type="image/jpeg",
                taken_at=now,
                declared_revision=1,
                **columns,
            )
            for n, columns in ((1, first), (2, second))
        ]
        await make._save(visit)
        await make._save(*photos)
    finally:
        await engine.dispose()
    return assignment, photos[0], photos[1]


def all_rows(url: str, table: sa.Table) -> list[Any]:
    engine = create_sync_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(table)))
    finally:
        engine.dispose()


async def test_the_look_alike_index_is_filled_with_the_photos_stored_before_it(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)
    assignment, hashed, _unhashed = await a_visit_with_two_photos(
        empty_database_url, {"phash": "0123456789abcdef"}, {"phash": None}
    )
    previous = "0007"  # the revision before the index's
    await in_thread(migrate.downgrade, empty_database_url, previous)
    assert "photo_look_alike_keys" not in await in_thread(table_names, empty_database_url)

    await in_thread(migrate.upgrade, empty_database_url)

    rows = await in_thread(all_rows, empty_database_url, PhotoLookAlikeKey.__table__)
    assert {(row.photo_id, row.key, row.surveyor_id, row.unit_id) for row in rows} == {
        (hashed.id, key, assignment.surveyor_id, assignment.unit_id) for key in band_keys("0123456789abcdef")
    }


def old_content_hash(document: dict) -> str:
    """The content hash as the code before text versions computed it: the same recipe over a numbered document."""
    plain = json.loads(json.dumps(document))
    for dimension in plain["dimensions"]:
        for indicator in dimension["indicators"]:
            if indicator.get("xlsform") is None:
                indicator.pop("xlsform", None)
    return hashlib.sha256(msgspec.json.encode(plain, order="sorted")).hexdigest()


def instrument_rows(url: str) -> list[Any]:
    engine = create_sync_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT id, key, version, document, content_hash FROM instruments")))
    finally:
        engine.dispose()


def insert_numbered_instrument(url: str, version: int | str) -> dict:
    document = msgspec.to_builtins(load_default_instrument())
    document["version"] = version
    # As the earlier code stored it: without the fields added to the document since.
    document.pop("metadata")
    for dimension in document["dimensions"]:
        dimension.pop("xlsform")
        for indicator in dimension["indicators"]:
            indicator.pop("choice_list")
            indicator.pop("notes")
    engine = create_sync_engine(sync_url(url))
    instruments = sa.table(
        "instruments",
        *(sa.column(name) for name in ("key", "version", "title", "content_hash")),
        sa.column("id", sa.Uuid()),
        sa.column("created_at", UtcDateTime()),
        sa.column("document", sa.JSON()),
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                instruments.insert().values(
                    id=uuid.uuid4(),
                    key=document["key"],
                    version=version,
                    title="Kepatuhan",
                    document=document,
                    content_hash=old_content_hash(document),
                    created_at=clock.now(),
                )
            )
    finally:
        engine.dispose()
    return document


def as_json(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else value


async def test_numbered_instrument_versions_become_their_decimal_text_and_back(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url, "0006")
    numbered = await in_thread(insert_numbered_instrument, empty_database_url, 202512071530)

    await in_thread(migrate.upgrade, empty_database_url, "0009")

    [row] = await in_thread(instrument_rows, empty_database_url)
    document = as_json(row.document)
    assert (row.version, document["version"]) == ("202512071530", "202512071530")
    # The hash follows the document, so uploading the same checklist again is still a replay.
    assert row.content_hash == content_hash(msgspec.convert(document, InstrumentDocument))

    await in_thread(migrate.downgrade, empty_database_url, "0006")

    [row] = await in_thread(instrument_rows, empty_database_url)
    assert (row.version, as_json(row.document)) == (202512071530, numbered)
    assert row.content_hash == old_content_hash(numbered)


async def test_downgrading_is_refused_while_a_version_is_not_a_whole_number(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)
    await in_thread(insert_numbered_instrument, empty_database_url, "1.2.0")

    with pytest.raises(RuntimeError, match="not whole numbers"):
        await in_thread(migrate.downgrade, empty_database_url, "0006")

    [row] = await in_thread(instrument_rows, empty_database_url)
    assert row.version == "1.2.0"


async def test_photos_stored_before_the_render_queue_count_as_rendered(empty_database_url):
    await in_thread(migrate.upgrade, empty_database_url)
    _assignment, stored, declared = await a_visit_with_two_photos(
        empty_database_url, {"stored_at": clock.now()}, {"stored_at": None}
    )
    await in_thread(migrate.downgrade, empty_database_url, "0009")  # the revision before the queue's

    await in_thread(migrate.upgrade, empty_database_url)

    rows = await in_thread(all_rows, empty_database_url, Photo.__table__)
    by_id = {row.id: row for row in rows}
    assert by_id[stored.id].rendered_at == by_id[stored.id].stored_at is not None
    assert by_id[declared.id].rendered_at is None
    assert {(row.render_attempts, row.unreadable_at, row.render_lease_until) for row in rows} == {(0, None, None)}
