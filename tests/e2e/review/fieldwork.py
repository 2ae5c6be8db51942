"""Visits made the way a phone makes them, for the review console's browser tests: a demo surveyor PUTs a visit
document for one of their assignments, then the bytes of each declared photo (small JPEGs drawn here, each one
different, so no test trips `photo.reused` by accident).

Everything goes through the real HTTP API of the live server; nothing is written to the database directly.
"""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image, ImageDraw

from tests.e2e.conftest import LiveServer

INSTRUMENT_PATH = "/api/instruments/ombudsman-kepatuhan/1"
PHOTO_INDICATORS = ("A01", "B01", "B03")
# Roughly 0.0009° of latitude is 100 m: far enough outside every demo geofence to raise geo.outside.
FAR_AWAY_DEG = 0.009


@dataclass(frozen=True)
class SubmittedVisit:
    id: str
    assignment: dict[str, Any]
    receipt: dict[str, Any]
    surveyor: str
    document: dict[str, Any]

    @property
    def unit(self) -> dict[str, Any]:
        return dict(self.assignment["unit"])


def _session(server: LiveServer, username: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, timeout=30, headers={"Authorization": f"Bearer {server.token(username)}"}
    )


def drawn_jpeg(label: str, seed: int) -> bytes:
    """A 480×360 JPEG that looks like a photographed notice board: a coloured wall, a pale board, lines of 'text'."""
    rng = random.Random(seed)
    wall = tuple(rng.randint(90, 200) for _ in range(3))
    image = Image.new("RGB", (480, 360), wall)
    draw = ImageDraw.Draw(image)
    left, top = rng.randint(40, 90), rng.randint(30, 70)
    draw.rectangle((left, top, left + 320, top + 240), fill=(245, 243, 236), outline=(60, 60, 60), width=4)
    draw.text((left + 16, top + 12), label, fill=(20, 40, 120))
    for line in range(9):
        width = rng.randint(120, 280)
        y = top + 40 + line * 20
        draw.rectangle((left + 16, y, left + 16 + width, y + 7), fill=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _value(indicator: dict[str, Any], rng: random.Random, quality: float) -> Any:
    """An answer that is compliant with probability ``quality`` (reverse indicators are answered the honest way)."""
    good = rng.random() < quality
    kind = indicator["type"]
    if kind == "yes_no":
        return (not good) if indicator.get("reverse") else good
    if kind == "scale_0_3":
        return 3 if good else rng.choice([0, 1, 2])
    if kind == "choice":
        values = [choice["value"] for choice in indicator["choices"]]
        return values[-1] if good else values[0]
    if kind == "number":
        return 10 if good else 75
    return "Petugas ramah; antrean tertib."


def _answers(instrument: dict[str, Any], at: datetime, quality: float, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {"indicator": indicator["id"], "value": _value(indicator, rng, quality), "answered_at": at.isoformat()}
        for dimension in instrument["dimensions"]
        for indicator in dimension["indicators"]
    ]


def _free_assignment(client: httpx.Client, region: str | None, wave_id: str | None) -> dict[str, Any]:
    answer = client.get("/api/me/assignments")
    answer.raise_for_status()
    for assignment in answer.json():
        if assignment["visit"] is not None:
            continue
        if region is not None and assignment["unit"]["region"] != region:
            continue
        if wave_id is not None and assignment["wave"]["id"] != wave_id:
            continue
        return dict(assignment)
    raise LookupError(f"no assignment without a visit left (region={region}, wave={wave_id})")


def submit_visit(
    server: LiveServer,
    surveyor: str = "surveyor1",
    *,
    region: str | None = "Kabupaten Cirebon",
    wave_id: str | None = None,
    quality: float = 1.0,
    minutes: int = 35,
    far_away: bool = False,
    photo_indicators: tuple[str, ...] = PHOTO_INDICATORS,
    seed: int | None = None,
) -> SubmittedVisit:
    """One complete visit by ``surveyor`` to a unit of ``region`` they are assigned to, photos uploaded."""
    seed = random.randrange(1 << 30) if seed is None else seed
    with _session(server, surveyor) as client:
        assignment = _free_assignment(client, region, wave_id)
        instrument = client.get(INSTRUMENT_PATH).json()
        unit = assignment["unit"]
        started_at = datetime.now(UTC) - timedelta(minutes=minutes + 5)
        finished_at = started_at + timedelta(minutes=minutes)
        shift = FAR_AWAY_DEG if far_away else 0.0
        positions = [
            {
                "lat": unit["lat"] + shift + i * 0.00004,
                "lon": unit["lon"] + i * 0.00003,
                "accuracy_m": 8.0 + 3 * i,
                "at": (started_at + timedelta(minutes=5 * i)).isoformat(),
            }
            for i in range(4)
        ]
        photos = [
            (indicator, drawn_jpeg(f"{indicator} · {unit['name']}", seed + i))
            for i, indicator in enumerate(photo_indicators)
        ]
        declared = [
            {
                "id": str(uuid.uuid4()),
                "indicator": indicator,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "content_type": "image/jpeg",
                "taken_at": (started_at + timedelta(minutes=3 + 2 * i)).isoformat(),
                "lat": positions[1]["lat"],
                "lon": positions[1]["lon"],
                "accuracy_m": 9.0,
            }
            for i, (indicator, data) in enumerate(photos)
        ]
        visit_id = str(uuid.uuid4())
        document = {
            "assignment_id": assignment["id"],
            "revision": 1,
            "started_at": started_at.isoformat(),
            "finished_at": finished_at.isoformat(),
            "positions": positions,
            "answers": _answers(instrument, started_at + timedelta(minutes=minutes / 2), quality, seed),
            "photos": declared,
        }
        answer = client.put(f"/api/visits/{visit_id}", json=document)
        answer.raise_for_status()
        receipt = answer.json()
        for declaration, (_, data) in zip(declared, photos, strict=True):
            answer = client.put(
                f"/api/visits/{visit_id}/photos/{declaration['id']}",
                content=data,
                headers={"Content-Type": "image/jpeg"},
            )
            answer.raise_for_status()
            receipt = answer.json()
        return SubmittedVisit(visit_id, assignment, receipt, surveyor, document)


def resubmit_visit(server: LiveServer, visit: SubmittedVisit, answers: dict[str, Any]) -> SubmittedVisit:
    """The surveyor's corrected revision of a returned visit: the same document with some answers changed."""
    document = {
        **visit.document,
        "revision": visit.document["revision"] + 1,
        "answers": [
            {**answer, "value": answers.get(answer["indicator"], answer["value"])}
            for answer in visit.document["answers"]
        ],
    }
    with _session(server, visit.surveyor) as client:
        answer = client.put(f"/api/visits/{visit.id}", json=document)
        answer.raise_for_status()
        return SubmittedVisit(visit.id, visit.assignment, answer.json(), visit.surveyor, document)
