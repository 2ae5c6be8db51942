"""The demo's history: past waves, published, with approved visits whose answers drift from wave to wave,
so that trends, rankings, the internal/external comparison and improvement plans have something to show.

Each unit gets a seeded *quality* (the share of indicators it meets) and a fixed order in which it meets them: a unit
that improves meets the indicators it met before and a few more, as a real one would. Between the two external surveys
some units improve, some decline, most move a little; the internal self-assessment in between is kinder than the
Ombudsman's survey, and for two units much kinder (their zones disagree: green against red). Two pairs of units are
given identical answers in the last survey, so that the rankings show ties.

The waves go through the admin services (created, drawn, moved, published: audited like an admin's requests); their
visits, reviews and scores are bulk-inserted, as if imported from the earlier rounds, with one audit event per wave.
Every visit has the photos its instrument asks for, made by the demo's camera (``camera``) at the unit while the
visit lasted, rendered by the server's own photo pipeline and kept in the photo store (``darkroom``): a score traces
to its answers, and an answer to its photo.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Answer, Photo, Position, Review, Visit, VisitRevision, VisitScore, Wave
from server.demo.camera import DEFAULT_PHONE, Camera, Shot
from server.demo.camera import Photo as EvidencePhoto
from server.demo.darkroom import Darkroom
from server.domain.admin.assignments.services import DrawOrder, WaveAssignmentService
from server.domain.admin.waves.services import WaveService
from server.domain.audit.services import AuditLog
from server.domain.instruments.documents import Indicator, Instrument
from server.domain.results.scoring import score_visit
from server.domain.results.services import ResultsService
from server.domain.visits.documents import Answer as AnswerDocument
from server.domain.visits.documents import Position as PositionDocument
from server.domain.visits.documents import VisitDocument
from server.domain.visits.sync_rules import canonical_visit_hash
from server.lib.auth import Principal

WIB = ZoneInfo("Asia/Jakarta")
HISTORY_SEED = 2019


@dataclass(frozen=True)
class PastWave:
    name: str
    kind: str
    period_start: date
    period_end: date
    published_on: date
    seed: int


PAST_WAVES = [
    PastWave("Penilaian Kepatuhan 2019", "external", date(2019, 7, 1), date(2019, 9, 30), date(2019, 12, 10), 2019),
    PastWave("Penilaian Internal 2020", "internal", date(2020, 3, 2), date(2020, 4, 30), date(2020, 6, 15), 2020),
    PastWave("Penilaian Kepatuhan 2020", "external", date(2020, 7, 1), date(2020, 9, 30), date(2020, 12, 9), 20201),
]
LAST_EXTERNAL = PAST_WAVES[-1].name

# unit: (quality in 2019, change by 2020, how much kinder its own team is) — the rest are drawn.
SET_UNITS = {
    "UPT Disdukcapil Wilayah Timur": (0.30, 0.02, 0.55),
    "Kantor Kecamatan Plumbon (PATEN)": (0.33, -0.03, 0.50),
    "Mal Pelayanan Publik Kabupaten Cirebon": (0.80, 0.15, 0.05),
    "Puskesmas Palimanan": (0.45, 0.32, 0.10),
    "Instalasi Rawat Jalan RSUD Waled": (0.72, -0.22, 0.12),
}
# In the last survey these units answer exactly as the first of each pair: equal scores, a tie in the rankings.
TIES = {"Puskesmas Weru": "Puskesmas Plered", "Kantor Kecamatan Talun (PATEN)": "Kantor Kecamatan Weru (PATEN)"}
DRIFTS = (0.25, 0.15, 0.08, 0.03, 0.0, -0.04, -0.10, -0.18)

COMMENTS = (
    "Tidak terlihat di ruang pelayanan saat kunjungan; pasang di tempat yang mudah dilihat pengguna.",
    "Ada, tetapi tidak lengkap dan sudah pudar; perbarui sesuai standar pelayanan.",
    "Petugas tidak dapat menunjukkannya saat ditanya; siapkan dan latih petugas loket.",
)
APPROVAL_COMMENT = "Disetujui: jawaban sesuai dengan bukti kunjungan."
NARRATIVE = "Tiba pukul {start}, mengambil nomor antrean, dilayani petugas loket, keluar pukul {end}."


@dataclass
class _UnitCourse:
    """One unit's seeded course through the waves."""

    quality: float
    drift: float
    kindness: float
    order: dict[str, float]
    """indicator → where it falls in the unit's order of meeting indicators (0 first, 1 last)"""
    not_applicable: frozenset[str]
    noise: dict[str, float]
    """wave name → the day's luck: a queue that was long, a poster just taken down"""

    def quality_in(self, wave: PastWave) -> float:
        luck = self.noise[wave.name]
        if wave.kind == "internal":
            return self.quality + self.drift / 2 + self.kindness + luck
        return self.quality + (self.drift if wave.period_start.year >= 2020 else 0.0) + luck


@dataclass(frozen=True)
class DemoPlace:
    """A unit of the demo, with what the history needs of it."""

    unit_id: uuid.UUID
    name: str
    lat: float
    lon: float
    reviewer_id: uuid.UUID
    """the supervisor of its region, who approved its past visits"""
    phones: dict[uuid.UUID, tuple[str, str]]
    """surveyor id → the (make, model) of their phone"""

    @property
    def seed(self) -> int:
        """The unit's room in the pictures: from its name, so the same unit looks the same on every install."""
        return zlib.crc32(self.name.encode())


async def load_history(
    session: AsyncSession,
    actor: Principal,
    instrument_row: Any,
    instrument: Instrument,
    places: list[DemoPlace],
    surveyor_ids: list[uuid.UUID],
    camera: Camera,
    darkroom: Darkroom,
) -> list[Wave]:
    """Create, fill and publish the past waves; returns them in period order."""
    rng = random.Random(HISTORY_SEED)
    courses = {place.unit_id: _course(place.name, instrument, rng) for place in places}
    wave_service, assignment_service = WaveService(session, actor), WaveAssignmentService(session, actor)
    waves = [await _past_wave(wave_service, past, instrument_row) for past in PAST_WAVES]
    assignments = [
        await _draw(assignment_service, wave, past, surveyor_ids) for wave, past in zip(waves, PAST_WAVES, strict=True)
    ]
    history = _History(instrument, courses, waves, assignments, camera)
    developing, taken = [], []
    for place in places:
        # In a thread, so that the photos of the units before are developed while this one's are drawn.
        photos = await asyncio.to_thread(history.through_the_waves, place)
        developing.append(asyncio.create_task(darkroom.develop_all(photos)))
        taken.append(photos)
    stored: dict[uuid.UUID, dict[str, Any]] = {}
    for photos, batch in zip(taken, await asyncio.gather(*developing), strict=True):
        stored.update(batch)
        for photo in photos:
            camera.remember(photo.shot, batch[photo.shot.photo_id]["phash"])
    await darkroom.flush()
    for past, wave, wave_rows in zip(PAST_WAVES, waves, history.rows, strict=True):
        await _fill_and_publish(session, actor, wave_service, past, wave, wave_rows, stored)
    return waves


class _History:
    """The past visits' rows, wave by wave, and the photos of each unit through the waves."""

    def __init__(
        self,
        instrument: Instrument,
        courses: dict[uuid.UUID, _UnitCourse],
        waves: list[Wave],
        assignments: list[dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]],
        camera: Camera,
    ) -> None:
        self.instrument = instrument
        self.courses = courses
        self.waves = waves
        self.assignments = assignments
        self.camera = camera
        self.rows = [_new_rows() for _ in PAST_WAVES]
        self.rngs = [random.Random(past.seed) for past in PAST_WAVES]
        self.answers_by_name: list[dict[str, dict[str, Any]]] = [{} for _ in PAST_WAVES]

    def through_the_waves(self, place: DemoPlace) -> list[EvidencePhoto]:
        """Add the unit's visit in each wave; the photos taken. Unit by unit, so that the camera draws each of a
        unit's rooms once for all its visits."""
        photos: list[EvidencePhoto] = []
        for i, (past, wave) in enumerate(zip(PAST_WAVES, self.waves, strict=True)):
            if place.unit_id not in self.assignments[i]:
                continue
            course = self.courses[place.unit_id]
            values = _answer_values(course, course.quality_in(past), self.instrument.indicators(), self.rngs[i])
            tied_with = TIES.get(place.name) if past.name == LAST_EXTERNAL else None
            if tied_with in self.answers_by_name[i]:
                values = dict(self.answers_by_name[i][tied_with])
            self.answers_by_name[i][place.name] = values
            visit = _PastVisit(past, wave, place, *self.assignments[i][place.unit_id])
            photos += _add_visit(self.rows[i], visit, self.instrument, values, course, self.rngs[i], self.camera)
        return photos


async def _fill_and_publish(
    session: AsyncSession,
    actor: Principal,
    wave_service: WaveService,
    past: PastWave,
    wave: Wave,
    rows: dict[Any, list[Any]],
    stored: dict[uuid.UUID, dict[str, Any]],
) -> None:
    photo_rows = [{**row, **stored[row["id"]]} for row in rows.pop(Photo)]
    for model, values in rows.items():
        if values:
            await session.execute(insert(model.__table__), values)
    if photo_rows:
        await session.execute(insert(Photo.__table__), photo_rows)
    await wave_service.move_wave(wave.id, "review")
    await ResultsService(session, actor).publish(wave.id)
    published_at = datetime.combine(past.published_on, time(10, 0), WIB)
    await session.execute(
        update(Wave)
        .where(Wave.id == wave.id)
        .values(published_at=published_at)
        .execution_options(synchronize_session=False)
    )
    await AuditLog(session).record(
        "demo.history_loaded",
        entity_type="wave",
        entity_id=wave.id,
        actor_id=actor.id,
        data={"name": past.name, "approved_visits": len(rows[Visit]), "photos": len(photo_rows)},
    )


def _new_rows() -> dict[Any, list[Any]]:
    return {Visit: [], VisitRevision: [], Answer: [], Position: [], Review: [], VisitScore: [], Photo: []}


@dataclass(frozen=True)
class _PastVisit:
    past: PastWave
    wave: Wave
    place: DemoPlace
    assignment_id: uuid.UUID
    surveyor_id: uuid.UUID


def plausible_answers(name: str, instrument: Instrument, rng: random.Random) -> dict[str, Any]:
    """Answers a unit like those of the history might get today: indicator → value (None: not applicable)."""
    course = _course(name, instrument, rng)
    return _answer_values(course, course.quality + course.drift, instrument.indicators(), rng)


def _course(name: str, instrument: Instrument, rng: random.Random) -> _UnitCourse:
    quality, drift, kindness = rng.uniform(0.38, 0.88), rng.choice(DRIFTS), rng.uniform(0.02, 0.16)
    quality, drift, kindness = SET_UNITS.get(name, (quality, drift, kindness))
    indicators = list(instrument.indicators().values())
    order = {indicator.id: rng.random() for indicator in indicators}
    not_applicable = frozenset(i.id for i in indicators if i.allow_na and rng.random() < 0.2)
    noise = {past.name: rng.gauss(0, 0.03) for past in PAST_WAVES}
    return _UnitCourse(quality, drift, kindness, order, not_applicable, noise)


async def _past_wave(waves: WaveService, past: PastWave, instrument_row: Any) -> Wave:
    view = await waves.create_wave(
        name=past.name,
        kind=past.kind,
        instrument_key=instrument_row.key,
        instrument_version=instrument_row.version,
        profile_key="ombudsman-2021",
        profile=None,
        period_start=past.period_start,
        period_end=past.period_end,
        integrity_settings=None,
    )
    await waves.move_wave(view.wave.id, "fieldwork")
    return view.wave


async def _draw(
    assignments: WaveAssignmentService, wave: Wave, past: PastWave, surveyor_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
    """unit id → (assignment id, surveyor id), from the seeded draw an admin would have run."""
    batch = await assignments.draw(
        wave.id,
        DrawOrder(
            seed=past.seed,
            surveyor_ids=surveyor_ids,
            window_start=datetime.combine(past.period_start, time(0, 0), WIB),
            window_end=datetime.combine(past.period_end + timedelta(days=1), time(0, 0), WIB),
        ),
    )
    return {view.unit.unit.id: (view.id, view.surveyor.id) for view in batch.assignments if view.id is not None}


def _answer_values(
    course: _UnitCourse, quality: float, indicators: dict[str, Indicator], rng: random.Random
) -> dict[str, Any]:
    quality = min(max(quality, 0.05), 0.97)
    values: dict[str, Any] = {}
    for indicator_id, indicator in indicators.items():
        if indicator_id in course.not_applicable:
            values[indicator_id] = None
        elif indicator.type == "text":
            values[indicator_id] = ""
        else:
            # How far past the unit's reach this indicator lies: 0 or less is met, a little more is partly met.
            shortfall = course.order[indicator_id] - quality
            values[indicator_id] = _value(indicator, shortfall, rng)
    return values


def _value(indicator: Indicator, shortfall: float, rng: random.Random) -> Any:
    step = 0 if shortfall < 0 else 1 if shortfall < 0.12 else 2 if shortfall < 0.25 else 3
    if indicator.type == "yes_no":
        return (step == 0) != indicator.reverse
    if indicator.type == "scale_0_3":
        return 3 - step
    if indicator.type == "choice":
        choices = [choice.value for choice in indicator.choices or []]
        return choices[max(len(choices) - 1 - step, 0)]
    bands = sorted(enumerate(indicator.bands or []), key=lambda pair: -pair[1].score)
    position, band = bands[min(step, len(bands) - 1)]
    low = 0 if position == 0 else int((indicator.bands or [])[position - 1].max or 0) + 1
    high = int(band.max) if band.max is not None else low + max(3, low // 2)
    return rng.randint(min(low, high), high)


def _add_visit(
    rows: dict[Any, list[Any]],
    visit: _PastVisit,
    instrument: Instrument,
    values: dict[str, Any],
    course: _UnitCourse,
    rng: random.Random,
    camera: Camera,
) -> list[EvidencePhoto]:
    """Add the rows of one approved visit; the photos it took."""
    past, wave, place, assignment_id, surveyor_id = (
        visit.past,
        visit.wave,
        visit.place,
        visit.assignment_id,
        visit.surveyor_id,
    )
    visit_id = uuid.UUID(bytes=rng.randbytes(16), version=4)
    started_at = _visit_start(past, rng)
    finished_at = started_at + timedelta(minutes=rng.randint(35, 55))
    received_at = finished_at + timedelta(minutes=rng.randint(5, 90))
    decided_at = finished_at + timedelta(days=rng.randint(2, 12), hours=rng.randint(1, 6))
    answers = [
        _answer(indicator_id, value, started_at, finished_at, i)
        for i, (indicator_id, value) in enumerate(values.items())
    ]
    position = PositionDocument(
        lat=place.lat + rng.uniform(-0.0002, 0.0002),
        lon=place.lon + rng.uniform(-0.0002, 0.0002),
        accuracy_m=float(rng.randint(8, 25)),
        at=started_at + timedelta(minutes=2),
    )
    # Photos draw from a generator of their own: the answers of every later visit stay what they were without them.
    photos = _photos(visit, visit_id, instrument, answers, random.Random(visit_id.int), camera)
    document = VisitDocument(
        assignment_id=assignment_id,
        revision=1,
        started_at=started_at,
        finished_at=finished_at,
        positions=[position],
        answers=answers,
        photos=[photo.declaration() for photo in photos],
    )
    rows[Photo] += [_photo_row(visit_id, photo, received_at) for photo in photos]
    content_hash = canonical_visit_hash(document)
    rows[Visit].append(
        {
            "id": visit_id,
            "assignment_id": assignment_id,
            "wave_id": wave.id,
            "unit_id": place.unit_id,
            "surveyor_id": surveyor_id,
            "revision": 1,
            "status": "approved",
            "content_hash": content_hash,
            "started_at": started_at,
            "finished_at": finished_at,
            "first_received_at": received_at,
            "updated_at": decided_at,
            "submitted_at": received_at,
        }
    )
    rows[VisitRevision].append(
        {
            "visit_id": visit_id,
            "revision": 1,
            "content_hash": content_hash,
            "document": msgspec.to_builtins(document),
            "received_at": received_at,
        }
    )
    rows[Answer] += [
        {
            "visit_id": visit_id,
            "indicator": a.indicator,
            "value": a.value,
            "not_applicable": a.not_applicable,
            "note": a.note,
            "answered_at": a.answered_at,
        }
        for a in answers
    ]
    rows[Position].append(
        {
            "visit_id": visit_id,
            "seq": 0,
            "lat": position.lat,
            "lon": position.lon,
            "accuracy_m": position.accuracy_m,
            "at": position.at,
        }
    )
    scored = score_visit(instrument, answers)
    rows[Review].append(
        {
            "id": uuid.UUID(bytes=rng.randbytes(16), version=4),
            "visit_id": visit_id,
            "revision": 1,
            "decision": "approve",
            "comment": APPROVAL_COMMENT,
            "reviewer_id": place.reviewer_id,
            "indicator_comments": _indicator_comments(instrument, scored.indicators, course, rng),
            "decided_at": decided_at,
        }
    )
    rows[VisitScore].append(
        {
            "visit_id": visit_id,
            "wave_id": wave.id,
            "unit_id": place.unit_id,
            "revision": 1,
            "total": scored.total,
            "dimensions": _strings(scored.dimensions),
            "indicators": _strings(scored.indicators),
            "scored_at": decided_at,
        }
    )
    return photos


def _visit_start(past: PastWave, rng: random.Random) -> datetime:
    day = past.period_start + timedelta(days=rng.randrange((past.period_end - past.period_start).days - 3))
    while day.weekday() >= 5:  # offices are closed at the weekend
        day += timedelta(days=1)
    return datetime.combine(day, time(8, 15), WIB) + timedelta(minutes=rng.randint(0, 150))


def _answer(indicator_id: str, value: Any, started_at: datetime, finished_at: datetime, i: int) -> AnswerDocument:
    answered_at = started_at + timedelta(seconds=40 * (i + 1))
    if value is None:
        return AnswerDocument(indicator=indicator_id, answered_at=answered_at, not_applicable=True)
    if value == "":
        text = NARRATIVE.format(start=started_at.strftime("%H.%M"), end=finished_at.strftime("%H.%M"))
        return AnswerDocument(indicator=indicator_id, answered_at=answered_at, value=text)
    return AnswerDocument(indicator=indicator_id, answered_at=answered_at, value=value)


def _indicator_comments(
    instrument: Instrument, scores: dict[str, Any], course: _UnitCourse, rng: random.Random
) -> list[dict[str, str]]:
    """The supervisor's notes on up to three of the indicators the unit missed furthest."""
    missed = [i for i in instrument.indicators() if scores.get(i) is not None and scores[i] < 1]
    missed.sort(key=lambda indicator_id: -course.order[indicator_id])
    return [{"indicator": indicator_id, "text": rng.choice(COMMENTS)} for indicator_id in missed[:3]]


def _strings(scores: dict[str, Any]) -> dict[str, str | None]:
    # As the review service stores them: strings keep every digit of the Decimal.
    return {key: None if value is None else str(value) for key, value in scores.items()}


def _photos(
    visit: _PastVisit,
    visit_id: uuid.UUID,
    instrument: Instrument,
    answers: list[AnswerDocument],
    rng: random.Random,
    camera: Camera,
) -> list[EvidencePhoto]:
    """A photo of each indicator that asks for one and was answered, taken a few seconds after its answer, where
    the unit is."""
    indicators = instrument.indicators()
    photos = []
    for answer in answers:
        if indicators[answer.indicator].photo != "required" or answer.not_applicable:
            continue
        shot = Shot(
            photo_id=uuid.UUID(bytes=rng.randbytes(16), version=4),
            indicator=answer.indicator,
            place_seed=visit.place.seed,
            take_seed=f"{visit.past.name}:{answer.indicator}",
            taken_at=(answer.answered_at + timedelta(seconds=rng.randint(5, 30))).astimezone(WIB),
            lat=visit.place.lat + rng.uniform(-0.0002, 0.0002),
            lon=visit.place.lon + rng.uniform(-0.0002, 0.0002),
            accuracy_m=float(rng.randint(5, 20)),
            phone=visit.place.phones.get(visit.surveyor_id, DEFAULT_PHONE),
        )
        photos.append(camera.take(shot, unlike_earlier=False))
    return photos


def _photo_row(visit_id: uuid.UUID, photo: EvidencePhoto, received_at: datetime) -> dict[str, Any]:
    shot = photo.shot
    return {
        "id": shot.photo_id,
        "visit_id": visit_id,
        "indicator": shot.indicator,
        "sha256": photo.sha256,
        "size": photo.size,
        "content_type": photo.content_type,
        "taken_at": shot.taken_at,
        "lat": shot.lat,
        "lon": shot.lon,
        "accuracy_m": shot.accuracy_m,
        "declared_revision": 1,
        "stored_at": received_at,
        "rendered_at": received_at,  # developed in the darkroom, rendered as it was stored
    }
