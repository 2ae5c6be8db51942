"""What the security tests share: two surveyors working the same unit (one has synced a visit with a stored photo),
a supervisor of its region and an admin; and, for requests whose exact bytes matter (encoded dots and slashes that
an HTTP client would normalise away), the app served by uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from server.app import create_app
from server.config import Settings
from server.db.models import Assignment, Region, Unit, User, Wave
from tests.factories import Factory
from tests.integration.visits.helpers import (
    PhotoFile,
    declaration,
    instrument_with_optional_photos,
    unique_jpeg,
    upload,
    visit_document,
)


@dataclass
class TwoSurveyors:
    region: Region
    unit: Unit
    wave: Wave
    ours: User
    theirs: User
    our_assignment: Assignment
    their_assignment: Assignment
    supervisor: User
    admin: User
    their_visit_id: uuid.UUID
    their_photo_id: str
    their_photo: PhotoFile
    make: Factory

    def headers(self, user: User) -> dict[str, str]:
        return self.make.headers(user)


@pytest.fixture
async def two_surveyors(client, make: Factory) -> TwoSurveyors:
    region = await make.region()
    unit = await make.unit(agency=await make.agency(region=region))
    wave = await make.wave(instrument=await make.instrument(instrument_with_optional_photos()))
    ours, theirs = await make.user(role="surveyor"), await make.user(role="surveyor")
    our_assignment = await make.assignment(wave=wave, unit=unit, surveyor=ours)
    their_assignment = await make.assignment(wave=wave, unit=unit, surveyor=theirs)
    photo = unique_jpeg()
    declared = declaration(photo)
    visit_id = uuid.uuid4()
    sent = await client.put(
        f"/api/visits/{visit_id}",
        headers=make.headers(theirs),
        json=visit_document(their_assignment, unit, photos=[declared]),
    )
    assert sent.status_code == 201, sent.text
    stored = await upload(client, visit_id, declared, photo, make.headers(theirs))
    assert stored.status_code == 201, stored.text
    return TwoSurveyors(
        region=region,
        unit=unit,
        wave=wave,
        ours=ours,
        theirs=theirs,
        our_assignment=our_assignment,
        their_assignment=their_assignment,
        supervisor=await make.user(role="supervisor", regions=[region]),
        admin=await make.user(role="admin"),
        their_visit_id=visit_id,
        their_photo_id=declared["id"],
        their_photo=photo,
        make=make,
    )


# --- the app over real HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawHttp:
    port: int

    def get(self, raw_target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Send ``GET <raw_target> HTTP/1.1`` exactly as written; the status and the body."""
        lines = [
            f"GET {raw_target} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Connection: close",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
            "",
            "",
        ]
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            connection.sendall("\r\n".join(lines).encode("latin-1"))
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body


@pytest.fixture(scope="module")
def raw_http(settings: Settings) -> Iterator[RawHttp]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="security-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start serving")
        time.sleep(0.02)
    yield RawHttp(port)
    server.should_exit = True
    thread.join(timeout=15)
