"""ODK Collect as the tests play it: a key issued in the console, the form downloaded, and submissions built from
the form's own instance and posted as Collect posts them (the same part names and headers)."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from server.db.models import User
from server.domain.instruments.defaults import load_default_instrument
from server.lib import clock
from tests.factories import Factory
from tests.integration.visits.helpers import Field, PhotoFile

COLLECT_USER_AGENT = (
    "Dalvik/2.1.0 (Linux; U; Android 13; SM-A145F Build/TP1A.220624.014) org.odk.collect.android/v2024.3.1"
)
XFORMS = "{http://www.w3.org/2002/xforms}"
SAMPLE_VALUES = {"yes_no": "yes", "scale_0_3": "3", "number": "10", "text": "Pelayanan baik."}


def collect_headers() -> dict[str, str]:
    return {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True), "User-Agent": COLLECT_USER_AGENT}


@dataclass
class Collect:
    """One surveyor's Collect, configured by scanning the QR code of a key the admin issued."""

    client: httpx.AsyncClient
    base: str  # the server URL in the QR code, as a path on the test client
    key: str
    surveyor: User

    async def get(self, path: str, **headers: str) -> httpx.Response:
        return await self.client.get(f"{self.base}{path}", headers={**collect_headers(), **headers})

    async def form_list(self) -> ElementTree.Element:
        response = await self.get("/formList")
        assert response.status_code == 200, response.text
        return ElementTree.fromstring(response.content)

    async def xform(self, form_id: str) -> bytes:
        response = await self.get(f"/forms/{form_id}/form.xml")
        assert response.status_code == 200, response.text
        return response.content

    async def post(
        self, xml: bytes, files: dict[str, PhotoFile | bytes] | None = None, *, is_incomplete: bool = False
    ) -> httpx.Response:
        parts: list[tuple[str, Any]] = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
        for name, content in (files or {}).items():
            if isinstance(content, PhotoFile):
                parts.append((name, (name, content.data, content.content_type)))
            else:
                parts.append((name, (name, content, "text/csv")))
        data = {"*isIncomplete*": "yes"} if is_incomplete else None
        return await self.client.post(f"{self.base}/submission", files=parts, data=data, headers=collect_headers())


async def issue_key(client: httpx.AsyncClient, make: Factory, surveyor: User) -> Collect:
    admin = await make.user(role="admin")
    response = await client.post(f"/api/collect-keys/{surveyor.id}", headers=make.headers(admin))
    assert response.status_code == 201, response.text
    server_url = response.json()["server_url"]
    path = httpx.URL(server_url).path
    return Collect(client=client, base=path, key=path.rsplit("/", 1)[-1], surveyor=surveyor)


@pytest.fixture
async def collect(client: httpx.AsyncClient, make: Factory, field: Field) -> Collect:
    return await issue_key(client, make, field.surveyor)


def form_id_of(form_list: ElementTree.Element) -> str:
    ns = "{http://openrosa.org/xforms/xformsList}"
    entry = form_list.find(f"{ns}xform")
    assert entry is not None
    return str(entry.findtext(f"{ns}formID"))


@dataclass
class Filled:
    """What a surveyor filled in: answers by indicator, photos by indicator, and Collect's meta."""

    assignment_id: uuid.UUID
    instance_id: uuid.UUID = field(default_factory=uuid.uuid4)
    started_at: datetime = field(default_factory=lambda: clock.now() - timedelta(minutes=40))
    minutes: int = 30
    answers: dict[str, str] = field(default_factory=dict)
    photos: dict[str, str] = field(default_factory=dict)  # indicator → file name
    audit: str | None = "audit.csv"

    @property
    def finished_at(self) -> datetime:
        return self.started_at + timedelta(minutes=self.minutes)


def every_answer() -> dict[str, str]:
    answers = {}
    for indicator in load_default_instrument().indicators().values():
        answers[indicator.id] = (
            indicator.choices[-1].value
            if indicator.type == "choice" and indicator.choices
            else SAMPLE_VALUES[indicator.type]
        )
    return answers


def submission_xml(xform: bytes, filled: Filled) -> bytes:
    """The form's primary instance filled in and serialised as Collect does (no default namespace)."""
    root = ElementTree.fromstring(xform)
    instance = next(root.iter(f"{XFORMS}instance"))
    data = next(iter(instance))
    photo_fields = {f"{indicator}_photo": name for indicator, name in filled.photos.items()}
    values = {
        "sidak_start": filled.started_at.isoformat(),
        "sidak_end": filled.finished_at.isoformat(),
        "sidak_assignment": str(filled.assignment_id),
        "instanceID": f"uuid:{filled.instance_id}",
        "audit": filled.audit or "",
        **filled.answers,
        **photo_fields,
    }
    for element in data.iter():
        element.tag = element.tag.removeprefix(XFORMS)
        if len(element) == 0:
            element.text = values.get(element.tag, "")
    return ElementTree.tostring(data, encoding="utf-8", xml_declaration=True)


def audit_log(filled: Filled, lat: float, lon: float, *, samples: int = 3) -> bytes:
    """Collect's audit.csv with location tracking: a form start, located samples, a question per answer."""
    start_ms = int(filled.started_at.timestamp() * 1000)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["event", "node", "start", "end", "latitude", "longitude", "accuracy"])
    writer.writerow(["form start", "", start_ms, "", "", "", ""])
    step_ms = filled.minutes * 60_000 // max(samples, 1)
    for i in range(samples):
        writer.writerow(["location", "", start_ms + i * step_ms, "", lat + i * 1e-5, lon, 9.5])
    writer.writerow(["question", "/data/A/A01", start_ms + 60_000, start_ms + 120_000, lat, lon, 8.0])
    return buffer.getvalue().encode()
