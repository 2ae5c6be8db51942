"""The open wave's visits, told as stories and sent the way a phone sends them: the visit document through
``VisitService.put_visit``, then each photo through ``PhotoService.put_photo``, each request in a transaction of its
own. So every integrity flag a supervisor finds in the review queue was computed by the server from what was sent:
a café 1.4 km from the unit, a GPS fix good to 180 m after the clinic closed, a track frozen to the centimetre, a
complaint box photographed at another office, last year's photos of the waiting room and the requirements sent
again (a year old, so their time gives them away too), one photo offered for two indicators, 48 answers in three
minutes, two units visited at once, a visit synced late, a missing photo, a screenshot without EXIF. Some visits are
clean, and one was returned by the supervisor with a comment and corrected by its surveyor as revision 2. Every
surveyor keeps assignments with no visit yet, to try the phone app on.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.demo.camera import DEFAULT_PHONE, Camera, Shot
from server.demo.camera import Photo as EvidencePhoto
from server.demo.history import LAST_EXTERNAL, plausible_answers
from server.domain.instruments.documents import Instrument
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.services import PhotoService
from server.domain.review.services import DecisionRequest, ReviewService
from server.domain.visits.documents import Answer, IndicatorComment, Position, VisitDocument
from server.domain.visits.services import VisitService
from server.lib.auth import Principal
from server.lib.storage import PhotoStore

WIB = ZoneInfo("Asia/Jakarta")
_METRES_PER_DEGREE = 111_320


@dataclass(frozen=True)
class Story:
    """One visit of the open wave. ``weekdays_ago``: on which working day before today it was made; ``photos``:
    indicator → what went wrong with its photo ("far", "old", "reused", "look_alike", "screenshot", "duplicate",
    "missing")."""

    flags: tuple[str, ...]
    """the flags the server finds on it (none: a clean visit)"""
    unit: str
    weekdays_ago: int
    start: time
    minutes: int
    away_m: float = 0.0
    accuracy_m: float = 12.0
    frozen: bool = False
    """the positions of a mock-location app: one point, to the centimetre, all visit long"""
    photos: dict[str, str] = field(default_factory=dict)
    returned_on: str | None = None
    """the indicator a supervisor returned the visit about; revision 2 corrects its answer"""


# Each surveyor's visits are days apart or far enough apart in time for the road between them, save the two made
# at once on purpose (visit.impossible_travel); and each keeps units to visit (the browser tests need four of
# surveyor1's and surveyor2's, two of surveyor3's).
STORIES = (
    Story((), "Kantor Disdukcapil Kabupaten Cirebon", 2, time(10, 10), 47),
    Story(("geo.outside",), "Puskesmas Palimanan", 1, time(8, 40), 46, away_m=1400),
    Story(
        ("geo.inaccurate", "visit.outside_window"),
        "Instalasi Rawat Jalan RSUD Waled",
        2,
        time(14, 25),
        52,
        accuracy_m=180,
    ),
    Story(("geo.mocked",), "Kantor Kecamatan Kejaksan (PATEN)", 3, time(9, 0), 45, frozen=True),
    Story(  # a surveyor who cut every corner with the photos
        ("photo.reused", "photo.time", "photo.far", "photo.no_exif"),
        "Puskesmas Weru",
        3,
        time(8, 50),
        43,
        photos={"A01": "reused", "B01": "look_alike", "D01": "far", "B06": "screenshot"},
    ),
    Story(
        ("photo.duplicate_in_visit",),
        "Kantor Disdukcapil Kota Cirebon",
        3,
        time(9, 30),
        47,
        photos={"B03": "duplicate"},
    ),
    Story(("visit.too_fast",), "Kantor Kecamatan Weru (PATEN)", 1, time(10, 20), 3),
    Story(("visit.impossible_travel",), "Kantor Kecamatan Plumbon (PATEN)", 1, time(9, 0), 45),
    Story(("visit.impossible_travel",), "Mal Pelayanan Publik Kota Cirebon", 1, time(9, 30), 51),
    Story(("visit.late_sync",), "Puskesmas Sumber", 7, time(9, 15), 40),
    Story(("visit.incomplete_answers",), "Puskesmas Kedawung", 2, time(9, 0), 47, photos={"A05": "missing"}),
    Story((), "Kantor Kecamatan Talun (PATEN)", 2, time(9, 10), 44, returned_on="B04"),
)
RETURN_COMMENT = "Jawaban B04 tidak sesuai foto: papan tarif tidak mencantumkan dasar hukumnya. Periksa dan perbaiki."
RETURN_INDICATOR_COMMENT = "Foto memperlihatkan tulisan GRATIS tanpa Perda; nilai 3 terlalu tinggi."
CORRECTION_NOTE = "Dikoreksi setelah tinjauan: tarif tertulis gratis, dasar hukum tidak dicantumkan."
MISSING_PHOTO_NOTE = "Petugas tidak mengizinkan kursi roda difoto."


@dataclass(frozen=True)
class Assigned:
    """What the draw gave a unit in the open wave."""

    assignment_id: uuid.UUID
    surveyor: Principal
    reviewer: Principal
    lat: float
    lon: float
    place_seed: int
    phone: tuple[str, str] = DEFAULT_PHONE


@dataclass
class Teller:
    """Sends the stories through the services, as phones and a supervisor would."""

    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    store: PhotoStore
    decoders: PhotoDecoders
    instrument: Instrument
    camera: Camera
    today: date

    async def tell(self, story: Story, assigned: Assigned) -> uuid.UUID:
        rng = random.Random(f"story:{story.unit}")
        visit_id = uuid.UUID(bytes=rng.randbytes(16), version=4)
        document, photos = self._visit(story, assigned, rng)
        await self._put_visit(visit_id, document, assigned.surveyor)
        await self._put_photos(visit_id, photos, assigned.surveyor)
        if story.returned_on is not None:
            await self._return(visit_id, story.returned_on, assigned.reviewer)
            await self._put_visit(visit_id, _corrected(document, story.returned_on), assigned.surveyor)
        return visit_id

    def _visit(self, story: Story, assigned: Assigned, rng: random.Random) -> tuple[VisitDocument, list[EvidencePhoto]]:
        day = _weekday_before(self.today, story.weekdays_ago)
        started_at = datetime.combine(day, story.start, WIB)
        finished_at = started_at + timedelta(minutes=story.minutes)
        values = plausible_answers(story.unit, self.instrument, rng)
        if story.returned_on is not None:
            values[story.returned_on] = 3  # what the supervisor will find too kind for the photo
        step = (finished_at - started_at) / (len(values) + 1)
        answers = [
            _answer(indicator_id, value, started_at + step * (i + 1), story)
            for i, (indicator_id, value) in enumerate(values.items())
        ]
        photos = self._photos(story, assigned, answers, rng)
        document = VisitDocument(
            assignment_id=assigned.assignment_id,
            revision=1,
            started_at=started_at,
            finished_at=finished_at,
            positions=_positions(story, assigned, started_at, finished_at, rng),
            answers=answers,
            photos=[photo.declaration() for photo in photos],
        )
        return document, photos

    def _photos(
        self, story: Story, assigned: Assigned, answers: list[Answer], rng: random.Random
    ) -> list[EvidencePhoto]:
        indicators = self.instrument.indicators()
        photos = []
        for answer in answers:
            trouble = story.photos.get(answer.indicator, "")
            if indicators[answer.indicator].photo != "required" or answer.not_applicable or trouble == "missing":
                continue
            shot = Shot(
                photo_id=uuid.UUID(bytes=rng.randbytes(16), version=4),
                indicator=answer.indicator,
                place_seed=assigned.place_seed,
                take_seed=f"open:{answer.indicator}",
                taken_at=(answer.answered_at + timedelta(seconds=rng.randint(3, 20))).astimezone(WIB),
                lat=assigned.lat + rng.uniform(-0.00015, 0.00015),
                lon=assigned.lon + rng.uniform(-0.00015, 0.00015),
                accuracy_m=float(rng.randint(5, 18)),
                phone=assigned.phone,
            )
            photos.append(self._develop(shot, trouble))
        return photos

    def _develop(self, shot: Shot, trouble: str) -> EvidencePhoto:
        if trouble == "duplicate":  # the requirements poster's photo offered again for the completion time
            return self.camera.copy_of("open:B01", shot)
        earlier = f"{LAST_EXTERNAL}:{shot.indicator}"
        if trouble == "reused":
            return self.camera.copy_of(earlier, shot)
        if trouble == "look_alike":
            return self.camera.recompressed(earlier, shot)
        if trouble == "far":  # taken at another office, 2 km north-east, and attached here
            shot = replace(shot, lat=(shot.lat or 0) + 0.014, lon=(shot.lon or 0) + 0.014)
        elif trouble == "old":  # picked from the phone's gallery: photographed months before the visit
            shot = replace(shot, exif_taken_at=shot.taken_at - timedelta(days=152, hours=3))
        elif trouble == "screenshot":
            shot = replace(shot, screenshot=True)
        return self.camera.take(shot)

    async def _put_visit(self, visit_id: uuid.UUID, document: VisitDocument, surveyor: Principal) -> None:
        async with self.session_factory() as session:
            await VisitService(session).put_visit(visit_id, document, surveyor)
            await session.commit()

    async def _put_photos(self, visit_id: uuid.UUID, photos: list[EvidencePhoto], surveyor: Principal) -> None:
        """Each photo as its own upload, in a transaction of its own (an upload reads its declaration in a session
        of its own before its transaction begins: on SQLite the one connection must be free then)."""
        for photo in photos:
            async with self.session_factory() as session:
                service = PhotoService(session, self.session_factory, self.settings, self.store, self.decoders)
                await service.put_photo(
                    visit_id,
                    photo.shot.photo_id,
                    surveyor,
                    content_type=photo.content_type,
                    content_length=photo.size,
                    body=_chunks(photo.data),
                )
                await session.commit()

    async def _return(self, visit_id: uuid.UUID, indicator: str, reviewer: Principal) -> None:
        async with self.session_factory() as session:
            await ReviewService(session, reviewer).decide(
                visit_id,
                DecisionRequest(
                    decision="return",
                    revision=1,
                    comment=RETURN_COMMENT,
                    indicator_comments=[IndicatorComment(indicator=indicator, text=RETURN_INDICATOR_COMMENT)],
                    seen_status="submitted",
                ),
            )
            await session.commit()


def _weekday_before(today: date, weekdays_ago: int) -> date:
    day = today
    while weekdays_ago:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            weekdays_ago -= 1
    return day


def _answer(indicator_id: str, value: Any, answered_at: datetime, story: Story) -> Answer:
    if value is None:
        return Answer(indicator=indicator_id, answered_at=answered_at, not_applicable=True)
    note = MISSING_PHOTO_NOTE if story.photos.get(indicator_id) == "missing" else None
    if value == "":
        text = f"Tiba pukul {story.start:%H.%M}, mengambil nomor antrean, dilayani petugas loket."
        return Answer(indicator=indicator_id, answered_at=answered_at, value=text)
    return Answer(indicator=indicator_id, answered_at=answered_at, value=value, note=note)


def _positions(
    story: Story, assigned: Assigned, started_at: datetime, finished_at: datetime, rng: random.Random
) -> list[Position]:
    """Where the phone was at the start, the middle and the end: at the unit, or ``away_m`` north of it."""
    away = story.away_m / _METRES_PER_DEGREE
    if story.frozen:
        return [
            Position(lat=assigned.lat + 0.00004, lon=assigned.lon - 0.00003, accuracy_m=4.0, at=at)
            for at in (started_at + (finished_at - started_at) * share / 7 for share in range(8))
        ]
    return [
        Position(
            lat=assigned.lat + away + rng.uniform(-0.0001, 0.0001),
            lon=assigned.lon + rng.uniform(-0.0001, 0.0001),
            accuracy_m=story.accuracy_m + rng.randint(0, 8),
            at=started_at + (finished_at - started_at) * share,
        )
        for share in (0.02, 0.5, 0.98)
    ]


def _corrected(document: VisitDocument, indicator: str) -> VisitDocument:
    """Revision 2: the returned indicator answered again, lower, with a note; everything else as sent."""
    answers = [
        Answer(indicator=a.indicator, answered_at=a.answered_at, value=1, note=CORRECTION_NOTE)
        if a.indicator == indicator
        else a
        for a in document.answers
    ]
    return VisitDocument(
        assignment_id=document.assignment_id,
        revision=2,
        started_at=document.started_at,
        finished_at=document.finished_at,
        positions=document.positions,
        answers=answers,
        photos=document.photos,
    )


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data
