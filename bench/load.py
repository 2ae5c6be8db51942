"""Load: phones syncing whole visits (the document, then its photos) to `sidak serve`, and the work left after.

A fresh database gets a 60-indicator instrument, a wave in fieldwork and per phone a surveyor assigned to a unit of
their own (``sync_ingest.seed``, straight into the database: no demo, no logins). ``--phones`` phones (default 32)
then sync ``--visits`` visits in all (default 600), each one back to back, in the contract's order: the visit
document (every indicator answered, a walk of 20 positions of its own), then each photo its receipt lists as missing
(``--photos-per-visit`` JPEGs of ~300 KB at 1600 × 1200, as the phone app sends them, every one a distinct picture).

The phones cost the shared two cores as little as they can: each is one keep-alive HTTP/1.1 connection on asyncio
streams (``sync_ingest.LeanHttpConnection``) sending bytes prepared before the clock starts (documents, photos, their
sha256), and reading of a receipt only its missing photos. The load generator's own CPU per visit is printed.

Figures: receipts per second (visits whose last receipt came back, over the time from the first request to the last
receipt), per-visit latency (from its first request to its last receipt) p50 and p99, latency per route, and the
server's CPU per visit in that window (every process of the server's group: the app, its photo decoders, any worker,
read from /proc). Then the DRAIN: when the photos table has a ``rendered_at`` column (photos rendered after their
receipt, from a queue), the database is polled read-only until no stored photo waits to be rendered, and the time from
the last receipt to then and the server CPU spent in it are printed; without the column photos are rendered before
their receipt and the drain is zero. Ratios against the targets and against ODK Central (measured on the same machine
size) close the report.

``--stored-photos N`` first runs on an empty store, then again on a store seeded with N photos already stored for the
phones' surveyors and units (rows written straight into the database with their look-alike keys; distinct perceptual
hashes from distinct generated pictures, 1 % of them look-alikes of another), and reports the receipts/s on the
seeded store relative to the empty one. Some of the seeded photos are look-alikes of pictures the phones will send
(their hash a few bits away, other bytes): each such photo must come out flagged ``photo.reused``.

Afterwards the server is stopped and the database and the photo store are checked (``fieldwork.check_holdings``):
every visit stored exactly once with the content sent, every photo's original hashing to its sha256 with its display
and thumbnail present, no stray original, no temporary file, the audit chain intact.

    .venv/bin/python bench/load.py [--visits 600 | --quick] [--phones 32] [--database sqlite|postgres] [--workers 1]
                                   [--photos-per-visit 3] [--stored-photos 100000] [--json results.json]

Generated pictures are kept in ``--picture-cache`` (made once, in processes of their own, before anything is timed).
PostgreSQL: a scratch database ``sidak_bench_<pid>`` on the server of ``--pg-admin-url``, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import random
import resource
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from photo_pipeline import bare_pipeline_rate
from sqlalchemy import insert, make_url, select
from sync_ingest import (
    ANSWERS,
    POSITIONS,
    UNIT_AT,
    LeanHttpConnection,
    Seeded,
    cpu_seconds_of_group,
    running_server,
    scratch_database,
    seed,
)

from server.db.engine import create_engine
from server.db.models import Flag, Photo, PhotoLookAlikeKey, Visit
from server.domain.visits import look_alike_index

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.fieldwork import Holdings, LocalVisit, audit_chain_is_intact, check_holdings  # noqa: E402

TARGET_VISITS_PER_S = 90.0
TARGET_P99_S = 0.400
TARGET_CPU_MS_PER_VISIT = 40.0
# ODK Central on the same machine size, 32 visits in flight, 600 visits of 60 answers and 3 phone photos of ~300 KB
# (docs/performance.md, "Side by side with ODK Central"); its CPU includes the 60 s after the window.
CENTRAL = {"visits_per_s": 44.2, "p99_s": 0.98, "cpu_ms_per_visit": 51.0}
PICTURE_SIZE = (1600, 1200)
PICTURE_QUALITY = 91
PICTURE_VERSION = 3  # part of the cache's folder name: change it when the pictures change
SEEDED_PHOTOS_PER_VISIT = 25
SEEDED_LOOK_ALIKE_SHARE = 0.01
REUSED_SHARE = 0.02  # of the phones' pictures, a seeded photo looks like it
DRAIN_POLL_S = 0.2


# --- pictures ----------------------------------------------------------------------------------------------------

_sources: list[Any] = []


def _load_sources() -> None:
    from PIL import Image

    from tests.photos import photo_bytes

    for name in ("iphone_hdr_YES.jpg", "HMD_Nokia_8.3_5G.jpg"):
        with Image.open(io.BytesIO(photo_bytes(name))) as image:
            image.draft("RGB", (image.width // 2, image.height // 2))
            _sources.append(image.convert("RGB"))


def _picture(index: int) -> bytes:
    """A phone photo of its own: a random part of one of two phone photos, turned or mirrored at random and lit
    unevenly by a random 4 × 3 field of gains, so that few pairs have close perceptual hashes."""
    from PIL import Image, ImageChops

    rng = random.Random(index)
    source = _sources[index % len(_sources)]
    width = int(source.width * rng.uniform(0.5, 0.85))
    height = min(source.height, width * 3 // 4)
    left, top = rng.randrange(source.width - width + 1), rng.randrange(source.height - height + 1)
    picture = source.crop((left, top, left + width, top + height)).resize(PICTURE_SIZE, Image.Resampling.BILINEAR)
    turn = rng.choice(
        (None, Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_180)
    )
    if turn is not None:
        picture = picture.transpose(turn)
    gains = Image.frombytes("L", (4, 3), bytes(rng.randrange(90, 256) for _ in range(12)))
    gains = gains.resize(PICTURE_SIZE, Image.Resampling.BICUBIC).convert("RGB")
    buffer = io.BytesIO()
    ImageChops.multiply(picture, gains).save(buffer, "JPEG", quality=PICTURE_QUALITY)
    return buffer.getvalue()


def _write_picture(folder: Path, index: int) -> None:
    path = folder / f"{index:06d}.jpg"
    partial = path.with_suffix(".part")
    partial.write_bytes(_picture(index))
    partial.rename(path)


def pictures(folder: Path, count: int) -> list[bytes]:
    """``count`` distinct phone pictures, made in processes of their own the first time and kept in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [index for index in range(count) if not (folder / f"{index:06d}.jpg").is_file()]
    if missing:
        print(f"making {len(missing)} pictures in {folder} …", flush=True)
        with ProcessPoolExecutor(os.cpu_count() or 2, initializer=_load_sources) as pool:
            list(pool.map(_write_picture, [folder] * len(missing), missing, chunksize=8))
    return [(folder / f"{index:06d}.jpg").read_bytes() for index in range(count)]


def server_phash(picture: bytes, scratch: Path) -> str:
    """The perceptual hash the server computes for this picture."""
    from server.domain.photos.processing import process_photo

    path = scratch / f"phash-{uuid.uuid4()}.jpg"
    path.write_bytes(picture)
    try:
        return process_photo(path).phash
    finally:
        path.unlink()


# --- what the phones send ----------------------------------------------------------------------------------------


@dataclass
class PreparedVisit:
    local: LocalVisit
    document: bytes
    photos: dict[str, bytes]
    picture_indexes: dict[str, int]


@dataclass
class PhoneWork:
    token: str
    visits: list[PreparedVisit] = field(default_factory=list)


def prepare(seeded: Seeded, photo_bank: list[bytes], visits: int, photos_per_visit: int) -> list[PhoneWork]:
    """Each visit's document and photos as bytes, dealt to the phones in turn; every photo a picture of its own."""
    rng = random.Random(20261208)
    work = [PhoneWork(token=token) for _, _, token in seeded.surveyors]
    finished_at = datetime.now(UTC) - timedelta(minutes=2)
    for n in range(visits):
        phone = n % len(work)
        _, assignment_id, _ = seeded.surveyors[phone]
        started_at = finished_at - timedelta(minutes=rng.uniform(25, 45))
        # Each visit a walk of its own near the unit: one track repeated would flag every visit a replay of the others.
        lat0, lon0 = UNIT_AT[0] + rng.uniform(-2e-4, 2e-4), UNIT_AT[1] + rng.uniform(-2e-4, 2e-4)
        span_s = (finished_at - started_at).total_seconds()
        photos, indexes, declared = {}, {}, []
        for k in range(photos_per_visit):
            index = n * photos_per_visit + k
            data, photo_id = photo_bank[index], str(uuid.uuid4())
            photos[photo_id], indexes[photo_id] = data, index
            declared.append(
                {
                    "id": photo_id,
                    "indicator": f"Q{k % 3 + 1:02d}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "content_type": "image/jpeg",
                    "taken_at": (started_at + timedelta(minutes=3 + k)).isoformat(),
                    "lat": lat0,
                    "lon": lon0,
                    "accuracy_m": 9.0,
                }
            )
        doc = {
            "assignment_id": str(assignment_id),
            "revision": 1,
            "started_at": started_at.isoformat(),
            "finished_at": finished_at.isoformat(),
            "positions": [
                {
                    "lat": lat0 + rng.uniform(-3e-5, 3e-5),
                    "lon": lon0 + rng.uniform(-3e-5, 3e-5),
                    "accuracy_m": round(rng.uniform(5, 15), 1),
                    "at": (started_at + timedelta(seconds=span_s * i / POSITIONS)).isoformat(),
                }
                for i in range(POSITIONS)
            ],
            "answers": [
                {
                    "indicator": f"Q{q:02d}",
                    "value": rng.random() < 0.7,
                    "note": "Loket buka" if q % 10 == 0 else None,
                    "answered_at": (started_at + timedelta(seconds=span_s * q / (ANSWERS + 1))).isoformat(),
                }
                for q in range(1, ANSWERS + 1)
            ],
            "photos": declared,
        }
        local = LocalVisit(uuid.uuid4(), doc, photos)
        work[phone].visits.append(PreparedVisit(local, msgspec.json.encode(doc), photos, indexes))
    return work


# --- the phones --------------------------------------------------------------------------------------------------


class MissingPhotos(msgspec.Struct):
    """All a phone reads of a receipt."""

    missing_photos: list[str]
    status: str


@dataclass
class Phase:
    """One run's measurements."""

    visit_latencies_s: list[float] = field(default_factory=list)
    route_latencies_s: dict[str, list[float]] = field(default_factory=lambda: {"visit PUT": [], "photo PUT": []})
    errors: list[str] = field(default_factory=list)
    first_request_at: float = 0.0
    last_receipt_at: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    drain_s: float = 0.0
    drain_server_cpu_s: float = 0.0
    drain_complete: bool = True
    drain_photos: int = 0
    """Photos still waiting when the drain began (just after the last receipt)."""
    drain_photos_s: float = 0.0
    """The time from then until none waited."""
    queue: bool = False


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_phones(url: str, work: list[PhoneWork], server_group: int) -> Phase:
    phase = Phase()
    connections = [LeanHttpConnection(url) for _ in work]
    await asyncio.gather(*(connection.connect() for connection in connections))  # online before the clock starts

    async def phone(connection: LeanHttpConnection, mine: PhoneWork) -> None:
        auth = f"Bearer {mine.token}"
        json_headers = {"Authorization": auth, "Content-Type": "application/json"}
        jpeg_headers = {"Authorization": auth, "Content-Type": "image/jpeg"}
        for visit in mine.visits:
            vid = visit.local.id
            began = time.perf_counter()
            status, body = await connection.request("PUT", f"/api/visits/{vid}", json_headers, visit.document)
            done = time.perf_counter()
            phase.route_latencies_s["visit PUT"].append(done - began)
            if status not in (200, 201):
                phase.errors.append(f"visit PUT {vid} → {status} {body[:200]!r}")
                continue
            receipt = msgspec.json.decode(body, type=MissingPhotos)
            for photo_id in receipt.missing_photos:
                sent = time.perf_counter()
                status, body = await connection.request(
                    "PUT", f"/api/visits/{vid}/photos/{photo_id}", jpeg_headers, visit.photos[photo_id]
                )
                done = time.perf_counter()
                phase.route_latencies_s["photo PUT"].append(done - sent)
                if status not in (200, 201):
                    phase.errors.append(f"photo PUT {photo_id} → {status} {body[:200]!r}")
                    break
                receipt = msgspec.json.decode(body, type=MissingPhotos)
            if receipt.missing_photos or receipt.status != "submitted":
                phase.errors.append(f"visit {vid} is {receipt.status} after its photos: {receipt.missing_photos}")
                continue
            visit.local.receipt = {"status": receipt.status, "missing_photos": []}
            phase.visit_latencies_s.append(done - began)
            phase.last_receipt_at = max(phase.last_receipt_at, done)

    server_cpu_before, client_cpu_before = cpu_seconds_of_group(server_group), _cpu_s()
    phase.first_request_at = time.perf_counter()
    try:
        await asyncio.gather(*(phone(connection, mine) for connection, mine in zip(connections, work, strict=True)))
    finally:
        phase.server_cpu_s = cpu_seconds_of_group(server_group) - server_cpu_before
        phase.client_cpu_s = _cpu_s() - client_cpu_before
        await asyncio.gather(*(connection.close() for connection in connections))
    return phase


# --- the drain: photos received but not yet rendered -------------------------------------------------------------


class WaitingPhotos:
    """Counts, read-only and straight from the database, the stored photos still waiting to be rendered."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self._connection: Any = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
            columns = {row[1] for row in self._connection.execute("PRAGMA table_info(photos)")}
        else:
            import psycopg

            self._connection = psycopg.connect(
                parsed.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
            )
            columns = {
                row[0]
                for row in self._connection.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'photos'"
                )
            }
        self.has_queue = "rendered_at" in columns
        waiting = "stored_at IS NOT NULL AND rendered_at IS NULL"
        if "unreadable_at" in columns:
            waiting += " AND unreadable_at IS NULL"
        self._query = f"SELECT count(*) FROM photos WHERE {waiting}"

    def count(self) -> int:
        return int(self._connection.execute(self._query).fetchone()[0]) if self.has_queue else 0

    def close(self) -> None:
        self._connection.close()


def drain(phase: Phase, waiting: WaitingPhotos, server_group: int, timeout_s: float) -> None:
    """Wait until no photo waits to be rendered; the time since the last receipt and the server's CPU in it."""
    phase.queue = waiting.has_queue
    cpu_before = cpu_seconds_of_group(server_group)
    began = time.perf_counter()
    deadline = began + timeout_s
    phase.drain_photos = waiting.count() if phase.queue else 0
    while waiting.count():
        if time.perf_counter() > deadline:
            phase.drain_complete = False
            break
        time.sleep(DRAIN_POLL_S)
    ended = time.perf_counter()
    phase.drain_photos_s = ended - began
    phase.drain_s = max(0.0, ended - phase.last_receipt_at) if phase.queue else 0.0
    phase.drain_server_cpu_s = cpu_seconds_of_group(server_group) - cpu_before if phase.queue else 0.0


# --- a store that already holds photos ---------------------------------------------------------------------------


def _phash_of_pixels(seed_value: int) -> str:
    """The server's perceptual hash of a small generated picture of its own (a random field of light)."""
    import numpy as np
    from PIL import Image

    from server.domain.photos.processing import perceptual_hash

    rng = np.random.default_rng(seed_value)
    coarse = Image.fromarray(rng.integers(0, 256, (6, 8), dtype=np.uint8), "L").resize((64, 48))
    noise = rng.integers(-12, 13, (48, 64))
    picture = np.clip(np.asarray(coarse, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    return perceptual_hash(Image.fromarray(picture, "L"))


def _phashes(seeds: list[int]) -> list[str]:
    return [_phash_of_pixels(value) for value in seeds]


def seeded_phashes(count: int) -> list[str]:
    """``count`` perceptual hashes of distinct generated pictures, made in processes of their own."""
    workers = os.cpu_count() or 2
    chunks = [list(range(start, min(count, start + 2000))) for start in range(0, count, 2000)]
    with ProcessPoolExecutor(workers) as pool:
        return [phash for chunk in pool.map(_phashes, chunks) for phash in chunk]


def near(phash: str, rng: random.Random, bits: int) -> str:
    """A hash ``bits`` bits away: a look-alike picture."""
    value = int(phash, 16)
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return f"{value:016x}"


@dataclass
class SeededStore:
    visit_ids: set[str]
    photos: int
    reused_photo_ids: set[str]
    """The phones' photos a seeded photo looks like: each must be flagged ``photo.reused``."""
    seconds: float


def _look_alikes_of_sent(
    work: list[PhoneWork], rng: random.Random, scratch: Path
) -> tuple[list[tuple[int, str]], set[str]]:
    """Hashes a few bits away from some of the pictures the phones will send, each for the phone that sends it, and
    the ids of those photos."""
    sent = [(phone, visit, pid) for phone, mine in enumerate(work) for visit in mine.visits for pid in visit.photos]
    targets = rng.sample(sent, max(1, int(len(sent) * REUSED_SHARE)))
    hashes = [
        (phone, near(server_phash(visit.photos[pid], scratch), rng, rng.randint(1, 4))) for phone, visit, pid in targets
    ]
    return hashes, {pid for _, _, pid in targets}


async def seed_store(
    url: str, seeded: Seeded, count: int, work: list[PhoneWork], photo_bank: list[bytes], scratch: Path
) -> SeededStore:
    """``count`` stored photos in earlier visits of the phones' surveyors at their units, written straight into the
    database with their look-alike keys, as the photo pipeline would have left them."""
    started = time.perf_counter()
    rng = random.Random(7)
    hashes = seeded_phashes(count)
    for n in range(int(count * SEEDED_LOOK_ALIKE_SHARE)):  # look-alikes among the stored photos themselves
        hashes[rng.randrange(count)] = near(hashes[n], rng, rng.randint(1, 4))
    target_hashes, reused = _look_alikes_of_sent(work, rng, scratch)
    now = datetime.now(UTC)
    has_queue = "rendered_at" in Photo.__table__.c
    phones = len(seeded.surveyors)
    visit_rows, photo_rows, key_rows = [], [], []

    def add_photo(phone: int, visit_id: uuid.UUID, taken_at: datetime, phash: str) -> None:
        surveyor_id, unit_id = seeded.surveyors[phone][0], seeded.unit_ids[phone]
        sha256, photo_id = secrets.token_hex(32), uuid.uuid4()
        row = {
            "id": photo_id,
            "visit_id": visit_id,
            "indicator": "Q01",
            "sha256": sha256,
            "size": 300_000,
            "content_type": "image/jpeg",
            "taken_at": taken_at,
            "lat": UNIT_AT[0],
            "lon": UNIT_AT[1],
            "accuracy_m": 9.0,
            "declared_revision": 1,
            "stored_at": taken_at + timedelta(hours=1),
            "original_key": f"originals/{sha256[:2]}/{sha256}.jpg",
            "width": PICTURE_SIZE[0],
            "height": PICTURE_SIZE[1],
            "phash": phash,
            "has_exif": False,
        }
        if has_queue:
            row["rendered_at"] = row["stored_at"]
        photo_rows.append(row)
        key_rows.extend(
            {"photo_id": photo_id, "key": key, "surveyor_id": surveyor_id, "unit_id": unit_id, "phash": phash}
            for key in look_alike_index.band_keys(phash)
        )

    def add_visit(phone: int, days_ago: float) -> tuple[uuid.UUID, datetime]:
        surveyor_id, assignment_id, _ = seeded.surveyors[phone]
        visit_id, started_at = uuid.uuid4(), now - timedelta(days=days_ago)
        visit_rows.append(
            {
                "id": visit_id,
                "assignment_id": assignment_id,
                "wave_id": seeded.wave_id,
                "unit_id": seeded.unit_ids[phone],
                "surveyor_id": surveyor_id,
                "revision": 1,
                "status": "submitted",
                "content_hash": secrets.token_hex(32),
                "started_at": started_at,
                "finished_at": started_at + timedelta(minutes=30),
                "first_received_at": started_at + timedelta(hours=1),
                "updated_at": started_at + timedelta(hours=1),
                "submitted_at": started_at + timedelta(hours=1),
            }
        )
        return visit_id, started_at

    for start in range(0, count, SEEDED_PHOTOS_PER_VISIT):
        # Earlier visits, weeks before these: no travel between them and the phones' visits is judged.
        phone = (start // SEEDED_PHOTOS_PER_VISIT) % phones
        visit_id, started_at = add_visit(phone, rng.uniform(30, 400))
        for n in range(start, min(count, start + SEEDED_PHOTOS_PER_VISIT)):
            add_photo(phone, visit_id, started_at, hashes[n])
    for phone, phash in target_hashes:
        visit_id, started_at = add_visit(phone, rng.uniform(30, 400))
        add_photo(phone, visit_id, started_at, phash)

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for table, rows in ((Visit, visit_rows), (Photo, photo_rows), (PhotoLookAlikeKey, key_rows)):
                for start in range(0, len(rows), 5000):
                    await connection.execute(insert(table.__table__), rows[start : start + 5000])
    finally:
        await engine.dispose()
    return SeededStore(
        visit_ids={str(row["id"]) for row in visit_rows},
        photos=len(photo_rows),
        reused_photo_ids=reused,
        seconds=time.perf_counter() - started,
    )


async def reused_flags(url: str, photo_ids: list[str]) -> set[str]:
    """Which of these photos carry a ``photo.reused`` flag."""
    engine = create_engine(url)
    flags = Flag.__table__
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(flags.c.photo_id).where(flags.c.code == "photo.reused", flags.c.photo_id.is_not(None))
            )
            flagged = {str(photo_id) for (photo_id,) in rows}
    finally:
        await engine.dispose()
    return flagged & set(photo_ids)


# --- one run -----------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    phase: Phase
    holdings: Holdings
    audit: tuple[bool, str]
    visits: int
    photos_per_visit: int
    store: SeededStore | None = None
    reused_found: int = 0
    reused_unexpected: int = 0


def run_once(args: argparse.Namespace, photo_bank: list[bytes], stored_photos: int, label: str) -> Outcome:
    data_dir = Path(tempfile.mkdtemp(prefix="sidak-load-"))
    try:
        with scratch_database(args.database, data_dir, args.pg_admin_url) as url:
            seeded = asyncio.run(seed(url, args.phones, photo_indicators=3))
            work = prepare(seeded, photo_bank, args.visits, args.photos_per_visit)
            store = None
            if stored_photos:
                print(f"  seeding {stored_photos} stored photos …", flush=True)
                store = asyncio.run(seed_store(url, seeded, stored_photos, work, photo_bank, data_dir))
                print(f"  seeded in {store.seconds:.1f} s", flush=True)
            profile_to = args.profile.with_suffix(f".{label}.prof") if args.profile else None
            with running_server(data_dir, url, workers=args.workers, profile_to=profile_to) as (server_url, process):
                waiting = WaitingPhotos(url)
                try:
                    time.sleep(1.0)  # the server's start-up work (decoders forking, the sealer's first round) ends
                    phase = asyncio.run(run_phones(server_url, work, process.pid))
                    drain(phase, waiting, process.pid, args.drain_timeout)
                finally:
                    waiting.close()
            visits = [visit.local for mine in work for visit in mine.visits]
            usernames = [f"bench{n}" for n in range(args.phones)]
            holdings = asyncio.run(
                check_holdings(url, data_dir, visits, usernames, earlier=store.visit_ids if store else ())
            )
            audit = audit_chain_is_intact(data_dir, url)
            outcome = Outcome(label, phase, holdings, audit, args.visits, args.photos_per_visit, store)
            sent_ids = [photo_id for visit in visits for photo_id in visit.photos]
            flagged = asyncio.run(reused_flags(url, sent_ids))
            if store is not None:
                outcome.reused_found = len(flagged & store.reused_photo_ids)
            outcome.reused_unexpected = len(flagged - (store.reused_photo_ids if store else set()))
            return outcome
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


# --- the report --------------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def figures(outcome: Outcome) -> dict[str, Any]:
    phase = outcome.phase
    received = len(phase.visit_latencies_s)
    window_s = phase.last_receipt_at - phase.first_request_at
    cpu_window = 1000 * phase.server_cpu_s / max(received, 1)
    cpu_all = 1000 * (phase.server_cpu_s + phase.drain_server_cpu_s) / max(received, 1)
    return {
        "run": outcome.label,
        "stored_photos_before": outcome.store.photos if outcome.store else 0,
        "visits_sent": outcome.visits,
        "visits_received": received,
        "window_s": round(window_s, 2),
        "visits_per_s": round(received / window_s, 1) if window_s > 0 else float("nan"),
        "photos_per_s": round(received * outcome.photos_per_visit / window_s, 1) if window_s > 0 else float("nan"),
        "visit_p50_ms": round(1000 * percentile(phase.visit_latencies_s, 0.50), 1),
        "visit_p99_ms": round(1000 * percentile(phase.visit_latencies_s, 0.99), 1),
        "routes": {
            route: {
                "requests": len(latencies),
                "p50_ms": round(1000 * percentile(latencies, 0.50), 1),
                "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
            }
            for route, latencies in phase.route_latencies_s.items()
        },
        "server_cpu_ms_per_visit_window": round(cpu_window, 1),
        "render_queue": phase.queue,
        "drain_s": round(phase.drain_s, 2),
        "drain_complete": phase.drain_complete,
        "drain_server_cpu_ms_per_visit": round(1000 * phase.drain_server_cpu_s / max(received, 1), 1),
        "drain_photos": phase.drain_photos,
        "drain_photos_per_s": round(phase.drain_photos / phase.drain_photos_s, 1) if phase.drain_photos_s > 0 else 0.0,
        "server_cpu_ms_per_visit_with_drain": round(cpu_all, 1),
        "load_generator_cpu_ms_per_visit": round(1000 * phase.client_cpu_s / max(received, 1), 2),
        "errors": len(phase.errors),
        "error_samples": phase.errors[:5],
        "stored_visits": outcome.holdings.visits,
        "stored_photos": outcome.holdings.photos,
        "check_problems": len(outcome.holdings.problems),
        "check_problem_samples": outcome.holdings.problems[:10],
        "audit_chain_intact": outcome.audit[0],
        "audit_chain": outcome.audit[1],
        "look_alikes_planted": len(outcome.store.reused_photo_ids) if outcome.store else 0,
        "look_alikes_found": outcome.reused_found,
        "reused_flags_unplanted": outcome.reused_unexpected,
    }


def print_bare_pipeline_ratio(results: list[dict[str, Any]], photo_bank: list[bytes]) -> None:
    """The drain's rate against the bare pipeline on every core, measured now that the server has stopped: during
    the drain no phone sends, so the app leaves both cores to rendering."""
    if not any(result["drain_photos"] for result in results):
        return
    with tempfile.TemporaryDirectory(prefix="sidak-load-bare-") as folder:
        paths = [Path(folder) / f"{n}.jpg" for n in range(8)]
        for path, picture in zip(paths, photo_bank, strict=False):
            path.write_bytes(picture)
        # What the server does with a phone's JPEG: its display image is the upload minus metadata, not re-encoded.
        per_core = bare_pipeline_rate(paths, 3.0, keep_fitting_jpeg=True)
    cores = os.cpu_count() or 1
    for result in results:
        if result["drain_photos"]:
            print(
                f"{result['run']}: the drain rendered {result['drain_photos_per_s'] / (per_core * cores):.2f}× "
                f"the bare pipeline on {cores} cores ({per_core:.1f} photos/s on one, measured after the run)"
            )


def print_figures(result: dict[str, Any]) -> None:
    print(
        f"\n{result['run']}: {result['visits_received']} of {result['visits_sent']} visits in "
        f"{result['window_s']} s (store held {result['stored_photos_before']} photos before)"
    )
    print(
        f"  receipts        {result['visits_per_s']:>7.1f} visits/s  ({result['photos_per_s']} photos/s)   "
        f"per visit p50 {result['visit_p50_ms']} ms, p99 {result['visit_p99_ms']} ms"
    )
    for route, route_figures in result["routes"].items():
        print(
            f"  {route:<15} {route_figures['requests']:>7} requests, p50 {route_figures['p50_ms']} ms, "
            f"p99 {route_figures['p99_ms']} ms"
        )
    drain_text = (
        f"{result['drain_s']} s after the last receipt, {result['drain_server_cpu_ms_per_visit']} ms of server CPU "
        f"per visit{'' if result['drain_complete'] else ' (NOT COMPLETE: timed out)'}"
        if result["render_queue"]
        else "none (photos are rendered before their receipt)"
    )
    print(
        f"  server CPU      {result['server_cpu_ms_per_visit_window']} ms per visit in the window, "
        f"{result['server_cpu_ms_per_visit_with_drain']} ms with the drain"
    )
    print(f"  drain           {drain_text}")
    if result["drain_photos"]:
        print(
            f"  drain rate      {result['drain_photos']} photos waiting at the last receipt, rendered at "
            f"{result['drain_photos_per_s']} photos/s"
        )
    print(f"  load generator  {result['load_generator_cpu_ms_per_visit']} ms of its own CPU per visit")
    print(f"  errors {result['errors']} {result['error_samples']}")
    print(
        f"  check: {result['stored_visits']} visits and {result['stored_photos']} photos stored; "
        f"{result['check_problems']} problems {result['check_problem_samples']}; audit chain: {result['audit_chain']}"
    )
    if result["look_alikes_planted"]:
        print(
            f"  look-alikes of seeded photos flagged photo.reused: {result['look_alikes_found']} of "
            f"{result['look_alikes_planted']}"
        )
    print(f"  photo.reused on photos with no planted look-alike: {result['reused_flags_unplanted']}")
    p99_s = result["visit_p99_ms"] / 1000
    cpu = result["server_cpu_ms_per_visit_with_drain"]
    print(
        f"  against the targets: {result['visits_per_s'] / TARGET_VISITS_PER_S:.2f} of {TARGET_VISITS_PER_S:g} "
        f"visits/s, p99 {p99_s / TARGET_P99_S:.2f} of {TARGET_P99_S * 1000:g} ms, "
        f"CPU {cpu / TARGET_CPU_MS_PER_VISIT:.2f} of {TARGET_CPU_MS_PER_VISIT:g} ms (lower is better for both)"
    )
    print(
        f"  against ODK Central: {result['visits_per_s'] / CENTRAL['visits_per_s']:.2f}× its visits/s, "
        f"{p99_s / CENTRAL['p99_s']:.2f}× its p99, {cpu / CENTRAL['cpu_ms_per_visit']:.2f}× its CPU per visit"
    )


def is_clean(result: dict[str, Any]) -> bool:
    return (
        result["errors"] == 0
        and result["check_problems"] == 0
        and result["audit_chain_intact"]
        and result["drain_complete"]
        and result["visits_received"] == result["visits_sent"]
        and result["look_alikes_found"] == result["look_alikes_planted"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=600, help="visits sent in all (default 600)")
    parser.add_argument("--quick", action="store_true", help="128 visits: a run of well under a minute")
    parser.add_argument("--phones", type=int, default=32, help="phones syncing at once (default 32)")
    parser.add_argument("--photos-per-visit", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument(
        "--stored-photos",
        type=int,
        default=0,
        help="also run on a store already holding this many photos, after a run on an empty one",
    )
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for the render queue")
    parser.add_argument(
        "--picture-cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / f"sidak-load-pictures-v{PICTURE_VERSION}",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the server under cProfile (with --workers 1) and write its statistics to <PROFILE>.<run>.prof",
    )
    args = parser.parse_args()
    if args.quick:
        args.visits = 128

    photo_bank = pictures(args.picture_cache, args.visits * args.photos_per_visit)
    size_kb = sum(map(len, photo_bank)) / len(photo_bank) / 1000
    print(
        f"{args.visits} visits of {ANSWERS} answers, {POSITIONS} positions and {args.photos_per_visit} photos of "
        f"~{size_kb:.0f} KB at {PICTURE_SIZE[0]} × {PICTURE_SIZE[1]}; {args.phones} phones; {args.database}, "
        f"{args.workers} worker(s); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start",
        flush=True,
    )
    runs = [("empty store", 0)] + (
        [(f"{args.stored_photos} photos stored", args.stored_photos)] if args.stored_photos else []
    )
    results = []
    for label, stored in runs:
        print(f"run on an {label} …" if not stored else f"run with {label} …", flush=True)
        result = figures(run_once(args, photo_bank, stored, label))
        print_figures(result)
        results.append(result)
    if len(results) == 2:
        empty, full = results
        rate = full["visits_per_s"] / empty["visits_per_s"]
        cpu = full["server_cpu_ms_per_visit_with_drain"] / empty["server_cpu_ms_per_visit_with_drain"]
        print(
            f"\nwith {args.stored_photos} photos stored: {rate:.2f}× the empty store's visits/s, "
            f"{cpu:.2f}× its server CPU per visit"
        )
    print_bare_pipeline_ratio(results, photo_bank)
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other sessions' work included)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(map(is_clean, results)) else 1


if __name__ == "__main__":
    sys.exit(main())
