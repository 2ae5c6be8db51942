"""Visits per second through ``PUT /api/visits/{id}`` against one durable transaction per visit written straight.

32 concurrent clients PUT 60-answer, 20-position visits to ``sidak serve`` (uvicorn in a subprocess on a free
loopback port, a fresh data dir, the database chosen). The baseline, measured in the same run on the same database:
the same rows (1 visit + 60 answers + 20 positions) written with SQLAlchemy Core, one transaction per visit, by the
same number of concurrent tasks through the app's own engine (same driver, same SQLite pragmas), and once more with
the synchronous driver in one thread, the fastest way there is to write those rows from Python.

The clients share the server's two cores, so they are kept lean: each is one keep-alive HTTP/1.1 connection on
asyncio streams (``LeanHttpConnection``) sending prepared bytes. httpx spent 3.1 ms of CPU per visit doing the same,
more than the server's own 2.3 ms, and the Core baselines have no client to pay for.

    .venv/bin/python bench/sync_ingest.py [--database sqlite|postgres] [--seconds 15] [--rounds 3] [--clients 32]
                                          [--workers 1]

The machines are shared and their load changes by the minute, so the three paths take turns (``--rounds``) and
each figure sums its turns; the server's CPU time per visit is printed too, which the load of others barely moves.

PostgreSQL: a scratch database ``sidak_bench_<pid>`` is created through ``--pg-admin-url`` and dropped afterwards.
The functions above ``main`` (scratch database, seeding, the server subprocess, the load loop) are reused by
bench/photo_ingest.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, insert, text

from server.db import migrate
from server.db.engine import create_engine
from server.db.models import Agency, Answer, Assignment, Instrument, Position, Region, Unit, User, Visit, Wave
from server.domain.instruments.documents import Dimension, Indicator, Text
from server.domain.instruments.documents import Instrument as InstrumentDocument
from server.lib.auth import Principal, hash_password, issue_access_token

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import free_port, wait_until_serving  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
UNIT_AT = (-6.7616, 108.4808)  # Sumber, Kabupaten Cirebon
ANSWERS = 60
POSITIONS = 20
SECRET_KEY = secrets.token_urlsafe(48)
SERVER_START_TIMEOUT_S = 60


# --- the database ---------------------------------------------------------------------------------------------


@contextmanager
def scratch_database(kind: str, data_dir: Path, pg_admin_url: str) -> Iterator[str]:
    """A fresh, migrated database: an SQLite file in ``data_dir`` or a new PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{data_dir / 'sidak.db'}"
        migrate.upgrade(url)
        yield url
        return
    name = f"sidak_bench_{os.getpid()}"
    admin = create_sync_engine(
        pg_admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{base}/{name}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_instrument(photo_indicators: int = 0) -> InstrumentDocument:
    """60 yes/no indicators in three dimensions; the first ``photo_indicators`` take an optional photo."""
    indicators = [
        Indicator(
            id=f"Q{n:02d}",
            text=Text(id=f"Pertanyaan {n}"),
            type="yes_no",
            photo="optional" if n <= photo_indicators else "none",
        )
        for n in range(1, ANSWERS + 1)
    ]
    dimensions = [
        Dimension(id=f"D{d}", title=Text(id=f"Dimensi {d}"), weight=1, indicators=indicators[d::3]) for d in range(3)
    ]
    return InstrumentDocument(key="bench", version="1", title=Text(id="Bench"), dimensions=dimensions)


@dataclass
class Seeded:
    wave_id: uuid.UUID
    surveyors: list[tuple[uuid.UUID, uuid.UUID, str]] = field(default_factory=list)
    """(surveyor id, assignment id, access token) per client."""
    unit_ids: list[uuid.UUID] = field(default_factory=list)
    """The unit of each client's assignment."""


async def seed(url: str, clients: int, *, photo_indicators: int = 0) -> Seeded:
    """A region, a 60-indicator instrument, a wave in fieldwork, and per client a surveyor assigned to a unit of
    their own (all units at the same place)."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    password_hash = hash_password(secrets.token_urlsafe(12))
    try:
        async with engine.begin() as connection:
            region_id, agency_id = uuid.uuid4(), uuid.uuid4()
            instrument_id, wave_id = uuid.uuid4(), uuid.uuid4()
            await connection.execute(
                insert(Region).values(
                    id=region_id,
                    code="32.09",
                    name="Kabupaten Cirebon",
                    kind="regency",
                    timezone="Asia/Jakarta",
                    created_at=now,
                )
            )
            await connection.execute(
                insert(Agency).values(id=agency_id, region_id=region_id, name="Dinas Bench", created_at=now)
            )
            document = msgspec.to_builtins(bench_instrument(photo_indicators))
            await connection.execute(
                insert(Instrument).values(
                    id=instrument_id,
                    key="bench",
                    version="1",
                    title="Bench",
                    document=document,
                    content_hash="0" * 64,
                    created_at=now,
                )
            )
            await connection.execute(
                insert(Wave).values(
                    id=wave_id,
                    name="Bench",
                    kind="external",
                    instrument_id=instrument_id,
                    profile_key="ombudsman-2021",
                    profile={},
                    integrity_settings={},
                    period_start=date.today() - timedelta(days=30),
                    period_end=date.today() + timedelta(days=30),
                    status="fieldwork",
                    created_at=now,
                )
            )
            seeded = Seeded(wave_id=wave_id)
            for n in range(clients):
                user_id, assignment_id, unit_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                await connection.execute(
                    insert(Unit).values(
                        id=unit_id,
                        agency_id=agency_id,
                        name=f"Unit Bench {n}",
                        address="Jl. Bench 1",
                        lat=UNIT_AT[0],
                        lon=UNIT_AT[1],
                        geofence_m=100,
                        opening_hours="",
                        created_at=now,
                    )
                )
                await connection.execute(
                    insert(User).values(
                        id=user_id,
                        username=f"bench{n}",
                        display_name=f"Bench {n}",
                        role="surveyor",
                        password_hash=password_hash,
                        is_active=True,
                        created_at=now,
                        password_changed_at=now,
                    )
                )
                await connection.execute(
                    insert(Assignment).values(
                        id=assignment_id,
                        wave_id=wave_id,
                        unit_id=unit_id,
                        surveyor_id=user_id,
                        window_start=now - timedelta(days=7),
                        window_end=now + timedelta(days=7),
                        created_at=now,
                    )
                )
                token, _ = issue_access_token(
                    Principal(id=user_id, username=f"bench{n}", role="surveyor"), SECRET_KEY, 24 * 3600
                )
                seeded.surveyors.append((user_id, assignment_id, token))
                seeded.unit_ids.append(unit_id)
    finally:
        await engine.dispose()
    return seeded


def visit_document(assignment_id: uuid.UUID, variant: int, *, photos: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """A 60-answer, 20-position visit at the unit, finished ten minutes ago."""
    started_at = datetime.now(UTC) - timedelta(minutes=40)
    return {
        "assignment_id": str(assignment_id),
        "revision": 1,
        "started_at": started_at.isoformat(),
        "finished_at": (started_at + timedelta(minutes=30)).isoformat(),
        "positions": [
            {
                "lat": UNIT_AT[0] + i * 1e-5,
                "lon": UNIT_AT[1],
                "accuracy_m": 8.0 + i % 5,
                "at": (started_at + timedelta(seconds=90 * i)).isoformat(),
            }
            for i in range(POSITIONS)
        ],
        "answers": [
            {
                "indicator": f"Q{n:02d}",
                "value": (n + variant) % 3 != 0,
                "note": "Loket buka" if n % 10 == 0 else None,
                "answered_at": (started_at + timedelta(seconds=25 * n)).isoformat(),
            }
            for n in range(1, ANSWERS + 1)
        ],
        "photos": list(photos),
    }


# --- the server ------------------------------------------------------------------------------------------------


@contextmanager
def running_server(
    data_dir: Path,
    database_url: str,
    *,
    workers: int = 1,
    environ: dict[str, str] | None = None,
    profile_to: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``sidak serve`` in a subprocess (its own process group), stopped with SIGINT when done. ``profile_to``: run it
    under cProfile (one worker: the app runs in that process) and write the statistics there when it stops."""
    port = free_port()
    env = {
        **os.environ,
        "SIDAK_DATA_DIR": str(data_dir),
        "SIDAK_DATABASE_URL": database_url,
        "SIDAK_SECRET_KEY": SECRET_KEY,
        **(environ or {}),
    }
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            *(["-m", "cProfile", "-o", str(profile_to)] if profile_to else []),
            "-m",
            "server.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(
            url, process, lambda: (data_dir / "server.log").read_text()[-3000:], timeout_s=SERVER_START_TIMEOUT_S
        )
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def cpu_seconds_of_group(process_group: int) -> float:
    """User + system CPU time of the live processes of a process group (the server and its workers), with that of
    the children each has reaped (a decoder replaced, a migration run at start): subtract two readings."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd on: state, ppid, pgrp, …
        if int(fields[2]) == process_group:
            total += sum(map(int, fields[11:15]))  # utime, stime, cutime, cstime
    return total / ticks


# --- load --------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    """Completed operations and their latencies (seconds) over a measured span."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    completed: int = 0
    cpu_s: float | None = None
    """CPU time spent doing the work: the server's for HTTP, this process's for the baselines."""

    def absorb(self, other: Run) -> None:
        """Add another slice of the same measurement (phases run in interleaved rounds)."""
        self.latencies_s += other.latencies_s
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.elapsed_s += other.elapsed_s
        self.completed += other.completed
        if other.cpu_s is not None:
            self.cpu_s = (self.cpu_s or 0.0) + other.cpu_s

    @property
    def cpu_ms_each(self) -> float:
        return 1000 * self.cpu_s / self.completed if self.cpu_s is not None and self.completed else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(clients: int, seconds: float, operation: Callable[[int, int], Awaitable[int]]) -> Run:
    """``clients`` tasks call ``operation(client, n)`` back to back, starting new calls for ``seconds``; the rate is
    every completed call over the time until the last one finished. The server is busy from the first call to the
    last answer (32 calls keep it saturated), so neither the start nor the drain dilutes the rate, however long a
    call takes compared with the span."""
    run = Run()
    started = time.perf_counter()
    stop_at = started + seconds

    async def client(index: int) -> None:
        n = 0
        while (began := time.perf_counter()) < stop_at:
            status = await operation(index, n)
            run.latencies_s.append(time.perf_counter() - began)
            run.statuses[status] = run.statuses.get(status, 0) + 1
            n += 1

    await asyncio.gather(*(client(i) for i in range(clients)))
    run.elapsed_s = time.perf_counter() - started
    run.completed = len(run.latencies_s)
    return run


class LeanHttpConnection:
    """One keep-alive HTTP/1.1 connection that sends a request's bytes as given and reads the answer by its
    Content-Length (or chunks): the least a client can spend per request, so the server gets the cores."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        await self.connect()
        assert self._reader is not None and self._writer is not None
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        # Two buffers, not one: a photo's 300 KB would be copied to prepend the head.
        start = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        self._writer.writelines((f"{start}{head}\r\n".encode(), body))
        status = int((await self._reader.readline()).split()[1])
        length, chunked, closing = 0, False, False
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = value == b"chunked"
            elif name == b"connection":
                closing = value == b"close"
        answer = await self._read_chunks() if chunked else await self._reader.readexactly(length)
        if closing:
            await self.close()
        return status, answer

    async def _read_chunks(self) -> bytes:
        assert self._reader is not None
        chunks = []
        while size := int((await self._reader.readline()).split(b";")[0], 16):
            chunks.append(await self._reader.readexactly(size))
            await self._reader.readline()
        await self._reader.readline()  # the empty trailer
        return b"".join(chunks)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            await writer.wait_closed()


@asynccontextmanager
async def lean_connections(url: str, count: int) -> AsyncIterator[list[LeanHttpConnection]]:
    """One ``LeanHttpConnection`` per client, all closed afterwards."""
    connections = [LeanHttpConnection(url) for _ in range(count)]
    try:
        yield connections
    finally:
        await asyncio.gather(*(connection.close() for connection in connections))


async def http_visits(url: str, seeded: Seeded, clients: int, seconds: float) -> Run:
    bodies = [
        [msgspec.json.encode(visit_document(assignment_id, variant)) for variant in range(8)]
        for _, assignment_id, _ in seeded.surveyors
    ]
    headers = [
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"} for _, _, token in seeded.surveyors
    ]
    async with lean_connections(url, clients) as connections:

        async def put_visit(index: int, n: int) -> int:
            status, _ = await connections[index].request(
                "PUT", f"/api/visits/{uuid.uuid4()}", headers[index], bodies[index][n % 8]
            )
            return status

        return await load(clients, seconds, put_visit)


# --- the baseline: the same rows straight through SQLAlchemy Core ------------------------------------------------


def visit_rows(
    seeded: Seeded, index: int, variant: int
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    surveyor_id, assignment_id, _ = seeded.surveyors[index]
    doc = visit_document(assignment_id, variant)
    now = datetime.now(UTC)
    visit_id = uuid.uuid4()
    visit = {
        "id": visit_id,
        "assignment_id": assignment_id,
        "wave_id": seeded.wave_id,
        "unit_id": seeded.unit_ids[index],
        "surveyor_id": surveyor_id,
        "revision": 1,
        "status": "submitted",
        "content_hash": "0" * 64,
        "started_at": datetime.fromisoformat(doc["started_at"]),
        "finished_at": datetime.fromisoformat(doc["finished_at"]),
        "first_received_at": now,
        "updated_at": now,
        "submitted_at": now,
    }
    answers = [
        {
            "visit_id": visit_id,
            "indicator": a["indicator"],
            "value": a["value"],
            "not_applicable": False,
            "note": a["note"],
            "answered_at": datetime.fromisoformat(a["answered_at"]),
        }
        for a in doc["answers"]
    ]
    positions = [
        {
            "visit_id": visit_id,
            "seq": i,
            "lat": p["lat"],
            "lon": p["lon"],
            "accuracy_m": p["accuracy_m"],
            "at": datetime.fromisoformat(p["at"]),
        }
        for i, p in enumerate(doc["positions"])
    ]
    return visit, answers, positions


async def core_async_visits(url: str, seeded: Seeded, clients: int, seconds: float) -> Run:
    engine = create_engine(url)

    async def write_visit(index: int, n: int) -> int:
        visit, answers, positions = visit_rows(seeded, index, n % 8)
        async with engine.begin() as connection:
            await connection.execute(insert(Visit.__table__).values(**visit))
            await connection.execute(insert(Answer.__table__), answers)
            await connection.execute(insert(Position.__table__), positions)
        return 201

    try:
        cpu_before = time.process_time()
        run = await load(clients, seconds, write_visit)
        run.cpu_s = time.process_time() - cpu_before
        return run
    finally:
        await engine.dispose()


def core_sync_visits(url: str, seeded: Seeded, seconds: float) -> Run:
    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    engine = create_sync_engine(sync_url)
    if sync_url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
                dbapi_connection.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    run = Run()
    try:
        started, cpu_before = time.perf_counter(), time.process_time()
        deadline = started + seconds
        n = 0
        while (began := time.perf_counter()) < deadline:
            visit, answers, positions = visit_rows(seeded, n % len(seeded.surveyors), n % 8)
            with engine.begin() as connection:
                connection.execute(insert(Visit.__table__).values(**visit))
                connection.execute(insert(Answer.__table__), answers)
                connection.execute(insert(Position.__table__), positions)
            run.latencies_s.append(time.perf_counter() - began)
            n += 1
        run.elapsed_s = time.perf_counter() - started
        run.completed = n
        run.cpu_s = time.process_time() - cpu_before
    finally:
        engine.dispose()
    return run


# --- main --------------------------------------------------------------------------------------------------------


def describe(name: str, run: Run) -> str:
    return (
        f"  {name:<46} {run.rate:9.1f} {run.percentile_ms(0.5):9.1f} {run.percentile_ms(0.99):9.1f}"
        f" {run.cpu_ms_each:9.2f}  {dict(sorted(run.statuses.items())) if run.statuses else ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured time of each path (default 15)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the paths take turns this many times, so load from elsewhere hits them alike",
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    slice_s = arguments.seconds / arguments.rounds

    through_http, core_async, core_sync = Run(), Run(), Run()
    data_dir = Path(tempfile.mkdtemp(prefix="sidak-bench-"))
    try:
        with scratch_database(arguments.database, data_dir, arguments.pg_admin_url) as url:
            seeded = asyncio.run(seed(url, arguments.clients))
            with running_server(data_dir, url, workers=arguments.workers) as (server_url, process):
                for _ in range(arguments.rounds):
                    cpu_before = cpu_seconds_of_group(process.pid)
                    http_slice = asyncio.run(http_visits(server_url, seeded, arguments.clients, slice_s))
                    http_slice.cpu_s = cpu_seconds_of_group(process.pid) - cpu_before
                    through_http.absorb(http_slice)
                    core_async.absorb(asyncio.run(core_async_visits(url, seeded, arguments.clients, slice_s)))
                    core_sync.absorb(core_sync_visits(url, seeded, slice_s))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(
        f"sync ingest on {arguments.database}: 1 visit + {ANSWERS} answers + {POSITIONS} positions per visit, "
        f"{arguments.clients} clients, {arguments.seconds:g} s per path in {arguments.rounds} rounds, "
        f"{arguments.workers} server worker(s), {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"  {'path':<46} {'visits/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'CPU ms':>9}  statuses")
    print(describe(f"PUT /api/visits/{{id}} (HTTP, {arguments.clients} clients)", through_http))
    print(describe(f"baseline: async Core, {arguments.clients} tasks (app's driver)", core_async))
    print(describe("baseline: sync Core, one thread", core_sync))
    print(
        f"  ratio HTTP / async Core baseline: {through_http.rate / core_async.rate:.2f} in visits/s, "
        f"{core_async.cpu_ms_each / through_http.cpu_ms_each:.2f} in CPU per visit"
    )
    print(
        f"  ratio HTTP / sync Core baseline:  {through_http.rate / core_sync.rate:.2f} in visits/s, "
        f"{core_sync.cpu_ms_each / through_http.cpu_ms_each:.2f} in CPU per visit"
    )
    print("  (CPU ms: the server's CPU time per visit for HTTP, all threads of its processes; this process's for the")
    print("  baselines. Their ratio hardly depends on what else the machine runs; the rates do.)")
    failures = {status: count for status, count in through_http.statuses.items() if status != 201}
    if failures:
        print(f"  WARNING: responses other than 201: {failures}")


if __name__ == "__main__":
    main()
