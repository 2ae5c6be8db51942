"""A units CSV as large as the import takes, sent while supervisors and surveyors keep working: the import answers in
seconds, and the others' requests stay quick meanwhile: their p99 stays under a second, or, on a machine so busy that
the same reads' p99 was already over a third of a second before the import, under three times what it was. (The
machines the suite runs on are shared: their load alone moved the p99 of these reads between 0.2 and 1.3 s.) A file
past the bound is refused at once, having written nothing.

The figures are printed (``-s``) for docs/operations.md.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest

from server.config import Settings
from tests.reliability.conftest import Field
from tests.reliability.fieldwork import log_in

pytestmark = pytest.mark.reliability

HEADER = "region_code,region_name,agency,unit,address,lat,lon,geofence_m,opening_hours"
READERS_PER_ROLE = 4
IMPORT_DEADLINE_S = 60.0  # the machine running the tests is shared
REFUSAL_DEADLINE_S = 10.0


def units_csv(rows: int) -> bytes:
    """``rows`` units over 400 regencies and seven agencies each, as a national list would spread them."""
    lines = [HEADER]
    for n in range(rows):
        region = f"99.{n % 400:03d}"
        lines.append(
            f"{region},Kabupaten Uji {n % 400},Dinas {n % 7},Unit Layanan {n},Jl. Raya No. {n},"
            f"-6.{n % 9999:04d},108.{n % 9999:04d},100,Mo-Th 08:00-15:30; Fr 08:00-11:00"
        )
    return ("\n".join(lines) + "\n").encode()


def p99(latencies_s: list[float]) -> float:
    return statistics.quantiles(latencies_s, n=100)[98] if len(latencies_s) > 1 else max(latencies_s, default=0.0)


async def read_until(
    base_url: str, token: str, path: str, done: asyncio.Event, latencies_s: list[float], statuses: list[int]
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        while not done.is_set():
            started = time.perf_counter()
            answer = await http.get(path)
            latencies_s.append(time.perf_counter() - started)
            statuses.append(answer.status_code)


@pytest.fixture(scope="module")
def import_field(open_field: Callable[[str, int], AbstractContextManager[Field]]):
    with open_field("import", 1) as opened:
        yield opened


async def test_a_full_size_import_answers_in_seconds_while_others_keep_working(import_field: Field):
    field = import_field
    rows = Settings.max_csv_rows
    body = units_csv(rows)
    async with httpx.AsyncClient(base_url=field.server.base_url, timeout=120) as http:
        admin = await log_in(http, "admin", field.logins["admin"])
        readers = {
            "/api/me/assignments": await log_in(http, "surveyor1", field.logins["surveyor1"]),
            "/api/review/waves": await log_in(http, "supervisor1", field.logins["supervisor1"]),
        }
        done = asyncio.Event()
        latencies_s: list[float] = []
        statuses: list[int] = []
        reading = [
            asyncio.create_task(read_until(field.server.base_url, token, path, done, latencies_s, statuses))
            for path, token in readers.items()
            for _ in range(READERS_PER_ROLE)
        ]
        await asyncio.sleep(3.0)  # what the reads take without an import
        before = len(latencies_s)
        started = time.perf_counter()
        answer = await http.post(
            "/api/admin/units/import",
            content=body,
            headers={"Authorization": f"Bearer {admin}", "content-type": "text/csv"},
        )
        import_s = time.perf_counter() - started
        done.set()
        await asyncio.gather(*reading)

    idle, during = latencies_s[:before], latencies_s[before:]
    print(
        f"\nunits import: {rows} rows, {len(body) / 1e6:.1f} MB, answered in {import_s:.1f} s; {len(reading)} readers: "
        f"before it p50 {statistics.median(idle) * 1000:.0f} ms, p99 {p99(idle) * 1000:.0f} ms over {len(idle)} reads; "
        f"meanwhile p50 {statistics.median(during) * 1000:.0f} ms, p99 {p99(during) * 1000:.0f} ms, "
        f"max {max(during) * 1000:.0f} ms over {len(during)} reads"
    )
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["summary"]["create"] == rows
    assert import_s < IMPORT_DEADLINE_S
    assert set(statuses) == {200}
    assert p99(during) < max(1.0, 3 * p99(idle))


async def test_a_file_past_the_row_bound_is_refused_at_once_and_writes_nothing(import_field: Field):
    field = import_field
    rows = Settings.max_csv_rows + 1
    body = units_csv(rows).replace(b"Unit Layanan", b"Unit Lain")
    async with httpx.AsyncClient(base_url=field.server.base_url, timeout=120) as http:
        http.headers["Authorization"] = f"Bearer {await log_in(http, 'admin', field.logins['admin'])}"
        units_before = len((await http.get("/api/admin/units")).json())
        started = time.perf_counter()
        answer = await http.post("/api/admin/units/import", content=body, headers={"content-type": "text/csv"})
        refused_s = time.perf_counter() - started
        units_after = len((await http.get("/api/admin/units")).json())

    print(f"\nunits import past the bound: {rows} rows refused in {refused_s:.1f} s")
    assert answer.status_code == 413
    assert refused_s < REFUSAL_DEADLINE_S
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["max_rows"] == Settings.max_csv_rows
    assert units_after == units_before
