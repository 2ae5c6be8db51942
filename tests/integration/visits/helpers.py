"""What the sync tests share: visit documents that read like a surveyor's day, camera and phone photos (stand-ins for
real ones, tests/photos.py), and a real HTTP server.

Documents are plain dicts (the JSON a phone sends), so a test can spoil exactly one field.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar import Litestar
from PIL import Image
from sqlalchemy import update

from server.app import create_app
from server.config import Settings
from server.db.models import Assignment, Region, Review, Unit, User, Visit
from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Instrument
from server.lib import clock
from tests.factories import Factory
from tests.photos import photo_path
from tests.servers import free_port

SAMPLE_VALUES = {"yes_no": True, "scale_0_3": 3, "number": 10, "text": "Pelayanan baik."}


def iso(at: datetime) -> str:
    return at.isoformat()


def all_answers(answered_at: datetime) -> list[dict[str, Any]]:
    """A valid answer to every indicator of the default instrument."""
    answers = []
    for indicator in load_default_instrument().indicators().values():
        value = indicator.choices[-1].value if indicator.type == "choice" else SAMPLE_VALUES[indicator.type]
        answers.append({"indicator": indicator.id, "value": value, "answered_at": iso(answered_at)})
    return answers


def positions_at(
    lat: float, lon: float, *, at: datetime, count: int = 3, accuracy_m: float = 12.0
) -> list[dict[str, Any]]:
    return [
        {"lat": lat + i * 1e-5, "lon": lon, "accuracy_m": accuracy_m, "at": iso(at + timedelta(seconds=30 * i))}
        for i in range(count)
    ]


def visit_document(
    assignment: Assignment,
    unit: Unit,
    *,
    revision: int = 1,
    photos: list[dict[str, Any]] = (),
    started_at: datetime | None = None,
    minutes: int = 30,
    **changes: Any,
) -> dict[str, Any]:
    """A complete, honest visit of ``unit``: every indicator answered over ``minutes``, standing at the unit."""
    started_at = started_at or clock.now() - timedelta(minutes=minutes + 10)
    finished_at = started_at + timedelta(minutes=minutes)
    doc = {
        "assignment_id": str(assignment.id),
        "revision": revision,
        "started_at": iso(started_at),
        "finished_at": iso(finished_at),
        "positions": changes.pop("positions", None) or positions_at(unit.lat, unit.lon, at=started_at),
        "answers": all_answers(started_at + timedelta(minutes=minutes / 2)),
        "photos": list(photos),
    }
    doc.update(changes)
    return doc


@dataclass(frozen=True)
class PhotoFile:
    path: Path
    data: bytes
    sha256: str
    content_type: str


def photo_file(name: str, content_type: str = "image/jpeg") -> PhotoFile:
    path = photo_path(name)
    data = path.read_bytes()
    return PhotoFile(path, data, hashlib.sha256(data).hexdigest(), content_type)


def bytes_file(data: bytes, content_type: str = "image/jpeg", name: str = "upload") -> PhotoFile:
    return PhotoFile(Path(name), data, hashlib.sha256(data).hexdigest(), content_type)


def declaration(
    photo: PhotoFile,
    *,
    indicator: str = "A01",
    taken_at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    photo_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    declared: dict[str, Any] = {
        "id": str(photo_id or uuid.uuid4()),
        "indicator": indicator,
        "sha256": photo.sha256,
        "size": len(photo.data),
        "content_type": photo.content_type,
        "taken_at": iso(taken_at or clock.now() - timedelta(minutes=20)),
    }
    if lat is not None:
        declared.update(lat=lat, lon=lon, accuracy_m=8.0)
    return declared


def re_encoded(photo: PhotoFile, quality: int = 60) -> PhotoFile:
    """The same picture saved again at another JPEG quality: other bytes, a look-alike perceptual hash."""
    with Image.open(photo.path) as image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
    return bytes_file(buffer.getvalue())


def unique_jpeg(size: tuple[int, int] = (64, 48)) -> PhotoFile:
    """A small JPEG no other test uploads, so what the content-addressed store holds for it is this test's doing."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return bytes_file(buffer.getvalue())


async def upload(
    client: Any,
    visit_id: uuid.UUID | str,
    declared: dict[str, Any],
    photo: PhotoFile,
    headers: dict[str, str],
    *,
    content_type: str | None = None,
) -> Any:
    return await client.put(
        f"/api/visits/{visit_id}/photos/{declared['id']}",
        content=photo.data,
        headers={**headers, "Content-Type": content_type or photo.content_type},
    )


@dataclass
class Field:
    """One surveyor's assignment to one unit of a region, in a wave in fieldwork."""

    region: Region
    unit: Unit
    surveyor: User
    assignment: Assignment
    headers: dict[str, str]


def instrument_with_optional_photos() -> Instrument:
    """The default checklist, except that no photo is required: a visit then needs no photo to be complete."""
    instrument = load_default_instrument()
    instrument.key = "uji-foto-opsional"
    for indicator in instrument.indicators().values():
        if indicator.photo == "required":
            indicator.photo = "optional"
    return instrument


@pytest.fixture
async def field(make: Factory) -> Field:
    region = await make.region()
    unit = await make.unit(agency=await make.agency(region=region))
    surveyor = await make.user(role="surveyor")
    wave = await make.wave(instrument=await make.instrument(instrument_with_optional_photos()))
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)
    return Field(region, unit, surveyor, assignment, make.headers(surveyor))


async def scalars(app: Litestar, statement: Any) -> list[Any]:
    async with app.state.session_factory() as session:
        return list((await session.scalars(statement)).all())


async def execute(app: Litestar, statement: Any) -> None:
    async with app.state.session_factory() as session, session.begin():
        await session.execute(statement)


async def return_for_correction(
    app: Litestar, make: Factory, visit_id: uuid.UUID, *, comment: str = "Foto loket buram", revision: int = 1
) -> None:
    """What a supervisor's "return" leaves behind: the visit returned, and a review with comments."""
    reviewer = await make.user(role="admin")
    await execute(app, update(Visit).where(Visit.id == visit_id).values(status="returned"))
    async with app.state.session_factory() as session, session.begin():
        session.add(
            Review(
                visit_id=visit_id,
                revision=revision,
                decision="return",
                comment=comment,
                indicator_comments=[{"indicator": "A01", "text": "Ambil ulang fotonya"}],
                reviewer_id=reviewer.id,
                decided_at=clock.now(),
            )
        )


# --- a real server, for races: the in-process test client runs one request at a time ----------------------------


class LiveServer:
    """The app served by uvicorn on a free loopback port, in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings).start()
    yield server
    server.stop()
