"""Load: simulated surveyors syncing visits with photos to `sidak serve` (one worker unless told) on loopback.

A fresh data dir gets the demo (`sidak demo`), then ``--surveyors`` more surveyor accounts, each assigned a unit,
made through the admin API. Every surveyor's phone (an httpx client of its own, one connection) logs in and fetches
its assignments and the instrument; once all have, each syncs visits back to back (or ``--pause-s`` apart) for
``--seconds``, in the contract's order: the visit document (every indicator answered), then each photo its receipt
lists as missing (``--photos-per-visit`` JPEGs of ~290 KB at 1600 px, as the phone app sends them, made once from
the tests' phone photos, tests/photos.py, each with bytes of its own). A visit under way at the deadline is finished.
The phones do not retry: any transport error or unexpected answer is counted as an error (target: zero).

Afterwards the server is stopped and the database and the photo store are checked: every visit stored exactly once
with the content sent (one revision, its answers and positions once, one audit event), every photo's original hashing
to its declared sha256 with its display and thumbnail, no stray original, no temporary file, the audit chain intact.

    .venv/bin/python bench/load.py [--surveyors 200] [--seconds 60 | --quick] [--database sqlite|postgres]
                                   [--workers 1] [--photos-per-visit 3] [--pause-s 0] [--json results.json]

PostgreSQL: a scratch database ``sidak_load_<pid>`` is made on the server of ``--pg-url`` and dropped afterwards.
The load generator runs on the same two cores as the server, so the figures are what one small machine does with
both; the server's own CPU time per visit is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.fieldwork import (  # noqa: E402
    Holdings,
    Phone,
    PhotoPool,
    SidakServer,
    SyncFailed,
    Traffic,
    add_surveyors,
    audit_chain_is_intact,
    check_holdings,
    run_demo,
    scratch_postgres,
    sqlite_url,
)

ROUTES = ("login", "assignments", "instrument", "visit PUT", "photo PUT")


@dataclass
class Run:
    traffic: Traffic
    phones: list[Phone]
    started_at: float
    all_ready_at: float
    deadline: float
    ended_at: float
    synced_at: list[float]
    photos_per_visit: int
    errors: list[str]


@contextmanager
def database(kind: str, data_dir: Path, pg_url: str) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(data_dir)
        return
    with scratch_postgres(pg_url, f"sidak_load_{os.getpid()}") as url:
        yield url


async def run_phones(
    base_url: str,
    logins: dict[str, str],
    pool: PhotoPool,
    *,
    seconds: float,
    photos_per_visit: int,
    pause_s: float = 0.0,
    on_all_ready: Callable[[], None] = lambda: None,
) -> Run:
    """Every phone logs in and fetches its work at once (a burst no morning will beat); once all have, they sync
    visits back to back for ``seconds``."""
    traffic = Traffic()
    phones = [Phone(base_url, username, password, traffic, retry=False) for username, password in logins.items()]
    errors: list[str] = []
    synced_at: list[float] = []
    started_at = time.monotonic()

    async def prepare(phone: Phone) -> Phone | None:
        try:
            await phone.log_in()
            await phone.fetch_work()
        except SyncFailed as error:
            errors.append(str(error))
            return None
        await phone.reconnect()  # it waits for the others longer than the server keeps an idle connection
        return phone

    async def surveyor(n: int, phone: Phone, deadline: float) -> None:
        taken = 0
        while time.monotonic() < deadline:
            visit = phone.draft_visit([pool.take(n * 7 + taken + i) for i in range(photos_per_visit)])
            taken += photos_per_visit
            try:
                await phone.sync(visit)
            except SyncFailed as error:
                errors.append(str(error))
                continue
            synced_at.append(time.monotonic())
            if pause_s:
                await asyncio.sleep(pause_s * random.uniform(0.5, 1.5))

    try:
        ready = [phone for phone in await asyncio.gather(*map(prepare, phones)) if phone is not None]
        all_ready_at = time.monotonic()
        on_all_ready()
        deadline = all_ready_at + seconds
        await asyncio.gather(*(surveyor(n, phone, deadline) for n, phone in enumerate(ready)))
    finally:
        for phone in phones:
            await phone.close()
    return Run(
        traffic, phones, started_at, all_ready_at, deadline, time.monotonic(), synced_at, photos_per_visit, errors
    )


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def summary(
    run: Run,
    holdings: Holdings,
    audit: tuple[bool, str],
    server_cpu_s: float,
    args: argparse.Namespace,
    client_cpu_s: float,
) -> dict[str, Any]:
    sync_s = run.ended_at - run.all_ready_at
    visits = len(run.synced_at)
    routes = {}
    for route in ROUTES:
        latencies = run.traffic.latencies_s.get(route, [])
        routes[route] = {
            "requests": len(latencies),
            "p50_ms": round(percentile_ms(latencies, 0.50), 1),
            "p99_ms": round(percentile_ms(latencies, 0.99), 1),
            "max_ms": round(1000 * max(latencies, default=float("nan")), 1),
        }
    return {
        "database": args.database,
        "workers": args.workers,
        "surveyors": args.surveyors,
        "seconds": args.seconds,
        "pause_s": args.pause_s,
        "photos_per_visit": run.photos_per_visit,
        "cores": os.cpu_count(),
        "visits_synced": visits,
        "photos_stored": holdings.photos,
        "visits_per_s": round(visits / sync_s, 1),
        "photos_per_s": round(visits * run.photos_per_visit / sync_s, 1),
        "all_logged_in_after_s": round(run.all_ready_at - run.started_at, 1),
        "sync_s": round(sync_s, 1),
        "server_cpu_ms_per_visit": round(1000 * server_cpu_s / max(visits, 1), 1),
        "load_generator_cpu_s": round(client_cpu_s, 1),
        "machine_load_1min_at_end": round(os.getloadavg()[0], 1),
        "routes": routes,
        "errors": len(run.errors) + sum(run.traffic.transport_errors.values()),
        "error_samples": run.errors[:5] + [f"{name} ×{n}" for name, n in run.traffic.transport_errors.items()],
        "server_errors_5xx": run.traffic.server_errors,
        "stored_visits": holdings.visits,
        "stored_originals": holdings.originals,
        "check_problems": len(holdings.problems),
        "check_problem_samples": holdings.problems[:10],
        "audit_chain": audit[1],
        "audit_chain_intact": audit[0],
    }


def print_summary(result: dict[str, Any]) -> None:
    print(
        f"\n{result['surveyors']} surveyors, {result['photos_per_visit']} photos per visit, "
        f"{result['pause_s']} s pause between visits, {result['database']}, "
        f"{result['workers']} workers, {result['cores']} cores: all logged in after "
        f"{result['all_logged_in_after_s']} s, then {result['sync_s']} s of syncing"
    )
    print(f"  visits synced   {result['visits_synced']:>7}  {result['visits_per_s']:>7.1f}/s")
    print(f"  photos stored   {result['photos_stored']:>7}  {result['photos_per_s']:>7.1f}/s")
    print(
        f"  while syncing: server CPU {result['server_cpu_ms_per_visit']} ms per visit; load generator CPU "
        f"{result['load_generator_cpu_s']} s; machine load average {result['machine_load_1min_at_end']} "
        f"(others' work included)"
    )
    print(f"  {'route':<12} {'requests':>9} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for route, figures in result["routes"].items():
        print(
            f"  {route:<12} {figures['requests']:>9} {figures['p50_ms']:>9} {figures['p99_ms']:>9} "
            f"{figures['max_ms']:>9}"
        )
    print(f"  errors {result['errors']} (5xx: {result['server_errors_5xx']}) {result['error_samples']}")
    print(
        f"  check: {result['stored_visits']} visits and {result['stored_originals']} originals stored; "
        f"{result['check_problems']} problems {result['check_problem_samples']}"
    )
    print(f"  audit chain: {result['audit_chain']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surveyors", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the phones sync, once all logged in")
    parser.add_argument("--quick", action="store_true", help="a 15 s run")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SIDAK_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--photos-per-visit", type=int, default=3)
    parser.add_argument(
        "--pause-s",
        type=float,
        default=0.0,
        help="each phone's pause between two visits (0: back to back, the most load)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 15.0

    with (
        tempfile.TemporaryDirectory(prefix="sidak-load-") as folder,
        database(args.database, Path(folder), args.pg_url) as url,
    ):
        data_dir = Path(folder)
        print(f"preparing {data_dir} on {args.database}: demo, {args.surveyors} surveyors, photos …", flush=True)
        admin_password = run_demo(data_dir, url)["admin"]
        server = SidakServer(data_dir, url, workers=args.workers).start()
        try:
            logins = asyncio.run(add_surveyors(server.base_url, admin_password, args.surveyors))
            pool = PhotoPool()
            print(
                f"photos of {statistics.mean(map(len, pool.bases)) / 1000:.0f} KB on average; "
                f"running {args.seconds:.0f} s …",
                flush=True,
            )
            at_ready: dict[str, Any] = {}

            def measure_from_here() -> None:  # the sync phase only: logins are all argon2
                at_ready.update(server_cpu_s=server.cpu_s(), client=resource.getrusage(resource.RUSAGE_SELF))

            run = asyncio.run(
                run_phones(
                    server.base_url,
                    logins,
                    pool,
                    seconds=args.seconds,
                    photos_per_visit=args.photos_per_visit,
                    pause_s=args.pause_s,
                    on_all_ready=measure_from_here,
                )
            )
            server_cpu_s = server.cpu_s() - at_ready["server_cpu_s"]
            client_before, client_after = at_ready["client"], resource.getrusage(resource.RUSAGE_SELF)
        finally:
            server.stop()
        client_cpu_s = (client_after.ru_utime - client_before.ru_utime) + (
            client_after.ru_stime - client_before.ru_stime
        )
        visits = [visit for phone in run.phones for visit in phone.visits]
        holdings = asyncio.run(check_holdings(url, data_dir, visits, logins))
        audit = audit_chain_is_intact(data_dir, url)
        result = summary(run, holdings, audit, server_cpu_s, args, client_cpu_s)
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    ok = result["errors"] == 0 and result["check_problems"] == 0 and result["audit_chain_intact"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
