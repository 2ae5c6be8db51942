"""The field, simulated: `sidak serve` in a subprocess that a test may SIGKILL, surveyors' phones that sync visits in
the contract's order (the document first, then the photos its receipt lists as missing), and the check afterwards
that the server holds every visit and photo exactly once, with the right bytes.

Shared by the reliability tests (tests/reliability/) and the load benchmark (bench/load.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port, server_env, wait_until_serving

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 120
ANSWER_SAMPLES: dict[str, list[Any]] = {
    "yes_no": [True, False],
    "scale_0_3": [0, 1, 2, 3],
    "number": [5, 12, 25, 45],
    "text": ["Pelayanan cukup baik."],
}


def is_full_mode() -> bool:
    """SIDAK_RELIABILITY_FULL=1: the long runs whose figures go in docs/operations.md; otherwise the short CI runs."""
    return os.environ.get("SIDAK_RELIABILITY_FULL") == "1"


def _server_env(data_dir: Path, database_url: str) -> dict[str, str]:
    # Short leases: the photos a killed server was rendering come back within a test, not after two minutes.
    return server_env(data_dir, SIDAK_DATABASE_URL=database_url, SIDAK_PHOTO_RENDER_LEASE_S="10", PYTHONUNBUFFERED="1")


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{(data_dir / 'sidak.db').resolve()}"


@contextmanager
def scratch_postgres(base_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database ``name`` on the server of ``base_url`` (an asyncpg URL); dropped after."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(base_url)
    admin = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_demo(data_dir: Path, database_url: str) -> dict[str, str]:
    """`sidak demo` into a fresh data dir and database; the demo logins {username: password}."""
    subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"],
        cwd=REPO_ROOT,
        env=_server_env(data_dir, database_url),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return dict(json.loads((data_dir / "demo-logins.json").read_text()))


class SidakServer:
    """`sidak serve` in a subprocess and a session of its own, so a SIGKILL takes its workers down with it, the way
    a crash or an out-of-memory kill of the container would. start() after kill() serves the same port again."""

    def __init__(self, data_dir: Path, database_url: str, *, workers: int = 1, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.workers = workers
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self.kills = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> SidakServer:
        if self.is_running:
            return self
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                cwd=REPO_ROOT,
                env=_server_env(self.data_dir, self.database_url),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_serving()
        return self

    def kill(self) -> None:
        """SIGKILL the server and every worker it started: nothing gets to clean up."""
        process, self._process = self._process, None
        if process is None:
            return
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=20)

    def cpu_s(self) -> float:
        """CPU seconds used so far by the server and its workers (every process of its session)."""
        if self._process is None:
            return 0.0
        total_ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == self._process.pid:  # fields[3] is the process group (stat field 5)
                total_ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return total_ticks / os.sysconf("SC_CLK_TCK")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def _wait_until_serving(self) -> None:
        assert self._process is not None
        try:
            wait_until_serving(self.base_url, self._process, self.log_tail, timeout_s=SERVER_START_TIMEOUT_S)
        except RuntimeError:
            self.kill()
            raise


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def temp_files(data_dir: Path) -> list[Path]:
    """What uploads and store writes keep while in progress: spooled bodies and the store's unlinked-yet files."""
    folders = (data_dir / "spool", data_dir / "spool" / "renderings", data_dir / "photos" / ".tmp")
    return sorted(path for folder in folders if folder.is_dir() for path in folder.iterdir() if path.is_file())


# --- setting up the field through the admin API -----------------------------------------------------------------


async def log_in(http: httpx.AsyncClient, username: str, password: str) -> str:
    answer = await http.post("/api/auth/login", json={"username": username, "password": password})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


async def add_surveyors(
    base_url: str, admin_password: str, count: int, *, prefix: str = "petugas", concurrency: int = 4
) -> dict[str, str]:
    """``count`` new surveyors, each assigned one unit of the demo's open wave; {username: password}."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        http.headers["Authorization"] = f"Bearer {await log_in(http, 'admin', admin_password)}"
        logins = {f"{prefix}{n:03d}": f"sandi-{uuid.uuid4().hex[:12]}" for n in range(1, count + 1)}
        limit = asyncio.Semaphore(concurrency)  # each creation hashes a password: a few at a time

        async def create(username: str, password: str) -> str:
            async with limit:
                answer = await http.post(
                    "/api/admin/users",
                    json={
                        "username": username,
                        "display_name": f"Petugas {username[-3:]}",
                        "role": "surveyor",
                        "password": password,
                    },
                )
            answer.raise_for_status()
            return str(answer.json()["id"])

        surveyor_ids = await asyncio.gather(*(create(name, password) for name, password in logins.items()))
        wave = next(w for w in (await http.get("/api/admin/waves")).json() if w["status"] == "fieldwork")
        units = (await http.get("/api/admin/units")).json()
        now = datetime.now(UTC)
        window = {
            "window_start": (now - timedelta(days=2)).isoformat(),
            "window_end": (now + timedelta(days=30)).isoformat(),
        }
        items = [
            {"unit_id": units[i % len(units)]["id"], "surveyor_id": surveyor_id, **window}
            for i, surveyor_id in enumerate(surveyor_ids)
        ]
        answer = await http.post(f"/api/admin/waves/{wave['id']}/assignments", json={"assignments": items})
        answer.raise_for_status()
        return logins


# --- photos -------------------------------------------------------------------------------------------------------


class PhotoPool:
    """Phone-sized JPEGs (the phone app sends upright ~1600 px re-encodes; these carry no EXIF), made once from two
    phone photos (tests/photos.py); each photo a phone takes is one of them with a unique comment segment, so every
    photo has bytes of its own."""

    def __init__(self, *, count: int = 16, long_side: int = 1600, quality: int = 85, seed: int = 7) -> None:
        from PIL import Image

        from tests.photos import photo_bytes

        rng = random.Random(seed)
        sources = []
        for name in ("iphone_hdr_YES.jpg", "HMD_Nokia_8.3_5G.jpg"):
            with Image.open(io.BytesIO(photo_bytes(name))) as image:
                image.draft("RGB", (image.width // 2, image.height // 2))
                sources.append(image.convert("RGB"))
        self.bases: list[bytes] = []
        for n in range(count):
            source = sources[n % len(sources)]
            width = int(source.width * rng.uniform(0.55, 0.8))
            height = min(source.height, width * 3 // 4)
            left, top = rng.randrange(source.width - width + 1), rng.randrange(source.height - height + 1)
            picture = source.crop((left, top, left + width, top + height))
            picture = picture.resize((long_side, long_side * height // width))
            buffer = io.BytesIO()
            picture.save(buffer, "JPEG", quality=quality)
            self.bases.append(buffer.getvalue())

    def take(self, n: int) -> bytes:
        base = self.bases[n % len(self.bases)]
        comment = f"sidak-uji {uuid.uuid4()}".encode()
        return base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + base[2:]


# --- phones -------------------------------------------------------------------------------------------------------


class SyncFailed(Exception):
    """A phone that does not retry met an answer or a transport error it cannot go on from."""


@dataclass
class Traffic:
    """What every phone saw: latency per route, answers per route and status, transport errors."""

    latencies_s: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)

    def record(self, route: str, status: int, elapsed_s: float) -> None:
        self.latencies_s.setdefault(route, []).append(elapsed_s)
        self.statuses[(route, status)] += 1

    def count(self, route: str, *, statuses: range = range(100, 600)) -> int:
        return sum(n for (name, status), n in self.statuses.items() if name == route and status in statuses)

    @property
    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)


@dataclass
class LocalVisit:
    """A visit as the phone's outbox holds it: the document and the bytes of every declared photo."""

    id: uuid.UUID
    doc: dict[str, Any]
    photos: dict[str, bytes]
    receipt: dict[str, Any] | None = None

    @property
    def is_synced(self) -> bool:
        return self.receipt is not None and self.receipt["status"] == "submitted" and not self.receipt["missing_photos"]


class Phone:
    """One surveyor's phone. With ``retry`` it behaves like the app's outbox: a transport error, a 5xx or a server
    that is down means "try the same step again later", and replays are harmless by contract. Without it (the load
    benchmark) any such answer is an error."""

    def __init__(
        self, base_url: str, username: str, password: str, traffic: Traffic, *, retry: bool, timeout_s: float = 60.0
    ) -> None:
        self.http = self._client(base_url, timeout_s)
        self.username, self.password = username, password
        self.traffic = traffic
        self.retry = retry
        self.assignments: list[dict[str, Any]] = []
        self.instrument: dict[str, Any] = {}
        self.visits: list[LocalVisit] = []
        self.retries = 0
        self._rng = random.Random(username)

    @staticmethod
    def _client(base_url: str | httpx.URL, timeout_s: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def reconnect(self) -> None:
        """Drop the connection, as a phone does between the office and the field: the next request opens a new one
        (rather than race the server closing an idle keep-alive connection)."""
        old = self.http
        self.http = self._client(old.base_url, old.timeout.read or 60.0)
        self.http.headers.update(old.headers)
        await old.aclose()

    async def call(
        self, route: str, method: str, url: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> httpx.Response:
        """One step, repeated while the server is down or failing when the phone retries."""
        backoff_s = 0.1
        while True:
            started = time.perf_counter()
            try:
                answer = await self.http.request(method, url, **kwargs)
            except httpx.TransportError as error:
                self.traffic.transport_errors[f"{route}: {type(error).__name__}"] += 1
                if not self.retry:
                    raise SyncFailed(f"{route}: {type(error).__name__} {error}") from error
            else:
                self.traffic.record(route, answer.status_code, time.perf_counter() - started)
                if answer.status_code == 401 and route != "login":
                    await self.log_in()
                    continue
                if answer.status_code in ok:
                    return answer
                if answer.status_code < 500 or not self.retry:
                    detail = f"{route} {method} {url} → {answer.status_code} {answer.text[:300]}"
                    self.traffic.unexpected.append(detail)
                    raise SyncFailed(detail)
                if not answer.headers.get("content-type", "").startswith("application/problem+json"):
                    self.traffic.unexpected.append(f"{route}: a {answer.status_code} that is not problem+json")
            self.retries += 1
            await asyncio.sleep(backoff_s * self._rng.uniform(0.5, 1.5))
            backoff_s = min(backoff_s * 2, 2.0)

    async def log_in(self) -> None:
        answer = await self.call(
            "login", "POST", "/api/auth/login", json={"username": self.username, "password": self.password}
        )
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    async def fetch_work(self) -> None:
        self.assignments = (await self.call("assignments", "GET", "/api/me/assignments")).json()
        if not self.assignments:
            raise SyncFailed(f"{self.username} has no open assignment")
        key, version = self.assignments[0]["instrument"]["key"], self.assignments[0]["instrument"]["version"]
        self.instrument = (await self.call("instrument", "GET", f"/api/instruments/{key}/{version}")).json()

    def draft_visit(self, photos: list[bytes]) -> LocalVisit:
        """A visit done just now at one of the phone's units: every indicator answered, ``photos`` declared."""
        assignment = self._rng.choice(self.assignments)
        unit = assignment["unit"]
        finished = datetime.now(UTC) - timedelta(minutes=1)
        started = finished - timedelta(minutes=35)
        indicators = [ind for dim in self.instrument["dimensions"] for ind in dim["indicators"]]
        answers = [
            {
                "indicator": ind["id"],
                "value": self._value(ind),
                "answered_at": (started + timedelta(seconds=40 * i)).isoformat(),
            }
            for i, ind in enumerate(indicators)
        ]
        lat, lon = unit["lat"] or -6.7616, unit["lon"] or 108.4808
        positions = [
            {
                "lat": lat + 1e-5 * i,
                "lon": lon,
                "accuracy_m": 9.0,
                "at": (started + timedelta(minutes=5 * i)).isoformat(),
            }
            for i in range(6)
        ]
        photographed = [ind["id"] for ind in indicators if ind.get("photo", "none") != "none"]
        declared, by_id = [], {}
        for i, data in enumerate(photos):
            photo_id = str(uuid.uuid4())
            by_id[photo_id] = data
            declared.append(
                {
                    "id": photo_id,
                    "indicator": photographed[i % len(photographed)],
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "content_type": "image/jpeg",
                    "taken_at": (started + timedelta(minutes=3 + i)).isoformat(),
                    "lat": lat,
                    "lon": lon,
                    "accuracy_m": 9.0,
                }
            )
        doc = {
            "assignment_id": assignment["id"],
            "revision": 1,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "positions": positions,
            "answers": answers,
            "photos": declared,
        }
        visit = LocalVisit(uuid.uuid4(), doc, by_id)
        self.visits.append(visit)
        return visit

    async def sync(self, visit: LocalVisit) -> dict[str, Any]:
        """The contract's order: PUT the document, then PUT each photo its receipt lists as missing."""
        answer = await self.call("visit PUT", "PUT", f"/api/visits/{visit.id}", json=visit.doc, ok=(200, 201))
        visit.receipt = answer.json()
        for photo_id in list(visit.receipt["missing_photos"]):
            answer = await self.call(
                "photo PUT",
                "PUT",
                f"/api/visits/{visit.id}/photos/{photo_id}",
                content=visit.photos[photo_id],
                headers={"Content-Type": "image/jpeg"},
                ok=(200, 201),
            )
            visit.receipt = answer.json()
        if not visit.is_synced:
            detail = f"visit {visit.id} is {visit.receipt['status']} after every photo was sent: {visit.receipt}"
            self.traffic.unexpected.append(detail)
            raise SyncFailed(detail)
        return visit.receipt

    def _value(self, indicator: dict[str, Any]) -> Any:
        if indicator["type"] == "choice":
            return self._rng.choice(indicator["choices"])["value"]
        return self._rng.choice(ANSWER_SAMPLES[indicator["type"]])


# --- what the server holds afterwards ---------------------------------------------------------------------------


@dataclass
class Holdings:
    """What the check found: counts, and every problem in words (none is the goal)."""

    visits: int = 0
    photos: int = 0
    originals: int = 0
    problems: list[str] = field(default_factory=list)


async def photos_waiting_to_render(engine: Any, timeout_s: float) -> int:
    """Wait until the render queue holds no stored photo (renderings follow a photo's receipt); how many still wait
    when ``timeout_s`` has passed."""
    from sqlalchemy import text

    deadline = time.monotonic() + timeout_s
    while True:
        async with engine.connect() as db:
            waiting = (
                await db.execute(
                    text(
                        "SELECT count(*) FROM photos WHERE stored_at IS NOT NULL AND rendered_at IS NULL "
                        "AND unreadable_at IS NULL"
                    )
                )
            ).scalar_one()
        if waiting == 0 or time.monotonic() > deadline:
            return int(waiting)
        await asyncio.sleep(0.2)


async def check_holdings(
    database_url: str,
    data_dir: Path,
    visits: list[LocalVisit],
    surveyors: Collection[str],
    *,
    earlier: Collection[str] = (),
    render_timeout_s: float = 120.0,
) -> Holdings:
    """Of the visits made by ``surveyors`` (the demo's history has visits of its own): every visit a phone holds a
    receipt for is stored exactly once with the content sent: one revision, its answers and positions once each, one
    `visit.received` event; every photo stored once, its original's bytes hashing to the declared sha256, its display
    and thumbnail present once the render queue has rendered it (waited for up to ``render_timeout_s``), one
    `photo.stored` event; the store holds no original that no photo row names, and no temporary file. ``earlier``:
    ids of visits the surveyors had stored before (a seeded history), not checked."""
    import msgspec
    from sqlalchemy import func, select

    from server.db.engine import create_engine
    from server.db.models import Answer, AuditEvent, Photo, Position, User, Visit, VisitRevision
    from server.domain.visits.documents import VisitDocument
    from server.domain.visits.sync_rules import canonical_visit_hash
    from server.lib.storage import display_key, thumb_key

    holdings = Holdings()
    problems = holdings.problems
    engine = create_engine(database_url)
    try:
        waiting = await photos_waiting_to_render(engine, render_timeout_s)
        if waiting:
            problems.append(f"{waiting} stored photos still wait to be rendered after {render_timeout_s:.0f} s")
        async with engine.connect() as db:

            async def counts(column: Any, *where: Any) -> Counter[str]:
                rows = await db.execute(select(column, func.count()).where(*where).group_by(column))
                return Counter({str(key): n for key, n in rows})

            stored = {
                str(row.id): row
                for row in await db.execute(
                    select(Visit.id, Visit.status, Visit.revision, Visit.content_hash)
                    .join(User, User.id == Visit.surveyor_id)
                    .where(User.username.in_(list(surveyors)))
                )
            }
            revisions = await counts(VisitRevision.visit_id)
            answers, positions = await counts(Answer.visit_id), await counts(Position.visit_id)
            received = await counts(AuditEvent.entity_id, AuditEvent.action == "visit.received")
            photo_events = await counts(AuditEvent.entity_id, AuditEvent.action == "photo.stored")
            photos = {
                str(row.id): row
                for row in await db.execute(
                    select(
                        Photo.id,
                        Photo.visit_id,
                        Photo.sha256,
                        Photo.stored_at,
                        Photo.original_key,
                        Photo.display_ranges,
                    )
                )
            }
    finally:
        await engine.dispose()

    known = {str(visit.id) for visit in visits} | set(earlier)
    problems.extend(f"visit {vid} is stored but no phone made it" for vid in sorted(set(stored) - known))
    root = data_dir / "photos"
    for visit in visits:
        vid = str(visit.id)
        row = stored.get(vid)
        if row is None:
            if visit.receipt is not None:
                problems.append(f"visit {vid} was acknowledged but is not stored (lost)")
            continue
        holdings.visits += 1
        expected_hash = canonical_visit_hash(msgspec.json.decode(json.dumps(visit.doc), type=VisitDocument))
        if row.content_hash != expected_hash or row.revision != 1:
            problems.append(f"visit {vid} holds other content than the phone sent")
        for name, found, want in (
            ("revisions", revisions[vid], 1),
            ("answers", answers[vid], len(visit.doc["answers"])),
            ("positions", positions[vid], len(visit.doc["positions"])),
            ("visit.received events", received[vid], 1),
        ):
            if found != want:
                problems.append(f"visit {vid} has {found} {name}, not {want}")
        if visit.is_synced and row.status != "submitted":
            problems.append(f"visit {vid} is {row.status} although its receipt said submitted")
        for declared in visit.doc["photos"]:
            pid = declared["id"]
            photo = photos.get(pid)
            if photo is None or str(photo.visit_id) != vid:
                problems.append(f"photo {pid} of visit {vid} is not declared there")
                continue
            if photo.stored_at is None:
                if visit.is_synced:
                    problems.append(f"photo {pid} was acknowledged but is not stored (lost)")
                continue
            holdings.photos += 1
            if photo_events[pid] != 1:
                problems.append(f"photo {pid} has {photo_events[pid]} photo.stored events, not 1")
            original = root / photo.original_key
            if not original.is_file() or hashlib.sha256(original.read_bytes()).hexdigest() != declared["sha256"]:
                problems.append(f"photo {pid}: the stored original does not hash to {declared['sha256']}")
            # A display image made of the original's own bytes is served from the original: it has no file.
            renderings = [thumb_key(photo.sha256)] + ([] if photo.display_ranges else [display_key(photo.sha256)])
            for key in renderings:
                if not (root / key).is_file():
                    problems.append(f"photo {pid}: {key} is missing")
    named = {photo.original_key for photo in photos.values() if photo.original_key}
    originals = (
        sorted(path for path in (root / "originals").rglob("*") if path.is_file())
        if (root / "originals").is_dir()
        else []
    )
    holdings.originals = len(originals)
    for path in originals:
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.stem:
            problems.append(f"{path.relative_to(root)}: its bytes do not hash to its name")
        if str(path.relative_to(root)) not in named:
            problems.append(f"{path.relative_to(root)}: an original that no photo names")
    problems.extend(f"temporary file left behind: {path}" for path in temp_files(data_dir))
    return holdings


def audit_chain_is_intact(data_dir: Path, database_url: str) -> tuple[bool, str]:
    """`sidak audit verify`: the hash chain of every event written through all of the above."""
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "audit", "verify"],
        cwd=REPO_ROOT,
        env=_server_env(data_dir, database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode == 0, (done.stdout + done.stderr).strip()
