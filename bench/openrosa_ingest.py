"""Visits per second and server CPU per visit through ODK Collect's OpenRosa submission, beside the same visits
through the PWA's sync contract, in the same run.

A visit is 60 answers, 20 positions and 3 photos of ~300 KB (the phone app's 1600 px JPEGs of
bench/photo_pipeline.py, each made unique). The PWA path sends it as the phone app does: ``PUT /api/visits/{id}``
declaring the photos, then a ``PUT …/photos/{id}`` per photo (four requests on one keep-alive connection). The
OpenRosa path sends it as Collect does: one ``POST /api/openrosa/{key}/submission``, multipart with
``xml_submission_file`` (the XForm's own instance, filled in), the three photos and ``audit.csv`` (a location sample
per position, a question event per answer). 32 clients (sync_ingest's lean keep-alive connections) send visits back
to back to ``sidak serve`` in a subprocess with a fresh data dir.

    .venv/bin/python bench/openrosa_ingest.py [--seconds 12] [--rounds 3] [--clients 32] [--database sqlite|postgres]

The two paths take turns (``--rounds``) so load from elsewhere on the shared machine hits them alike; the figure to
compare is the server's CPU time per visit (its processes and photo decoders), which that load barely moves.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import io
import os
import shutil
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path

import httpx
import msgspec
from photo_ingest import distinct_pictures, unique_variant
from photo_pipeline import camera_jpeg, phone_jpeg
from sqlalchemy import insert
from sync_ingest import (
    ANSWERS,
    POSITIONS,
    UNIT_AT,
    Run,
    Seeded,
    cpu_seconds_of_group,
    describe,
    lean_connections,
    load,
    running_server,
    scratch_database,
    seed,
    visit_document,
)

from server.db.engine import create_engine
from server.db.models import CollectToken
from server.domain.openrosa.collect_settings import key_hash, new_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.openrosa.helpers import COLLECT_USER_AGENT, Filled, submission_xml  # noqa: E402

PHOTOS = 3
INSTANCE_MARK = "00000000-0000-4000-8000-00000000beef"
BOUNDARY = "sidak-bench-boundary-7d3c"


async def issue_keys(url: str, seeded: Seeded) -> list[str]:
    """A Collect key per surveyor, written as the console's issue would leave it."""
    engine = create_engine(url)
    keys = [new_key() for _ in seeded.surveyors]
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(CollectToken),
                [
                    {
                        "id": uuid.uuid4(),
                        "user_id": surveyor_id,
                        "token_hash": key_hash(key),
                        "created_at": datetime.now(UTC),
                    }
                    for (surveyor_id, _, _), key in zip(seeded.surveyors, keys, strict=True)
                ],
            )
    finally:
        await engine.dispose()
    return keys


def audit_csv(started_at: datetime) -> bytes:
    """Collect's audit log of the visit: a location sample per position, a question event per answer."""
    start_ms = int(started_at.timestamp() * 1000)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["event", "node", "start", "end", "latitude", "longitude", "accuracy"])
    writer.writerow(["form start", "", start_ms, "", "", "", ""])
    for i in range(POSITIONS):
        writer.writerow(["location", "", start_ms + 90_000 * i, "", UNIT_AT[0] + i * 1e-5, UNIT_AT[1], 8 + i % 5])
    for n in range(1, ANSWERS + 1):
        group = f"D{(n - 1) % 3}"
        writer.writerow(["question", f"/data/{group}/Q{n:02d}", start_ms + 25_000 * n - 5000, start_ms + 25_000 * n])
    return buffer.getvalue().encode()


def multipart(parts: list[tuple[str, str, bytes]]) -> bytes:
    """A multipart/form-data body as Collect's HTTP client writes it: each part a file with its own type."""
    chunks = []
    for name, content_type, data in parts:
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


async def collect_visits(
    url: str, seeded: Seeded, keys: list[str], pictures: list[bytes], counter: list[int], seconds: float
) -> Run:
    async with httpx.AsyncClient(base_url=url) as http:
        xform = (await http.get(f"/api/openrosa/{keys[0]}/forms/bench-v1/form.xml")).content
    started_at = datetime.now(UTC) - timedelta(minutes=40)
    audit = audit_csv(started_at)
    templates = []
    for _, assignment_id, _ in seeded.surveyors:
        filled = Filled(
            assignment_id=assignment_id,
            instance_id=uuid.UUID(INSTANCE_MARK),
            started_at=started_at,
            answers={f"Q{n:02d}": "yes" if n % 3 else "no" for n in range(1, ANSWERS + 1)},
            photos={f"Q{k:02d}": f"q{k:02d}.jpg" for k in range(1, PHOTOS + 1)},
        )
        templates.append(submission_xml(xform, filled))
    headers = {
        "X-OpenRosa-Version": "1.0",
        "User-Agent": COLLECT_USER_AGENT,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    clients = len(seeded.surveyors)
    async with lean_connections(url, clients) as connections:

        async def post_submission(index: int, _n: int) -> int:
            xml = templates[index].replace(INSTANCE_MARK.encode(), str(uuid.uuid4()).encode())
            parts = [("xml_submission_file", "text/xml", xml)]
            for k in range(1, PHOTOS + 1):
                counter[0] += 1
                parts.append(
                    (f"q{k:02d}.jpg", "image/jpeg", unique_variant(pictures[counter[0] % len(pictures)], counter[0]))
                )
            parts.append(("audit.csv", "text/csv", audit))
            status, _ = await connections[index].request(
                "POST",
                f"/api/openrosa/{keys[index]}/submission",
                {**headers, "Date": formatdate(usegmt=True)},
                multipart(parts),
            )
            return status

        return await load(clients, seconds, post_submission)


async def pwa_visits(url: str, seeded: Seeded, pictures: list[bytes], counter: list[int], seconds: float) -> Run:
    clients = len(seeded.surveyors)
    async with lean_connections(url, clients) as connections:

        async def put_visit_and_photos(index: int, n: int) -> int:
            _, assignment_id, token = seeded.surveyors[index]
            visit_id = uuid.uuid4()
            photos = []
            for _ in range(PHOTOS):
                counter[0] += 1
                photos.append(unique_variant(pictures[counter[0] % len(pictures)], counter[0]))
            doc = visit_document(assignment_id, n)
            declared = [
                {
                    "id": str(uuid.uuid4()),
                    "indicator": f"Q{k:02d}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "content_type": "image/jpeg",
                    "taken_at": doc["answers"][k]["answered_at"],
                }
                for k, data in enumerate(photos, start=1)
            ]
            auth = {"Authorization": f"Bearer {token}"}
            status, _ = await connections[index].request(
                "PUT",
                f"/api/visits/{visit_id}",
                {**auth, "Content-Type": "application/json"},
                msgspec.json.encode({**doc, "photos": declared}),
            )
            if status != 201:
                return status
            for declaration, data in zip(declared, photos, strict=True):
                status, _ = await connections[index].request(
                    "PUT",
                    f"/api/visits/{visit_id}/photos/{declaration['id']}",
                    {**auth, "Content-Type": "image/jpeg"},
                    data,
                )
            return status

        return await load(clients, seconds, put_visit_and_photos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="measured time of each path (default 12)")
    parser.add_argument("--rounds", type=int, default=3, help="the paths take turns this many times")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    slice_s = arguments.seconds / arguments.rounds

    pwa, collect = Run(), Run()
    counter = [0]
    data_dir = Path(tempfile.mkdtemp(prefix="sidak-bench-"))
    try:
        camera = camera_jpeg(data_dir / "camera-4000x3000.jpg")
        other = camera_jpeg(data_dir / "camera-b.jpg", (2000, 1500), seed=7)
        pictures = distinct_pictures(
            [phone_jpeg(data_dir / "phone-1600.jpg", camera), phone_jpeg(data_dir / "phone-1600-b.jpg", other)],
            quality=68,  # ~300 KB, as the phone app's photos are
        )
        with scratch_database(arguments.database, data_dir, arguments.pg_admin_url) as url:
            seeded = asyncio.run(seed(url, arguments.clients, photo_indicators=PHOTOS))
            keys = asyncio.run(issue_keys(url, seeded))
            with running_server(data_dir, url) as (server_url, process):
                for _ in range(arguments.rounds):
                    for run, measure in (
                        (pwa, lambda: pwa_visits(server_url, seeded, pictures, counter, slice_s)),
                        (collect, lambda: collect_visits(server_url, seeded, keys, pictures, counter, slice_s)),
                    ):
                        cpu_before = cpu_seconds_of_group(process.pid)
                        measured = asyncio.run(measure())
                        measured.cpu_s = cpu_seconds_of_group(process.pid) - cpu_before
                        run.absorb(measured)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    size_kb = sum(len(picture) for picture in pictures) / len(pictures) / 1000
    print(
        f"OpenRosa vs PWA ingest on {arguments.database}: {ANSWERS} answers, {POSITIONS} positions, {PHOTOS} photos "
        f"of ~{size_kb:.0f} KB per visit, {arguments.clients} clients, {arguments.seconds:g} s per path in "
        f"{arguments.rounds} rounds, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(f"  {'path (a whole visit)':<46} {'visits/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'CPU ms':>9}  statuses")
    print(describe("PWA: PUT visit + 3 PUT photo", pwa))
    print(describe("OpenRosa: POST submission (multipart)", collect))
    print(
        f"  OpenRosa / PWA: {collect.cpu_ms_each / pwa.cpu_ms_each:.2f} in server CPU per visit, "
        f"{pwa.rate / collect.rate if collect.rate else float('nan'):.2f} in time per visit (visits/s inverted)"
    )
    print("  (CPU ms: the server's CPU time per visit, its processes and photo decoders, photos stored and rendered.)")
    failures = {
        status: count for status, count in (pwa.statuses | collect.statuses).items() if status not in (200, 201)
    }
    if failures:
        print(f"  WARNING: responses other than 200/201: {failures}")


if __name__ == "__main__":
    main()
