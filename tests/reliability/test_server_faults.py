"""Faults while phones sync: the server SIGKILLed at random moments, PostgreSQL connections terminated mid-transaction,
a phone that vanishes halfway through a photo. Phones retry as the app's outbox does (the same step again, later);
afterwards nothing a phone was told is stored may be missing, nothing may be stored twice, every stored photo's bytes
must hash to its sha256, and no temporary file may outlive the process that wrote it.

CI runs a few faults; SIDAK_RELIABILITY_FULL=1 runs many (docs/operations.md's figures).
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import FULL, ON_POSTGRES, Field
from tests.reliability.fieldwork import (
    LocalVisit,
    Phone,
    PhotoPool,
    Traffic,
    audit_chain_is_intact,
    check_holdings,
    temp_files,
)

pytestmark = pytest.mark.reliability

SEED = int(time.time()) if FULL else 20211


@dataclass(frozen=True)
class Fieldwork:
    phones: int
    visits_per_phone: int
    photos_per_visit: int
    faults: int
    deadline_s: float


KILLS = (
    Fieldwork(phones=12, visits_per_phone=12, photos_per_visit=3, faults=20, deadline_s=900)
    if FULL
    else Fieldwork(phones=5, visits_per_phone=8, photos_per_visit=2, faults=3, deadline_s=150)
)
DROPS = (
    Fieldwork(phones=12, visits_per_phone=12, photos_per_visit=3, faults=60, deadline_s=900)
    if FULL
    else Fieldwork(phones=5, visits_per_phone=4, photos_per_visit=2, faults=12, deadline_s=120)
)


def phones_for(field: Field, plan: Fieldwork, traffic: Traffic) -> list[Phone]:
    return [
        Phone(field.server.base_url, username, password, traffic, retry=True, timeout_s=30)
        for username, password in field.take_surveyors(plan.phones)
    ]


async def sync_everything(phones: list[Phone], plan: Fieldwork, pool: PhotoPool) -> None:
    async def surveyor(n: int, phone: Phone) -> None:
        await phone.log_in()
        await phone.fetch_work()
        for k in range(plan.visits_per_phone):
            visit = phone.draft_visit(
                [pool.take(n * 31 + k * plan.photos_per_visit + i) for i in range(plan.photos_per_visit)]
            )
            await phone.sync(visit)

    await asyncio.gather(*(surveyor(n, phone) for n, phone in enumerate(phones)))


async def assert_nothing_lost_or_doubled(field: Field, phones: list[Phone], traffic: Traffic) -> list[LocalVisit]:
    visits = [visit for phone in phones for visit in phone.visits]
    assert all(visit.is_synced for visit in visits)
    holdings = await check_holdings(field.database_url, field.data_dir, visits, [phone.username for phone in phones])
    assert not holdings.problems, "\n".join(holdings.problems[:30])
    assert holdings.visits == len(visits)
    assert holdings.photos == sum(len(visit.photos) for visit in visits)
    assert not traffic.unexpected, "\n".join(traffic.unexpected[:10])
    intact, message = await asyncio.to_thread(audit_chain_is_intact, field.data_dir, field.database_url)
    assert intact, message
    return visits


async def until_done(work: asyncio.Future[None], fault: Awaitable[None]) -> None:
    """Run the fault injector beside the phones; the phones' failure (or the deadline) ends both."""
    injector = asyncio.ensure_future(fault)
    try:
        await work
    finally:
        injector.cancel()
        await asyncio.gather(injector, return_exceptions=True)


async def test_a_server_killed_at_random_moments_loses_and_doubles_nothing(field: Field, photo_pool: PhotoPool):
    rng = random.Random(SEED)
    traffic = Traffic()
    phones = phones_for(field, KILLS, traffic)
    orphans_left_by_kills: list[Path] = []
    orphans_kept_after_restart: list[Path] = []

    kills_before = field.server.kills

    async def kill_at_random_moments(work: asyncio.Future[None]) -> None:
        while field.server.kills - kills_before < KILLS.faults and not work.done():
            await asyncio.sleep(rng.uniform(0.2, 1.5))
            if work.done():
                return
            await asyncio.to_thread(field.server.kill)
            left = temp_files(field.data_dir)
            orphans_left_by_kills.extend(left)
            await asyncio.to_thread(field.server.start)
            orphans_kept_after_restart.extend(path for path in left if path.exists())

    try:
        work = asyncio.ensure_future(asyncio.wait_for(sync_everything(phones, KILLS, photo_pool), KILLS.deadline_s))
        await until_done(work, kill_at_random_moments(work))
        visits = await assert_nothing_lost_or_doubled(field, phones, traffic)
    finally:
        kills = field.server.kills - kills_before
        for phone in phones:
            await phone.close()
        if not field.server.is_running:
            field.server.start()

    assert kills >= 1, "the phones finished before the first kill: give them more to do"
    assert not orphans_kept_after_restart, (
        f"temporary files of killed processes survived a restart: {orphans_kept_after_restart}"
    )
    assert not temp_files(field.data_dir)
    print(
        f"\nSIGKILL: {kills} kills (seed {SEED}), {sum(traffic.transport_errors.values())} requests cut or refused, "
        f"{sum(phone.retries for phone in phones)} retries; {len(visits)} visits and "
        f"{sum(len(v.photos) for v in visits)} photos from {len(phones)} phones all stored once with the right "
        f"bytes; {len(orphans_left_by_kills)} temporary files left by the kills, all removed at restart"
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (SIDAK_TEST_DATABASE_URL)")
async def test_database_connections_dropped_mid_transaction_lose_and_double_nothing(
    field: Field, photo_pool: PhotoPool
):
    import asyncpg
    from sqlalchemy import make_url

    rng = random.Random(SEED)
    traffic = Traffic()
    phones = phones_for(field, DROPS, traffic)
    url = make_url(field.database_url)
    database = url.database
    terminated = {"all": 0, "in_transaction": 0, "rounds": 0}

    async def terminate_at_random_moments(work: asyncio.Future[None]) -> None:
        connection = await asyncpg.connect(
            user=url.username, password=url.password, host=url.host, port=url.port or 5432, database="postgres"
        )
        try:
            while terminated["rounds"] < DROPS.faults and not work.done():
                await asyncio.sleep(rng.uniform(0.05, 0.5))
                # Every backend of the app's database, busy or idle: the pool must notice either kind.
                rows = await connection.fetch(
                    "SELECT pid, state, pg_terminate_backend(pid) AS done FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    database,
                )
                terminated["rounds"] += 1
                terminated["all"] += sum(1 for row in rows if row["done"])
                terminated["in_transaction"] += sum(
                    1 for row in rows if row["done"] and row["state"] in ("active", "idle in transaction")
                )
        finally:
            await connection.close()

    try:
        work = asyncio.ensure_future(asyncio.wait_for(sync_everything(phones, DROPS, photo_pool), DROPS.deadline_s))
        await until_done(work, terminate_at_random_moments(work))
        visits = await assert_nothing_lost_or_doubled(field, phones, traffic)
    finally:
        for phone in phones:
            await phone.close()

    assert terminated["in_transaction"] >= 1, "no backend was busy when terminated: the test proved nothing"
    assert not temp_files(field.data_dir)
    print(
        f"\npg_terminate_backend: {terminated['rounds']} rounds (seed {SEED}), {terminated['all']} backends "
        f"terminated, {terminated['in_transaction']} of them mid-query or mid-transaction; "
        f"{traffic.server_errors} requests answered 5xx and retried; {len(visits)} visits and "
        f"{sum(len(v.photos) for v in visits)} photos all stored once with the right bytes"
    )


# --- a phone that vanishes mid-upload ---------------------------------------------------------------------------


async def a_phone_with_a_visit(field: Field, pool: PhotoPool, n: int) -> tuple[Phone, LocalVisit]:
    [(username, password)] = field.take_surveyors(1)
    phone = Phone(field.server.base_url, username, password, Traffic(), retry=False)
    await phone.log_in()
    await phone.fetch_work()
    visit = phone.draft_visit([pool.take(1000 + n)])
    answer = await phone.call("visit PUT", "PUT", f"/api/visits/{visit.id}", json=visit.doc, ok=(201,))
    visit.receipt = answer.json()
    return phone, visit


def start_upload(field: Field, phone: Phone, visit: LocalVisit, sent_bytes: int) -> socket.socket:
    """A raw HTTP PUT of the visit's photo that announces every byte but sends only ``sent_bytes`` of them."""
    [(photo_id, data)] = visit.photos.items()
    head = (
        f"PUT /api/visits/{visit.id}/photos/{photo_id} HTTP/1.1\r\nHost: 127.0.0.1:{field.server.port}\r\n"
        f"Authorization: {phone.http.headers['Authorization']}\r\nContent-Type: image/jpeg\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", field.server.port), timeout=10)
    connection.sendall(head + data[:sent_bytes])
    return connection


async def wait_for(condition, timeout_s: float = 10.0) -> bool:  # noqa: ANN001 - a predicate
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def assert_missing_then_sent_again(phone: Phone, visit: LocalVisit, field: Field) -> None:
    [(photo_id, data)] = visit.photos.items()
    receipt = (await phone.call("visit GET", "GET", f"/api/visits/{visit.id}")).json()
    assert receipt["missing_photos"] == [photo_id], "a photo cut off halfway must not count as stored"
    assert not list((field.data_dir / "photos" / "originals").rglob(visit.doc["photos"][0]["sha256"] + ".*"))
    answer = await phone.call(
        "photo PUT",
        "PUT",
        f"/api/visits/{visit.id}/photos/{photo_id}",
        content=data,
        headers={"Content-Type": "image/jpeg"},
        ok=(201,),
    )
    visit.receipt = answer.json()
    assert visit.is_synced
    stored = await phone.call("photo GET", "GET", f"/api/photos/{photo_id}/original")
    assert stored.content == data


@pytest.mark.parametrize("share_sent", [0.0, 0.5, 0.999], ids=["headers-only", "half", "all-but-the-end"])
async def test_a_phone_that_disconnects_mid_upload_leaves_nothing_and_sends_the_photo_again(
    field: Field, photo_pool: PhotoPool, share_sent: float
):
    phone, visit = await a_phone_with_a_visit(field, photo_pool, int(share_sent * 1000))
    [data] = visit.photos.values()
    try:
        connection = start_upload(field, phone, visit, int(len(data) * share_sent))
        assert await wait_for(lambda: bool(temp_files(field.data_dir))), "the server never started the upload"
        connection.close()

        assert await wait_for(lambda: not temp_files(field.data_dir)), (
            f"the cut-off upload left {temp_files(field.data_dir)}"
        )
        await assert_missing_then_sent_again(phone, visit, field)
    finally:
        await phone.close()


async def test_an_upload_cut_by_a_server_kill_leaves_no_temporary_file_after_the_restart(
    field: Field, photo_pool: PhotoPool
):
    phone, visit = await a_phone_with_a_visit(field, photo_pool, 7)
    [data] = visit.photos.values()
    try:
        connection = start_upload(field, phone, visit, len(data) // 2)
        assert await wait_for(lambda: bool(temp_files(field.data_dir))), "the server never started the upload"
        await asyncio.to_thread(field.server.kill)
        connection.close()
        left = temp_files(field.data_dir)
        assert left, "the kill should have left the half-received upload behind"

        await asyncio.to_thread(field.server.start)

        assert not [path for path in left if path.exists()]
        await assert_missing_then_sent_again(phone, visit, field)
    finally:
        await phone.close()
        if not field.server.is_running:
            field.server.start()


async def test_the_server_answers_normally_after_all_the_faults(field: Field):
    async with httpx.AsyncClient(base_url=field.server.base_url, timeout=30) as http:
        answer = await http.post("/api/auth/login", json={"username": "admin", "password": field.logins["admin"]})
        assert answer.status_code == 200
