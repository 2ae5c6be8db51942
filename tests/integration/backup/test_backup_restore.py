"""`sidak backup` and `sidak restore`, run as the command line runs them, on a small world of real rows and photos.

The source is the suite's own database (SQLite, or PostgreSQL when SIDAK_TEST_DATABASE_URL is set); a restore goes
into a new data dir and a new database: a SQLite file, and — when PostgreSQL is there — a database made for the test
and dropped after it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from server.cli import main
from server.config import Settings
from server.db.engine import create_engine, create_session_factory
from server.db.models import (
    Answer,
    Base,
    Flag,
    LoginAttempt,
    Photo,
    Position,
    RefreshToken,
    Region,
    Review,
    SurveyorConflict,
    Visit,
    VisitRevision,
    VisitScore,
)
from server.domain.audit.services import AuditLog
from server.domain.audit.verify import verify_stored_chain
from server.lib import clock
from server.lib.storage import LocalPhotoStore, display_key, original_key, thumb_key
from tests.conftest import TEST_DATABASE_URL
from tests.factories import Factory
from tests.photos import photo_path


@dataclass(frozen=True)
class World:
    photo_keys: list[str]
    """Every object the photo store holds for the stored photo: original, display and thumbnail."""
    stored_photo_id: uuid.UUID


async def save(app: Litestar, *rows: Any) -> None:
    async with app.state.session_factory() as session, session.begin():
        session.add_all(rows)


@pytest.fixture
async def world(app: Litestar, make: Factory) -> World:
    """Regions (a regency under its province), units, users, a wave, assignments, an approved visit with answers,
    positions, a stored photo and one declared but never sent, its review, score and flag, and audit events."""
    now = clock.now()
    # The province's id sorts after its regency's, so a restore that loaded rows in key order would break the
    # regency's reference to it.
    province = Region(
        id=uuid.UUID("f" + uuid.uuid4().hex[1:]), code="32", name="Jawa Barat", kind="province", created_at=now
    )
    regency = Region(
        id=uuid.UUID("0" + uuid.uuid4().hex[1:]),
        code="32.09",
        name="Kabupaten Cirebon",
        parent_id=province.id,
        created_at=now,
    )
    await save(app, province)
    await save(app, regency)
    agency = await make.agency(region=regency, name="Dinas Kependudukan dan Pencatatan Sipil")
    unit = await make.unit(agency=agency, name="Kantor Disdukcapil Sumber")
    other_unit = await make.unit(agency=agency, name="Kecamatan Sumber", lat=None, lon=None)
    surveyor = await make.user(role="surveyor")
    supervisor = await make.user(role="supervisor", regions=[regency])
    admin = await make.user(role="admin")
    wave = await make.wave()
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)
    await make.assignment(wave=wave, unit=other_unit, surveyor=surveyor)

    original = photo_path("DSCN0010.jpg")
    sha256 = hashlib.sha256(original.read_bytes()).hexdigest()
    store = app.state.photo_store
    await store.put_file(original_key(sha256, "image/jpeg"), original)
    await store.put_file(display_key(sha256), photo_path("DSCN0012.jpg"))
    await store.put_file(thumb_key(sha256), photo_path("portrait_6.jpg"))

    visit_id, stored_photo_id = uuid.uuid4(), uuid.uuid4()
    started_at = now - timedelta(hours=2)
    document = {
        "assignment_id": str(assignment.id),
        "revision": 1,
        "answers": [{"indicator": "B01", "value": 3}],
        "note": "Antrean panjang, papan informasi lengkap.",
    }
    await save(
        app,
        Visit(
            id=visit_id,
            assignment_id=assignment.id,
            wave_id=wave.id,
            unit_id=unit.id,
            surveyor_id=surveyor.id,
            revision=1,
            status="approved",
            content_hash="c" * 64,
            started_at=started_at,
            finished_at=started_at + timedelta(minutes=35),
            first_received_at=now - timedelta(minutes=50),
            updated_at=now,
            submitted_at=now - timedelta(minutes=50),
        ),
    )
    await save(
        app,
        VisitRevision(visit_id=visit_id, revision=1, content_hash="c" * 64, document=document, received_at=now),
        Answer(visit_id=visit_id, indicator="A01", value=True, answered_at=started_at + timedelta(minutes=5)),
        Answer(visit_id=visit_id, indicator="B01", value=3, note="Terpampang di loket.", answered_at=started_at),
        Answer(visit_id=visit_id, indicator="C01", value=12.5, answered_at=started_at),
        Answer(visit_id=visit_id, indicator="D02", value=None, not_applicable=True, answered_at=started_at),
        Position(visit_id=visit_id, seq=0, lat=-6.7616123, lon=108.4808456, accuracy_m=8.5, at=started_at),
        Position(
            visit_id=visit_id,
            seq=1,
            lat=-6.7616789,
            lon=108.4808001,
            accuracy_m=11.0,
            at=started_at + timedelta(seconds=30),
        ),
        Photo(
            id=stored_photo_id,
            visit_id=visit_id,
            indicator="A01",
            sha256=sha256,
            size=original.stat().st_size,
            content_type="image/jpeg",
            taken_at=started_at,
            lat=-6.7616,
            lon=108.4808,
            accuracy_m=8.0,
            declared_revision=1,
            stored_at=now,
            original_key=original_key(sha256, "image/jpeg"),
            width=640,
            height=480,
            phash="0f" * 8,
            has_exif=True,
            exif_make="NIKON",
            exif_model="COOLPIX P6000",
        ),
        Photo(
            id=uuid.uuid4(),
            visit_id=visit_id,
            indicator="B01",
            sha256="d" * 64,
            size=1234,
            content_type="image/jpeg",
            taken_at=started_at,
            declared_revision=1,
        ),
        Review(
            visit_id=visit_id,
            revision=1,
            decision="approve",
            comment="Lengkap.",
            indicator_comments=[{"indicator": "B01", "text": "Foto jelas."}],
            reviewer_id=supervisor.id,
            decided_at=now,
        ),
        VisitScore(
            visit_id=visit_id,
            wave_id=wave.id,
            unit_id=unit.id,
            revision=1,
            total=Decimal("81.1250"),
            dimensions={"B": 80.5},
            indicators={"B01": 1.0},
            scored_at=now,
        ),
        RefreshToken(
            user_id=surveyor.id,
            family_id=uuid.uuid4(),
            token_hash="e" * 64,
            issued_at=now,
            expires_at=now + timedelta(days=30),
        ),
        SurveyorConflict(user_id=surveyor.id, agency_id=agency.id, note="Kakak bekerja di sini.", created_at=now),
    )
    async with app.state.session_factory() as session, session.begin():
        # Rows with server-made integer ids, so the restored sequences must continue after them.
        await session.execute(
            insert(Flag).values(
                visit_id=visit_id,
                code="photo.exif_mismatch",
                severity="warning",
                detail="EXIF time differs.",
                photo_id=stored_photo_id,
                computed_at=now,
            )
        )
        await session.execute(
            insert(LoginAttempt).values(username=surveyor.username, ip="10.0.0.7", succeeded=True, at=now)
        )
        audit = AuditLog(session)
        await audit.record(
            "visit.received",
            entity_type="visit",
            entity_id=visit_id,
            actor_id=surveyor.id,
            data={"revision": 1, "catatan": "é ü 字"},
        )
        await audit.record(
            "visit.approved",
            entity_type="visit",
            entity_id=visit_id,
            actor_id=supervisor.id,
            data={"score": "81.1250", "flags": ["photo.exif_mismatch"]},
        )
        await audit.record("user.created", entity_type="user", entity_id=admin.id, actor_id=admin.id, data={})
    await app.state.audit_sealer.idle()  # the running server seals the chain right after each commit
    return World(
        photo_keys=[original_key(sha256, "image/jpeg"), display_key(sha256), thumb_key(sha256)],
        stored_photo_id=stored_photo_id,
    )


# --- running the command line against one setup or another ------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    data_dir: Path
    database_url: str

    @property
    def photo_store(self) -> LocalPhotoStore:
        return LocalPhotoStore(self.data_dir / "photos")


async def sidak(monkeypatch: pytest.MonkeyPatch, setup: Setup, *argv: str) -> int:
    monkeypatch.setenv("SIDAK_DATA_DIR", str(setup.data_dir))
    monkeypatch.setenv("SIDAK_DATABASE_URL", setup.database_url)
    monkeypatch.setenv("SIDAK_PHOTO_STORE", str(setup.data_dir / "photos"))
    # The command line runs its own event loop, so it runs in a thread of its own.
    return await asyncio.to_thread(main, list(argv))


@pytest.fixture
def source(settings: Settings) -> Setup:
    return Setup(settings.data_dir, settings.database_url)


@contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A database of its own on the test server, never the shared one, dropped afterwards."""
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_sync_engine(
        url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_setup(kind: str, folder: Path) -> Iterator[Setup]:
    if kind == "sqlite":
        yield Setup(folder, f"sqlite+aiosqlite:///{folder / 'sidak.db'}")
        return
    if not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("restoring into PostgreSQL needs SIDAK_TEST_DATABASE_URL")
    with scratch_postgres_database() as url:
        yield Setup(folder, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    with empty_setup(request.param, tmp_path / "restored") as setup:
        yield setup


# --- reading what a database holds --------------------------------------------------------------------------------


async def every_row(database_url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: [
                    dict(row._mapping)
                    for row in await connection.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        await engine.dispose()


async def audit_report(database_url: str) -> Any:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await verify_stored_chain(session)
    finally:
        await engine.dispose()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the tests ------------------------------------------------------------------------------------------------------


async def test_a_restore_brings_back_every_row_and_every_photo(world, source, target, tmp_path, monkeypatch):
    original_rows = await every_row(source.database_url)
    backup_dir = tmp_path / "backup"

    assert await sidak(monkeypatch, source, "backup", str(backup_dir)) == 0
    exit_code = await sidak(monkeypatch, target, "restore", str(backup_dir))

    assert exit_code == 0
    assert await every_row(target.database_url) == original_rows
    for key in world.photo_keys:
        assert sha256_of(await target.photo_store.get(key)) == sha256_of(await source.photo_store.get(key))
    stored_photo = next(row for row in original_rows["photos"] if row["id"] == world.stored_photo_id)
    assert sha256_of(await target.photo_store.get(world.photo_keys[0])) == stored_photo["sha256"]
    report = await audit_report(target.database_url)
    assert report.ok and report.events == 3


async def test_the_backup_lists_every_stored_photo_and_the_audit_head(world, source, tmp_path, monkeypatch):
    backup_dir = tmp_path / "backup"

    assert await sidak(monkeypatch, source, "backup", str(backup_dir)) == 0

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    photos = [json.loads(line) for line in (backup_dir / "photos.jsonl").read_text().splitlines()]
    assert [photo["photo_id"] for photo in photos] == [str(world.stored_photo_id)]
    assert photos[0]["key"] == world.photo_keys[0]
    assert manifest["database"]["tables"]["photos"] == 2
    assert manifest["database"]["audit_head"]["seq"] == 3
    assert {f"photos/{key}" for key in world.photo_keys} <= set(manifest["files"])


async def test_restored_server_made_ids_continue_after_the_restored_ones(world, source, target, tmp_path, monkeypatch):
    backup_dir = tmp_path / "backup"
    assert await sidak(monkeypatch, source, "backup", str(backup_dir)) == 0
    assert await sidak(monkeypatch, target, "restore", str(backup_dir)) == 0

    engine = create_engine(target.database_url)
    try:
        async with engine.begin() as connection:
            restored_ids = (await connection.scalars(select(LoginAttempt.id))).all()
            new_id = await connection.scalar(
                insert(LoginAttempt)
                .values(username="x", ip="10.0.0.8", succeeded=False, at=clock.now())
                .returning(LoginAttempt.id)
            )
    finally:
        await engine.dispose()

    assert len(restored_ids) == 1 and new_id > restored_ids[0]


async def test_a_backup_taken_during_an_open_write_holds_only_committed_rows(world, app, source, tmp_path, monkeypatch):
    committed_regions = len((await every_row(source.database_url))["regions"])
    backup_dir = tmp_path / "backup"

    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            insert(Region).values(
                id=uuid.uuid4(),
                code="33",
                name="Jawa Tengah",
                kind="province",
                timezone="Asia/Jakarta",
                created_at=clock.now(),
            )
        )
        exit_code = await asyncio.wait_for(sidak(monkeypatch, source, "backup", str(backup_dir)), timeout=60)
        await session.rollback()

    assert exit_code == 0
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["database"]["tables"]["regions"] == committed_regions


@pytest.mark.parametrize("spoiled", ["photos/originals/", "database/"])
async def test_a_corrupted_backup_file_is_refused_by_name_and_nothing_is_restored(
    world, source, tmp_path, monkeypatch, capsys, spoiled
):
    backup_dir = tmp_path / "backup"
    assert await sidak(monkeypatch, source, "backup", str(backup_dir)) == 0
    files = json.loads((backup_dir / "manifest.json").read_text())["files"]
    name = max((name for name in files if name.startswith(spoiled)), key=lambda name: files[name]["size"])
    path = backup_dir / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    capsys.readouterr()

    with empty_setup("sqlite", tmp_path / "restored") as target:
        exit_code = await sidak(monkeypatch, target, "restore", str(backup_dir))

        assert exit_code == 1
        assert f"backup file {name} is corrupted" in capsys.readouterr().err
        assert not (target.data_dir / "sidak.db").exists()
        assert not (target.data_dir / "photos" / "originals").exists()


async def test_restoring_into_a_database_that_holds_rows_is_refused(world, source, tmp_path, monkeypatch, capsys):
    backup_dir = tmp_path / "backup"
    assert await sidak(monkeypatch, source, "backup", str(backup_dir)) == 0
    rows_before = await every_row(source.database_url)
    capsys.readouterr()

    exit_code = await sidak(monkeypatch, source, "restore", str(backup_dir))

    assert exit_code == 1
    assert "not empty" in capsys.readouterr().err
    assert await every_row(source.database_url) == rows_before


async def test_a_backup_into_a_folder_that_is_not_empty_is_refused(world, source, tmp_path, monkeypatch, capsys):
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    (backup_dir / "yesterday.txt").write_text("an older backup")

    exit_code = await sidak(monkeypatch, source, "backup", str(backup_dir))

    assert exit_code == 1
    assert "not an empty folder" in capsys.readouterr().err
    assert sorted(path.name for path in backup_dir.iterdir()) == ["yesterday.txt"]


async def test_a_postgresql_backup_goes_through_sqlite_and_back_unchanged(world, source, tmp_path, monkeypatch):
    if not source.database_url.startswith("postgresql"):
        pytest.skip("needs SIDAK_TEST_DATABASE_URL: this round trip starts and ends on PostgreSQL")
    original_rows = await every_row(source.database_url)

    with (
        empty_setup("sqlite", tmp_path / "on-sqlite") as on_sqlite,
        empty_setup("postgresql", tmp_path / "on-postgresql") as on_postgresql,
    ):
        assert await sidak(monkeypatch, source, "backup", str(tmp_path / "from-postgresql")) == 0
        assert await sidak(monkeypatch, on_sqlite, "restore", str(tmp_path / "from-postgresql")) == 0
        assert await sidak(monkeypatch, on_sqlite, "backup", str(tmp_path / "from-sqlite")) == 0
        assert await sidak(monkeypatch, on_postgresql, "restore", str(tmp_path / "from-sqlite")) == 0

        assert await every_row(on_postgresql.database_url) == original_rows
        assert (await audit_report(on_postgresql.database_url)).ok
        for key in world.photo_keys:
            assert await on_postgresql.photo_store.get(key) == await source.photo_store.get(key)
