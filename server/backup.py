"""`sidak backup` and `sidak restore`: a consistent snapshot of the database and the photo store, and its return.

A backup folder holds:

    manifest.json                    what is in it: revision, row counts, audit head, sha256 and size of every file
    database/sidak.db                SQLite: a page copy made with SQLite's online backup API, or
    database/<table>.jsonl           PostgreSQL: every row of every table, read in one REPEATABLE READ transaction
    photos.jsonl                     every stored photo: photo id, visit id, sha256, size, content type, key
    photos/<key>                     the originals (and display/thumb renderings), under their photo store keys

Both database formats restore into either database: rows are read through the models' column types and inserted
again, so a SQLite backup can seed a PostgreSQL server and back. The database is read first; photos are addressed by
content and never rewritten, so every photo a snapshot row names is already in the store when it is copied.

A restore refuses a backup whose files do not match manifest.json and a database that already holds rows. It puts
the photos before it loads the rows in one transaction: a restore that fails leaves the database empty, and running it
again is harmless (a photo already in the store is checked, not rewritten).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from server.config import Settings
from server.db import migrate
from server.db.engine import create_engine, create_session_factory
from server.db.models import AuditHead, Base, Photo
from server.domain.audit.chain import GENESIS
from server.domain.audit.verify import verify_stored_chain
from server.lib import clock
from server.lib.storage import PhotoStore, checked_key, display_key, original_key, photo_store_from_url, thumb_key

FORMAT = "sidak-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PHOTO_MANIFEST = "photos.jsonl"
SQLITE_SNAPSHOT = "database/sidak.db"
PHOTOS_FOLDER = "photos"
_INSERT_BATCH_ROWS = 1000
_CHUNK_BYTES = 1024 * 1024


class BackupRefused(Exception):
    """A backup or restore that would lose or mix data; the message says what to do instead."""


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    dialect: str
    revision: str
    tables: dict[str, int]
    photo_rows: int
    photo_objects: int
    photo_bytes: int
    problems: list[str] = field(default_factory=list)
    """Photos the database says are stored but the store lacks or holds with other bytes; not in the backup."""

    def lines(self) -> list[str]:
        return [
            f"backup written to {self.folder} ({self.dialect}, revision {self.revision})",
            *_count_lines(self.tables),
            f"  photos: {self.photo_rows} stored, {self.photo_objects} files, {self.photo_bytes} bytes",
        ]


@dataclass(frozen=True)
class RestoreSummary:
    revision: str
    tables: dict[str, int]
    photo_objects: int
    audit_message: str
    photos_not_in_backup: list[str] = field(default_factory=list)
    """The problems the backup recorded: photos the database says are stored that it could not copy."""

    def lines(self) -> list[str]:
        return [
            f"restored at revision {self.revision}",
            *_count_lines(self.tables),
            f"  photos: {self.photo_objects} files put and checked",
            *(f"  not in the backup: {problem}" for problem in self.photos_not_in_backup),
            self.audit_message,
        ]


def _count_lines(tables: dict[str, int]) -> list[str]:
    return [f"  {name:<20} {count:>9}" for name, count in tables.items()]


# --- backup ---------------------------------------------------------------------------------------------------------


def backup(settings: Settings, dest_dir: Path) -> BackupSummary:
    dest_dir = Path(dest_dir).resolve()
    _prepare_empty_folder(dest_dir)
    return asyncio.run(_backup(settings, dest_dir))


def _prepare_empty_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupRefused(f"{folder} is not an empty folder: a backup goes into a new or empty one")
    # Password hashes and evidence photos: only the owner may read a backup.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


async def _backup(settings: Settings, dest: Path) -> BackupSummary:
    files = _FileList()
    if settings.is_sqlite:
        snapshot = await asyncio.to_thread(_sqlite_snapshot, _sqlite_path(settings.database_url), dest, files)
        with snapshot:
            revision, tables = snapshot.revision(), snapshot.counts()
            photos, head = snapshot.stored_photos(), snapshot.audit_head()
        dialect, database_format = "sqlite", "sqlite"
    elif settings.database_url.startswith("postgresql"):
        revision, tables, photos, head = await _postgres_dump(settings.database_url, dest, files)
        dialect, database_format = "postgresql", "jsonl"
    else:
        raise BackupRefused(f"cannot back up {make_url(settings.database_url).drivername}: use SQLite or PostgreSQL")

    store = photo_store_from_url(settings.photo_store_url, settings.data_dir)
    copied, problems = await _copy_photos(store, photos, dest, files)
    photo_bytes = sum(entry["size"] for name, entry in files.entries.items() if name.startswith(PHOTOS_FOLDER + "/"))
    _write_manifest(
        dest,
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": clock.now().isoformat(),
            "database": {
                "dialect": dialect,
                "format": database_format,
                "revision": revision,
                "tables": tables,
                "audit_head": head,
            },
            "photos": {"rows": len(photos), "objects": copied, "bytes": photo_bytes, "problems": problems},
            "files": files.entries,
        },
    )
    return BackupSummary(dest, dialect, revision, tables, len(photos), copied, photo_bytes, problems)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise BackupRefused(f"no SQLite database file at {database!r}")
    return Path(database)


def _sqlite_snapshot(source: Path, dest: Path, files: _FileList) -> _SqliteSnapshot:
    target = dest / SQLITE_SNAPSHOT
    target.parent.mkdir(mode=0o700)
    # One step (pages=-1) copies every page under a single read transaction: a consistent snapshot, while a running
    # server keeps writing through WAL beside it.
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        # The copy inherits WAL mode; a plain rollback journal makes it one self-contained, read-only-safe file.
        dst.execute("PRAGMA journal_mode=DELETE")
        checked = dst.execute("PRAGMA quick_check").fetchone()[0]
    if checked != "ok":
        raise BackupRefused(f"the SQLite snapshot fails its integrity check: {checked}")
    files.add_file(SQLITE_SNAPSHOT, target)
    return _SqliteSnapshot(target)


async def _postgres_dump(
    database_url: str, dest: Path, files: _FileList
) -> tuple[str, dict[str, int], list[dict[str, Any]], dict[str, Any]]:
    (dest / "database").mkdir(mode=0o700)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            # One snapshot for every table: rows committed while the dump runs are in none of its files.
            connection = await connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            async with connection.begin():
                revision = await connection.run_sync(_current_revision)
                tables = {
                    table.name: await _dump_table(connection, table, dest, files)
                    for table in Base.metadata.sorted_tables
                }
                photos = [dict(row._mapping) for row in await connection.execute(_stored_photos_query())]
                head = (await connection.execute(_audit_head_query())).one_or_none()
    finally:
        await engine.dispose()
    return _known_revision(revision), tables, photos, _head_dict(head)


async def _dump_table(connection: AsyncConnection, table: Table, dest: Path, files: _FileList) -> int:
    name = f"database/{table.name}.jsonl"
    rows = 0
    with _HashingWriter(dest / name) as out:
        result = await connection.stream(select(table).order_by(*table.primary_key.columns))
        async for row in result:
            out.write(_json_line(row._mapping))
            rows += 1
    files.add(name, out)
    return rows


def _stored_photos_query() -> Any:
    return (
        select(
            Photo.id.label("photo_id"),
            Photo.visit_id,
            Photo.sha256,
            Photo.size,
            Photo.content_type,
            Photo.original_key.label("key"),
        )
        .where(Photo.stored_at.is_not(None))
        .order_by(Photo.id)
    )


def _audit_head_query() -> Any:
    return select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)


def _head_dict(head: Any) -> dict[str, Any]:
    return {"seq": head.seq, "hash": head.hash} if head is not None else {"seq": 0, "hash": GENESIS}


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _known_revision(revision: str | None) -> str:
    if revision is None:
        raise BackupRefused("the database has no schema yet (run `sidak db upgrade`): nothing to back up")
    return revision


async def _copy_photos(
    store: PhotoStore, photos: list[dict[str, Any]], dest: Path, files: _FileList
) -> tuple[int, list[str]]:
    """Copy every stored original (and its renderings, when present) into the backup; write photos.jsonl."""
    copied: set[str] = set()
    problems: list[str] = []
    with _HashingWriter(dest / PHOTO_MANIFEST) as manifest:
        for photo in photos:
            photo["key"] = key = checked_key(photo["key"] or original_key(photo["sha256"], photo["content_type"]))
            if key not in copied and not await _copy_original(store, key, photo["sha256"], dest, files, problems):
                manifest.write(_json_line({**photo, "variants": [], "copied": False}))
                continue
            copied.add(key)
            variants = [
                variant
                for variant in (display_key(photo["sha256"]), thumb_key(photo["sha256"]))
                if variant in copied or await _copy_variant(store, variant, dest, files)
            ]
            copied.update(variants)
            manifest.write(_json_line({**photo, "variants": variants, "copied": True}))
    files.add(PHOTO_MANIFEST, manifest)
    return len(copied), problems


async def _copy_original(
    store: PhotoStore, key: str, sha256: str, dest: Path, files: _FileList, problems: list[str]
) -> bool:
    name = f"{PHOTOS_FOLDER}/{key}"
    try:
        writer = await _copy_object(store, key, dest / name)
    except FileNotFoundError:
        problems.append(f"photo {key} is recorded as stored but the photo store does not have it")
        return False
    if writer.sha256 != sha256:
        # Never keep bytes under a content address they do not match.
        (dest / name).unlink()
        problems.append(f"photo {key} in the photo store does not match its sha256")
        return False
    files.add(name, writer)
    return True


async def _copy_variant(store: PhotoStore, key: str, dest: Path, files: _FileList) -> bool:
    # Display and thumbnail renderings can be made again from the original; copy them when the store has them.
    try:
        writer = await _copy_object(store, key, dest / PHOTOS_FOLDER / key)
    except FileNotFoundError:
        return False
    files.add(f"{PHOTOS_FOLDER}/{key}", writer)
    return True


async def _copy_object(store: PhotoStore, key: str, target: Path) -> _HashingWriter:
    chunks = await store.open_stream(key)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _HashingWriter(target) as out:
        async for chunk in chunks:
            out.write(chunk)
    return out


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    # Written last and renamed into place: a backup cut short has no manifest, and restore refuses it.
    temporary = dest / f".{MANIFEST}.tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    temporary.rename(dest / MANIFEST)
    _fsync_folder(dest)


# --- restore --------------------------------------------------------------------------------------------------------


def restore(settings: Settings, src_dir: Path) -> RestoreSummary:
    src = Path(src_dir).resolve()
    manifest = read_manifest(src)
    verify_files(src, manifest)
    return asyncio.run(_restore(settings, src, manifest))


def read_manifest(src: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupRefused(f"{src} has no {MANIFEST}: it is not a finished Sidak backup") from None
    except ValueError as error:
        raise BackupRefused(f"{src / MANIFEST} is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(f"{src / MANIFEST} is not a Sidak backup of format version {FORMAT_VERSION}")
    return manifest


def verify_files(src: Path, manifest: dict[str, Any]) -> None:
    """Every file manifest.json lists is present with its size and sha256; else BackupRefused naming the file."""
    listed = manifest["files"]
    required = [PHOTO_MANIFEST] + (
        [SQLITE_SNAPSHOT]
        if manifest["database"]["format"] == "sqlite"
        else [f"database/{name}.jsonl" for name in manifest["database"]["tables"]]
    )
    for name in required:
        if name not in listed:
            raise BackupRefused(f"{MANIFEST} does not list {name}: the backup is incomplete")
    for name, expected in sorted(listed.items()):
        path = src / checked_key(name)
        if not path.is_file():
            raise BackupRefused(f"backup file {name} is missing")
        if path.stat().st_size != expected["size"] or _file_sha256(path) != expected["sha256"]:
            raise BackupRefused(f"backup file {name} is corrupted: it does not match its sha256 in {MANIFEST}")


async def _restore(settings: Settings, src: Path, manifest: dict[str, Any]) -> RestoreSummary:
    database = manifest["database"]
    revision = database["revision"]
    engine = create_engine(settings.database_url)
    try:
        await _migrate_empty_database(engine, settings.database_url, revision)
        async with engine.connect() as connection:
            await _refuse_rows(connection)
        store = photo_store_from_url(settings.photo_store_url, settings.data_dir)
        photo_objects = await _put_photos(store, src, manifest)
        with _row_source(src, database["format"]) as source:
            tables = await _load_rows(engine, source, database["tables"], database["audit_head"])
        audit_message = await _audit_chain_message(engine)
    finally:
        await engine.dispose()
    return RestoreSummary(revision, tables, photo_objects, audit_message, manifest["photos"]["problems"])


async def _migrate_empty_database(engine: AsyncEngine, database_url: str, revision: str) -> None:
    # Rows are loaded through this version's models, which describe the newest revision only. An older backup goes
    # back with the version that wrote it, then `sidak db upgrade` brings it forward.
    newest = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_current_head()
    if revision != newest:
        raise BackupRefused(
            f"the backup is at revision {revision} and this version of Sidak loads revision {newest}: "
            "restore it with the version that wrote it, then run `sidak db upgrade`"
        )
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_revision)
    if current is None:
        # Alembic runs its own event loop; a thread of its own keeps it off this one.
        await asyncio.to_thread(migrate.upgrade, database_url, revision)
    elif current != revision:
        raise BackupRefused(
            f"the database is at revision {current} and the backup at {revision}: restore into a new, empty database"
        )


async def _refuse_rows(connection: AsyncConnection) -> None:
    found = await _tables_with_rows(connection)
    if found:
        raise BackupRefused(
            f"the database is not empty ({', '.join(found)} have rows): restore only into a new, empty database"
        )


async def _tables_with_rows(connection: AsyncConnection) -> list[str]:
    found = []
    for table in Base.metadata.sorted_tables:
        statement = select(func.count()).select_from(table)
        if table is AuditHead.__table__:
            # The migration seeds the head at the genesis; only an advanced head means events were written.
            statement = statement.where((AuditHead.seq != 0) | (AuditHead.hash != GENESIS))
        if await connection.scalar(statement):
            found.append(table.name)
    return found


async def _put_photos(store: PhotoStore, src: Path, manifest: dict[str, Any]) -> int:
    listed = manifest["files"]
    keys: dict[str, None] = {}
    for photo in _read_json_lines(src / PHOTO_MANIFEST):
        if photo["copied"]:
            keys.update(dict.fromkeys([checked_key(photo["key"]), *map(checked_key, photo["variants"])]))
    for key in keys:
        name = f"{PHOTOS_FOLDER}/{key}"
        if name not in listed:
            raise BackupRefused(f"{PHOTO_MANIFEST} names {key}, which {MANIFEST} does not list")
        await store.put_file(key, src / name)
        # A key that already held an object is kept as it was: check that it holds these very bytes.
        if await _stored_sha256(store, key) != listed[name]["sha256"]:
            raise BackupRefused(f"the photo store holds other bytes under {key} than backup file {name}")
    return len(keys)


async def _stored_sha256(store: PhotoStore, key: str) -> str:
    digest = hashlib.sha256()
    async for chunk in await store.open_stream(key):
        digest.update(chunk)
    return digest.hexdigest()


async def _load_rows(
    engine: AsyncEngine, source: _RowSource, expected: dict[str, int], head: dict[str, Any]
) -> dict[str, int]:
    loaded: dict[str, int] = {}
    async with engine.begin() as connection:
        await _refuse_rows(connection)  # again, inside the transaction: nothing slipped in since the first look
        await connection.execute(delete(AuditHead.__table__))  # the genesis row the migration seeded
        for table in Base.metadata.sorted_tables:
            loaded[table.name] = await _insert_rows(connection, table, _parents_first(table, source.rows(table)))
        if connection.dialect.name == "postgresql":
            await _advance_sequences(connection)
        for name, count in expected.items():
            if loaded.get(name) != count:
                raise BackupRefused(f"table {name}: {loaded.get(name)} rows read from the backup, {count} expected")
        loaded_head = _head_dict((await connection.execute(_audit_head_query())).one_or_none())
        if loaded_head != head:
            raise BackupRefused(f"the audit head read from the backup {loaded_head} is not the one recorded {head}")
    return loaded


async def _insert_rows(connection: AsyncConnection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _INSERT_BATCH_ROWS:
            await connection.execute(insert(table), batch)
            count, batch = count + len(batch), []
    if batch:
        await connection.execute(insert(table), batch)
    return count + len(batch)


def _parents_first(table: Table, rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Rows of a table that refers to itself (a regency's province), each after the row it refers to."""
    links = [(fk.parent.key, fk.column.key) for fk in table.foreign_keys if fk.column.table is table]
    if not links:
        return rows
    placed: dict[str, set[Any]] = {target: set() for _, target in links}

    def is_ready(row: dict[str, Any]) -> bool:
        return all(row[own] is None or row[own] == row[target] or row[own] in placed[target] for own, target in links)

    pending, ordered = list(rows), []
    while pending:
        ready: list[Any] = []
        waiting: list[Any] = []
        for row in pending:
            (ready if is_ready(row) else waiting).append(row)
        if not ready:
            raise BackupRefused(f"table {table.name}: rows refer to rows that are not in the backup")
        for row in ready:
            for _, target in links:
                placed[target].add(row[target])
        ordered.extend(ready)
        pending = waiting
    return ordered


async def _advance_sequences(connection: AsyncConnection) -> None:
    # Rows came in with their ids; the sequences behind serial columns must start after them.
    quote = connection.dialect.identifier_preparer.quote
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = await connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
            )
            if sequence:
                await connection.execute(
                    text(
                        f"SELECT setval(:sequence, COALESCE((SELECT MAX({quote(column.name)})"
                        f" FROM {quote(table.name)}), 0) + 1, false)"
                    ),
                    {"sequence": sequence},
                )


async def _audit_chain_message(engine: AsyncEngine) -> str:
    # A faithful copy of a broken chain is still broken: say so, as `sidak audit verify` would.
    async with create_session_factory(engine)() as session:
        return (await verify_stored_chain(session)).message


# --- reading rows back ----------------------------------------------------------------------------------------------


class _RowSource:
    def rows(self, table: Table) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def __enter__(self) -> _RowSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass


def _row_source(src: Path, database_format: str) -> _RowSource:
    if database_format == "sqlite":
        return _SqliteSnapshot(src / SQLITE_SNAPSHOT)
    if database_format == "jsonl":
        return _JsonLinesDump(src / "database")
    raise BackupRefused(f"unknown database format {database_format!r} in {MANIFEST}")


class _SqliteSnapshot(_RowSource):
    """A SQLite file read through the models' column types, opened immutable so reading never writes beside it."""

    def __init__(self, path: Path) -> None:
        uri = f"{path.resolve().as_uri()}?immutable=1"
        self.engine: Engine = create_sync_engine(
            "sqlite://", poolclass=NullPool, creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
        )

    def rows(self, table: Table) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=_INSERT_BATCH_ROWS).execute(
                select(table).order_by(*table.primary_key.columns)
            )
            for row in result:
                yield dict(row._mapping)

    def revision(self) -> str:
        with self.engine.connect() as connection:
            return _known_revision(_current_revision(connection))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }

    def stored_photos(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(_stored_photos_query())]

    def audit_head(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            return _head_dict(connection.execute(_audit_head_query()).one_or_none())

    def close(self) -> None:
        self.engine.dispose()


class _JsonLinesDump(_RowSource):
    """One JSON Lines file per table; values are turned back into their column's Python type."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def rows(self, table: Table) -> Iterator[dict[str, Any]]:
        decoders = {column.name: _decoder(column.type) for column in table.columns}
        for line_number, row in enumerate(_read_json_lines(self.folder / f"{table.name}.jsonl"), start=1):
            if row.keys() != decoders.keys():
                raise BackupRefused(
                    f"database/{table.name}.jsonl line {line_number} does not have the columns of "
                    f"table {table.name} at this revision"
                )
            yield {name: None if value is None else decoders[name](value) for name, value in row.items()}


def _decoder(column_type: Any) -> Callable[[Any], Any]:
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return _as_is
    return _DECODERS.get(python_type, _as_is)


def _as_is(value: Any) -> Any:
    return value


_DECODERS: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: uuid.UUID,
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
    Decimal: Decimal,
}


# --- files ------------------------------------------------------------------------------------------------------------


def _json_line(row: Any) -> bytes:
    return (
        json.dumps(dict(row), default=_json_value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    ).encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _read_json_lines(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


class _HashingWriter:
    """A new file, written and hashed in one pass, flushed to disk on close."""

    def __init__(self, path: Path) -> None:
        # Closed by __exit__, after the flush to disk that a plain ``with open(...)`` would not make.
        self.file: BinaryIO = open(path, "xb")  # noqa: SIM115
        self._digest = hashlib.sha256()
        self.size = 0
        self.sha256 = ""

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self._digest.update(data)
        self.size += len(data)

    def __enter__(self) -> _HashingWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self.sha256 = self._digest.hexdigest()


class _FileList:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, name: str, writer: _HashingWriter) -> None:
        self.entries[name] = {"sha256": writer.sha256, "size": writer.size}

    def add_file(self, name: str, path: Path) -> None:
        self.entries[name] = {"sha256": _file_sha256(path), "size": path.stat().st_size}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
