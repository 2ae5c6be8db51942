"""The look-alike search of one arriving photo, through the hash-band index and by reading every earlier hash.

One surveyor and one unit (the search's scope) with 0, 10,000 and 100,000 earlier stored photos: random 64-bit
perceptual hashes (unrelated pictures), of which one in a hundred is a true look-alike (1–6 bits away) of another.
At each size, ``--searches`` arriving photos — half of them look-alikes of an earlier one, half unrelated — are
searched both ways (by scan only the first ``--scan-searches``) through the app's own statements
(``visits.queries``), in turns, and both must find the same look-alikes. Printed: the time per search of each
way (mean, p99), the candidate hashes the index returned per search (the rows it had to read), and how each way's
time grew. The scan is what every arrival cost before the index: it grows with the history, the index must not.

    .venv/bin/python bench/look_alike_search.py [--database sqlite|postgres] [--searches 300] [--scan-searches 30]
                                                [--sizes 0,10000,100000]

The machines are shared: compare the figures of one run, above all the ratio of each way at 100,000 to its own at 0.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sync_ingest import Seeded, scratch_database, seed  # noqa: E402
from server.db.engine import create_engine, create_session_factory  # noqa: E402
from server.db.models import Photo, PhotoLookAlikeKey, Visit  # noqa: E402
from server.domain.visits import queries  # noqa: E402
from server.domain.visits.look_alike_index import MAX_INDEXED_DISTANCE, band_keys  # noqa: E402

MAX_DISTANCE = 6  # the default integrity setting
PHOTOS_PER_VISIT = 3
LOOK_ALIKE_SHARE = 0.01


def near(phash: int, chooser: random.Random, bits: int) -> int:
    for bit in chooser.sample(range(64), bits):
        phash ^= 1 << bit
    return phash


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


async def add_history(url: str, seeded: Seeded, count: int, stored: list[str], chooser: random.Random) -> None:
    """``count`` more stored photos of the seeded surveyor and unit, three to a visit."""
    surveyor_id, assignment_id, _ = seeded.surveyors[0]
    unit_id = seeded.unit_ids[0]
    now = datetime.now(UTC)
    visits: list[dict[str, Any]] = []
    photos: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for n in range(count):
        if n % PHOTOS_PER_VISIT == 0:
            visit_id = uuid.uuid4()
            visits.append(
                {
                    "id": visit_id,
                    "assignment_id": assignment_id,
                    "wave_id": seeded.wave_id,
                    "unit_id": unit_id,
                    "surveyor_id": surveyor_id,
                    "revision": 1,
                    "status": "submitted",
                    "content_hash": "0" * 64,
                    "started_at": now,
                    "finished_at": now,
                    "first_received_at": now,
                    "updated_at": now,
                    "submitted_at": now,
                }
            )
        if stored and chooser.random() < LOOK_ALIKE_SHARE:
            phash = f"{near(int(chooser.choice(stored), 16), chooser, chooser.randint(1, MAX_DISTANCE)):016x}"
        else:
            phash = f"{chooser.getrandbits(64):016x}"
        stored.append(phash)
        photo_id = uuid.uuid4()
        photos.append(
            {
                "id": photo_id,
                "visit_id": visit_id,
                "indicator": "Q01",
                "sha256": uuid.uuid4().hex * 2,
                "size": 300_000,
                "content_type": "image/jpeg",
                "taken_at": now,
                "declared_revision": 1,
                "stored_at": now,
                "phash": phash,
            }
        )
        keys.extend(
            {"photo_id": photo_id, "key": key, "surveyor_id": surveyor_id, "unit_id": unit_id, "phash": phash}
            for key in band_keys(phash)
        )
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for table, rows in ((Visit, visits), (Photo, photos), (PhotoLookAlikeKey, keys)):
                for start in range(0, len(rows), 5_000):
                    await connection.execute(insert(table), rows[start : start + 5_000])
        if engine.dialect.name == "postgresql":
            # As autovacuum would have by then: planned on an empty table's statistics, the search reads every key.
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def timed_searches(
    url: str, seeded: Seeded, arriving: Sequence[str], scan_searches: int
) -> tuple[dict[str, list[float]], list[int], bool]:
    surveyor_id, _, _ = seeded.surveyors[0]
    parameters = {"visit_id": uuid.uuid4(), "surveyor_id": surveyor_id, "unit_id": seeded.unit_ids[0]}
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    times: dict[str, list[float]] = {"index": [], "scan": []}
    index_rows: list[int] = []
    keys_of = queries.look_alike_index.probe_keys
    agree = True
    try:
        for phash in arriving:

            def is_near(theirs: str, ours: str = phash) -> bool:
                return distance(ours, theirs) <= MAX_DISTANCE

            # A distance beyond the index's reach makes the same function read every hash; ``is_near`` still
            # measures against the default distance, so both ways must find the same photos.
            ways: dict[str, Callable[[Any], Awaitable[Sequence[Any]]]] = {
                name: lambda session, ours=phash, near_to=is_near, reach=reach: queries.look_alike_rows(
                    session, parameters, [ours], reach, near_to
                )
                for name, reach in (("index", MAX_DISTANCE), ("scan", MAX_INDEXED_DISTANCE + 1))
            }
            found: dict[str, set[str]] = {}
            for name, search in ways.items():
                if name == "scan" and len(times["scan"]) >= scan_searches:
                    continue
                async with sessions() as session:
                    started = time.perf_counter()
                    rows = await search(session)
                    matches = {row.phash for row in rows if distance(phash, row.phash) <= MAX_DISTANCE}
                    times[name].append(time.perf_counter() - started)
                    await session.rollback()
                found[name] = matches
                if name == "index":
                    async with sessions() as session:
                        candidates = await queries.look_alike_hashes_through_index(
                            session, parameters, keys_of(phash, MAX_DISTANCE)
                        )
                        index_rows.append(len(candidates))
                        await session.rollback()
            agree = agree and found.get("scan", found["index"]) == found["index"]
    finally:
        await engine.dispose()
    return times, index_rows, agree


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.99) - 1)]


async def run(url: str, sizes: list[int], searches: int, scan_searches: int) -> None:
    seeded = await seed(url, 1)
    chooser = random.Random(20)
    stored: list[str] = []
    print(f"look-alike search, distance {MAX_DISTANCE}, {searches} arriving photos per size (half look-alikes)")
    print(f"{'earlier photos':>15} {'index ms':>10} {'p99':>7} {'rows':>6} {'scan ms':>10} {'p99':>7} {'agree':>6}")
    base: dict[str, float] = {}
    for size in sizes:
        if size > len(stored):
            await add_history(url, seeded, size - len(stored), stored, chooser)
        arriving = [
            f"{near(int(chooser.choice(stored), 16), chooser, chooser.randint(0, MAX_DISTANCE)):016x}"
            if stored and n % 2 == 0
            else f"{chooser.getrandbits(64):016x}"
            for n in range(searches)
        ]
        times, rows, agree = await timed_searches(url, seeded, arriving, scan_searches)
        means = {name: statistics.fmean(values) * 1000 for name, values in times.items()}
        base = base or means
        print(
            f"{size:>15,} {means['index']:>10.3f} {p99(times['index']) * 1000:>7.2f} {statistics.fmean(rows):>6.1f} "
            f"{means['scan']:>10.3f} {p99(times['scan']) * 1000:>7.2f} {'yes' if agree else 'NO':>6}"
        )
    print(
        f"ratio at {sizes[-1]:,} to {sizes[0]:,} earlier photos: index {means['index'] / base['index']:.2f}, "
        f"scan {means['scan'] / base['scan']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--scan-searches", type=int, default=30, help="the scan takes seconds at 100,000")
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    with (
        tempfile.TemporaryDirectory(prefix="sidak-look-alike-") as folder,
        scratch_database(args.database, Path(folder), args.pg_admin_url) as url,
    ):
        asyncio.run(run(url, sizes, args.searches, args.scan_searches))


if __name__ == "__main__":
    main()
