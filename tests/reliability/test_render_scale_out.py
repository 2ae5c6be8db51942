"""Scale-out of the render queue: two `sidak serve` processes (each with its embedded render worker) and two
`sidak worker` processes on one PostgreSQL database and one S3 photo store (moto_server), phones syncing visits with
photos through both servers, and one `sidak worker` SIGKILLed while it holds photos it is rendering. Afterwards every
photo is rendered once, its renderings are in the store, the flags are all there and none twice, and no temporary
file is left. PostgreSQL only: on SQLite one machine's processes share one writer, nothing to scale out."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import create_engine, make_url, text

from server.lib.storage import display_key, thumb_key
from tests.reliability.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.reliability.fieldwork import (
    REPO_ROOT,
    Phone,
    Traffic,
    add_surveyors,
    scratch_postgres,
    temp_files,
)
from tests.servers import free_port, server_env, wait_until_serving

PHONES = 4
VISITS_PER_PHONE = 3
PHOTOS_PER_VISIT = 3
LEASE_S = 3
SETTLE_TIMEOUT_S = 40
KILL_TRIES = 5
MOTO_SERVER = Path(sys.executable).with_name("moto_server")


@pytest.fixture(scope="module")
def s3_bucket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A bucket on a moto_server of this module: the store's URL."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("moto") / "moto_server.log").open("wb")
    server = subprocess.Popen([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "moto_server did not start"
                time.sleep(0.1)
        bucket = f"photos-{uuid.uuid4().hex[:12]}"
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{bucket}", method="PUT"), timeout=10).close()
        yield f"s3://{bucket}?endpoint={endpoint}&allow_http=1"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


class Process:
    """A `sidak` command in a session of its own (SIGKILL takes its decoding processes down with it)."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args, self.env, self.log_path = args, env, log_path
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "server.cli", *self.args],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def signal(self, sig: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=30)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    try:
        yield [process.start() for process in processes]
    finally:
        for process in processes:
            process.signal(signal.SIGTERM)


def noise_jpeg(rng: random.Random) -> bytes:
    """A photo no other looks like (its perceptual hash is random)."""
    image = Image.frombytes("RGB", (320, 240), rng.randbytes(320 * 240 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def with_comment(jpeg: bytes) -> bytes:
    """The same pixels, other bytes: a look-alike (same perceptual hash, another sha256)."""
    comment = f"sidak-uji {uuid.uuid4()}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def rows(database_url: str, sql: str, **parameters: Any) -> list[Any]:
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), parameters).all())
    finally:
        engine.dispose()


def kill_mid_render(worker: Process, database_url: str) -> uuid.UUID | None:
    """SIGKILL ``worker`` as soon as it holds a lease on a photo; that photo, if it was still unrendered then."""
    assert worker.popen is not None
    holder = f"%:{worker.popen.pid}:%"
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    query = text("SELECT id FROM photos WHERE render_leased_by LIKE :holder AND rendered_at IS NULL")
    try:
        deadline = time.monotonic() + 20
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                held = connection.execute(query, {"holder": holder}).scalars().all()
                connection.rollback()
                if held:
                    worker.signal(signal.SIGKILL)
                    still = connection.execute(
                        text("SELECT id FROM photos WHERE id = ANY(:ids) AND rendered_at IS NULL"),
                        {"ids": list(held)},
                    ).scalars()
                    connection.rollback()
                    return next(iter(still), None)
                time.sleep(0.005)
    finally:
        engine.dispose()
    return None


async def sync_all(base_urls: list[str], logins: dict[str, str], rng: random.Random) -> list[Phone]:
    traffic = Traffic()
    phones = [
        Phone(base_urls[n % len(base_urls)], username, password, traffic, retry=False)
        for n, (username, password) in enumerate(logins.items())
    ]
    for phone in phones:
        await phone.log_in()
        await phone.fetch_work()

    async def work(phone: Phone) -> None:
        for _ in range(VISITS_PER_PHONE):
            await phone.sync(phone.draft_visit([noise_jpeg(rng) for _ in range(PHOTOS_PER_VISIT)]))

    try:
        await asyncio.gather(*(work(phone) for phone in phones))
    finally:
        for phone in phones:
            await phone.close()
    assert not traffic.unexpected and not traffic.server_errors, traffic.unexpected
    return phones


def test_two_servers_and_two_workers_render_every_photo_once_though_a_worker_is_killed_mid_render(
    tmp_path: Path, s3_bucket: str
):
    if not ON_POSTGRES:
        reason = "the render queue's scale-out needs PostgreSQL: set SIDAK_TEST_DATABASE_URL=postgresql+asyncpg://…"
        print(reason)
        pytest.skip(reason)
    started = time.monotonic()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    name = f"{make_url(TEST_DATABASE_URL).database}_scale_out_{os.getpid()}"
    with scratch_postgres(TEST_DATABASE_URL, name) as database_url:
        env = server_env(
            data_dir,
            SIDAK_DATABASE_URL=database_url,
            SIDAK_PHOTO_STORE=s3_bucket,
            SIDAK_PHOTO_RENDER_LEASE_S=str(LEASE_S),
            SIDAK_PHOTO_QUEUE_POLL_S="0.2",
            SIDAK_PHOTO_DECODERS="1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            PYTHONUNBUFFERED="1",
        )
        # The demo's open wave and units to assign the phones to (its photos go through the same queue).
        subprocess.run([sys.executable, "-m", "server.cli", "demo"], cwd=REPO_ROOT, env=env, check=True, timeout=300)
        admin_password = json.loads((data_dir / "demo-logins.json").read_text())["admin"]
        demo_s = time.monotonic() - started
        demo_photos = rows(database_url, "SELECT count(*) AS n FROM photos WHERE stored_at IS NOT NULL")[0].n
        ports = [free_port(), free_port()]
        servers = [
            Process(["serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / f"serve-{port}.log")
            for port in ports
        ]
        workers = [Process(["worker"], env, tmp_path / f"worker-{n}.log") for n in range(2)]
        with running(servers + workers):
            base_urls = [f"http://127.0.0.1:{port}" for port in ports]
            for server, base_url in zip(servers, base_urls, strict=True):
                assert server.popen is not None
                wait_until_serving(base_url, server.popen, server.log_tail, timeout_s=120)
            logins = asyncio.run(add_surveyors(base_urls[0], admin_password, PHONES, prefix="skala-"))
            rng = random.Random(11)

            killed: uuid.UUID | None = None
            loading = asyncio.new_event_loop()
            try:
                load = loading.create_task(sync_all(base_urls, logins, rng))
                for _ in range(KILL_TRIES):
                    killed = await_kill(loading, workers[0], database_url)
                    if killed is not None:
                        break
                    if workers[0].popen is not None and workers[0].popen.poll() is not None:
                        workers[0].start()  # it recorded its batch before the kill landed: again, next lease
                phones = loading.run_until_complete(load)
            finally:
                loading.close()
            assert killed is not None, "the worker was never caught holding an unrendered photo"

            settle(database_url)
            assert no_temp_files_soon(data_dir)  # a killed renderer's files are swept once its lease has run out
            elapsed_s = time.monotonic() - started

        photos = rows(
            database_url,
            "SELECT id, sha256, rendered_at, unreadable_at, render_attempts, display_ranges, phash "
            "FROM photos WHERE stored_at IS NOT NULL",
        )
        assert len(photos) == demo_photos + PHONES * VISITS_PER_PHONE * PHOTOS_PER_VISIT
        assert all(photo.rendered_at is not None and photo.unreadable_at is None for photo in photos)
        by_id = {photo.id: photo for photo in photos}
        assert by_id[killed].render_attempts == 2  # the killed worker's attempt, then the one that rendered it
        store = stored_keys(s3_bucket)
        for photo in photos:
            assert thumb_key(photo.sha256) in store
            assert (display_key(photo.sha256) in store) == (photo.display_ranges is None)
        synced = {uuid.UUID(photo_id) for phone in phones for visit in phone.visits for photo_id in visit.photos}
        no_exif = rows(
            database_url, "SELECT photo_id, count(*) AS n FROM flags WHERE code = 'photo.no_exif' GROUP BY 1"
        )
        assert {row.photo_id: row.n for row in no_exif if row.photo_id in synced} == dict.fromkeys(synced, 1)
        doubled = rows(
            database_url,
            "SELECT visit_id, code, photo_id FROM flags GROUP BY 1, 2, 3 HAVING count(*) > 1",
        )
        assert doubled == []
        stored_events = rows(
            database_url, "SELECT entity_id, count(*) AS n FROM audit_events WHERE action = 'photo.stored' GROUP BY 1"
        )
        events = {str(row.entity_id): row.n for row in stored_events}
        assert {photo_id: events.get(str(photo_id)) for photo_id in synced} == dict.fromkeys(synced, 1)
        keys = rows(database_url, "SELECT photo_id, count(DISTINCT phash) AS n FROM photo_look_alike_keys GROUP BY 1")
        assert synced <= {row.photo_id for row in keys}
        print(
            f"\nrender scale-out: {len(synced)} photos synced, 1 worker killed mid-render; "
            f"{elapsed_s - demo_s:.1f} s after the demo's {demo_s:.1f} s"
        )


def await_kill(loop: asyncio.AbstractEventLoop, worker: Process, database_url: str) -> uuid.UUID | None:
    """Run the phones' load while watching for the worker's lease, in a thread beside the loop."""
    return loop.run_until_complete(asyncio.to_thread(kill_mid_render, worker, database_url))


def no_temp_files_soon(data_dir: Path) -> bool:
    deadline = time.monotonic() + 2 * LEASE_S + 2
    while temp_files(data_dir):
        if time.monotonic() > deadline:
            print("left:", temp_files(data_dir))
            return False
        time.sleep(0.2)
    return True


def settle(database_url: str) -> None:
    """Wait until no photo waits (the killed worker's lease runs out within ``LEASE_S``)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        [left] = rows(
            database_url,
            "SELECT count(*) AS n FROM photos WHERE stored_at IS NOT NULL AND rendered_at IS NULL "
            "AND unreadable_at IS NULL",
        )
        if left.n == 0:
            return
        assert time.monotonic() < deadline, f"{left.n} photos still waiting after {SETTLE_TIMEOUT_S} s"
        time.sleep(0.2)


def stored_keys(store_url: str) -> set[str]:
    """Every key in the bucket (moto answers ListObjectsV2 without credentials)."""
    endpoint = store_url.split("endpoint=", 1)[1].split("&", 1)[0]
    bucket = store_url.removeprefix("s3://").split("?", 1)[0]
    keys: set[str] = set()
    token = ""
    while True:
        url = f"{endpoint}/{bucket}?list-type=2" + (f"&continuation-token={token}" if token else "")
        body = urllib.request.urlopen(url, timeout=10).read().decode()
        keys.update(part.split("</Key>", 1)[0] for part in body.split("<Key>")[1:])
        if "<NextContinuationToken>" not in body:
            return keys
        token = body.split("<NextContinuationToken>", 1)[1].split("<", 1)[0]
