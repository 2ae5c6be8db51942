"""Visits written straight to the database, as the sync routes would have left them, so review and results tests do
not depend on the phone's side: ``await a_submitted_visit(make, assignment, answers=best_answers(instrument))``."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select

from server.db.models import (
    Agency,
    Answer,
    Assignment,
    Flag,
    Photo,
    Position,
    Region,
    Unit,
    User,
    Visit,
    VisitRevision,
    Wave,
)
from server.db.models import (
    Instrument as InstrumentRow,
)
from server.domain.instruments.documents import Indicator, Instrument
from server.lib import clock
from tests.factories import SUMBER, Factory

AnswerValues = Mapping[str, Any]
"""indicator id → value; the value ``NOT_APPLICABLE`` marks the answer not applicable."""
NOT_APPLICABLE = object()


# --- answers ---------------------------------------------------------------------------------------------------


def best_value(indicator: Indicator) -> Any:
    return _value(indicator, best=True)


def worst_value(indicator: Indicator) -> Any:
    return _value(indicator, best=False)


def _value(indicator: Indicator, *, best: bool) -> Any:
    wants_high = best != indicator.reverse
    match indicator.type:
        case "yes_no":
            return wants_high
        case "scale_0_3":
            return 3 if wants_high else 0
        case "choice":
            # Scored choices rank by score; unscored ones by their order, worst first.
            choices = indicator.choices or []
            ranked = (
                [c.value for c in sorted(choices, key=lambda c: c.score or 0)]
                if choices[0].score is not None
                else [c.value for c in choices]
            )
            return ranked[-1] if wants_high else ranked[0]
        case "number":
            bands = indicator.bands or []
            band = max(bands, key=lambda b: b.score) if wants_high else min(bands, key=lambda b: b.score)
            if band.max is not None:
                return band.max
            return max((b.max for b in bands if b.max is not None), default=0) + 1
    return "Catatan petugas."


def random_value(indicator: Indicator, rng: random.Random) -> Any:
    match indicator.type:
        case "yes_no":
            return rng.random() < 0.7
        case "scale_0_3":
            return rng.choice((0, 1, 2, 3, 3))
        case "choice":
            return rng.choice([choice.value for choice in indicator.choices or []])
        case "number":
            return rng.choice([best_value(indicator), worst_value(indicator), rng.randint(0, 90)])
    return "Catatan petugas."


def answers_by(instrument: Instrument, pick: Callable[[Indicator], Any]) -> dict[str, Any]:
    return {indicator.id: pick(indicator) for indicator in instrument.indicators().values()}


def best_answers(instrument: Instrument) -> dict[str, Any]:
    return answers_by(instrument, best_value)


def worst_answers(instrument: Instrument) -> dict[str, Any]:
    return answers_by(instrument, worst_value)


def random_answers(instrument: Instrument, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    values = answers_by(instrument, lambda indicator: random_value(indicator, rng))
    for indicator in instrument.indicators().values():
        if indicator.allow_na and rng.random() < 0.3:
            values[indicator.id] = NOT_APPLICABLE
    return values


# --- database ------------------------------------------------------------------------------------------------


async def instrument_of(make: Factory, wave_id: uuid.UUID) -> Instrument:
    async with make.app.state.session_factory() as session:
        document = await session.scalar(
            select(InstrumentRow.document).join(Wave, Wave.instrument_id == InstrumentRow.id).where(Wave.id == wave_id)
        )
    return msgspec.convert(document, Instrument)


@dataclass(frozen=True)
class FlagSpec:
    code: str
    severity: str = "warning"
    detail: str = "Detail uji."
    on_photo_of: str | None = None
    """Attach the flag to the first photo of this indicator."""
    facts: dict[str, Any] | None = None


def _document(
    assignment: Assignment,
    revision: int,
    started_at: datetime,
    finished_at: datetime,
    answers: AnswerValues,
    positions: list[dict[str, Any]],
    photos: list[Photo],
) -> dict[str, Any]:
    return {
        "assignment_id": str(assignment.id),
        "revision": revision,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "positions": [{**p, "at": p["at"].isoformat()} for p in positions],
        "answers": [_answer_document(indicator, value, started_at) for indicator, value in answers.items()],
        "photos": [
            {
                "id": str(p.id),
                "indicator": p.indicator,
                "sha256": p.sha256,
                "size": p.size,
                "content_type": p.content_type,
                "taken_at": p.taken_at.isoformat(),
                "lat": p.lat,
                "lon": p.lon,
                "accuracy_m": p.accuracy_m,
            }
            for p in photos
        ],
    }


def _answer_document(indicator: str, value: Any, at: datetime) -> dict[str, Any]:
    if value is NOT_APPLICABLE:
        return {"indicator": indicator, "not_applicable": True, "answered_at": at.isoformat()}
    return {"indicator": indicator, "value": value, "answered_at": at.isoformat()}


async def a_submitted_visit(
    make: Factory,
    assignment: Assignment,
    *,
    answers: AnswerValues | None = None,
    flags: Iterable[FlagSpec | str] = (),
    status: str = "submitted",
    revision: int = 1,
    previous_answers: AnswerValues | None = None,
    duration_s: int = 40 * 60,
    finished_at: datetime | None = None,
    positions: list[tuple[float, float, float]] | None = None,
    photos_stored: bool = True,
    notes: Mapping[str, str] | None = None,
) -> Visit:
    """A visit of ``assignment`` at ``revision`` with its answers, positions, photos (one per answered indicator
    that needs one), flags and a revision history; earlier revisions carry ``previous_answers`` (else the same)."""
    instrument = await instrument_of(make, assignment.wave_id)
    answers = dict(answers if answers is not None else best_answers(instrument))
    async with make.app.state.session_factory() as session:
        unit = await session.get_one(Unit, assignment.unit_id)
    finished_at = finished_at or clock.now() - timedelta(hours=1)
    started_at = finished_at - timedelta(seconds=duration_s)
    visit_id = uuid.uuid4()
    here = (unit.lat, unit.lon) if unit.lat is not None else SUMBER  # a unit not yet placed on the map
    position_specs = positions if positions is not None else [(*here, 12.0)]
    position_rows = [
        {"lat": lat, "lon": lon, "accuracy_m": accuracy_m, "at": started_at + timedelta(seconds=30 * i)}
        for i, (lat, lon, accuracy_m) in enumerate(position_specs)
    ]
    photos = [
        Photo(
            id=uuid.uuid4(),
            visit_id=visit_id,
            indicator=indicator.id,
            sha256=hashlib.sha256(f"{visit_id}{indicator.id}".encode()).hexdigest(),
            size=123_456,
            content_type="image/jpeg",
            taken_at=started_at + timedelta(minutes=5),
            lat=unit.lat,
            lon=unit.lon,
            accuracy_m=10.0,
            declared_revision=1,
            stored_at=clock.now() if photos_stored else None,
            rendered_at=clock.now() if photos_stored else None,
            original_key=f"photos/{visit_id}/{indicator.id}.jpg" if photos_stored else None,
            width=1600 if photos_stored else None,
            height=1200 if photos_stored else None,
            has_exif=False if photos_stored else None,
        )
        for indicator in instrument.indicators().values()
        if indicator.photo == "required" and indicator.id in answers and answers[indicator.id] is not NOT_APPLICABLE
    ]
    photo_of = {photo.indicator: photo.id for photo in photos}
    now = clock.now()
    rows: list[Any] = [
        Visit(
            id=visit_id,
            assignment_id=assignment.id,
            wave_id=assignment.wave_id,
            unit_id=assignment.unit_id,
            surveyor_id=assignment.surveyor_id,
            revision=revision,
            status=status,
            content_hash=hashlib.sha256(f"{visit_id}:{revision}".encode()).hexdigest(),
            started_at=started_at,
            finished_at=finished_at,
            first_received_at=finished_at + timedelta(minutes=10),
            updated_at=now,
            submitted_at=None if status == "incomplete" else now,
        )
    ]
    for n in range(1, revision + 1):
        values = answers if n == revision or previous_answers is None else previous_answers
        rows.append(
            VisitRevision(
                visit_id=visit_id,
                revision=n,
                content_hash=hashlib.sha256(f"{visit_id}:{n}".encode()).hexdigest(),
                document=_document(assignment, n, started_at, finished_at, values, position_rows, photos),
                received_at=finished_at + timedelta(minutes=10 + n),
            )
        )
    rows += [
        Answer(
            visit_id=visit_id,
            indicator=indicator,
            value=None if value is NOT_APPLICABLE else value,
            not_applicable=value is NOT_APPLICABLE,
            note=(notes or {}).get(indicator),
            answered_at=started_at + timedelta(seconds=20),
        )
        for indicator, value in answers.items()
    ]
    rows += [Position(visit_id=visit_id, seq=seq, **position) for seq, position in enumerate(position_rows)]
    rows += photos
    rows += [_flag_row(visit_id, spec if isinstance(spec, FlagSpec) else FlagSpec(spec), photo_of) for spec in flags]
    async with make.app.state.session_factory() as session, session.begin():
        session.add(rows[0])
        await session.flush()
        session.add_all(rows[1:])
    return rows[0]


def _flag_row(visit_id: uuid.UUID, spec: FlagSpec, photo_of: dict[str, uuid.UUID]) -> Flag:
    return Flag(
        visit_id=visit_id,
        code=spec.code,
        severity=spec.severity,
        detail=spec.detail,
        facts=spec.facts,
        photo_id=photo_of[spec.on_photo_of] if spec.on_photo_of else None,
        computed_at=clock.now(),
    )


# --- a small world: two regions, their supervisors, an admin, a wave ------------------------------------------------


@dataclass
class Scene:
    wave: Wave
    instrument: Instrument
    admin: User
    surveyor: User
    region: Region
    other_region: Region
    agency: Agency
    other_agency: Agency
    supervisor: User
    other_supervisor: User
    units: list[Unit]
    """Units of ``agency`` in ``region``."""
    other_units: list[Unit]
    """Units of ``other_agency`` in ``other_region``."""

    async def assignment(self, make: Factory, unit: Unit) -> Assignment:
        return await make.assignment(wave=self.wave, unit=unit, surveyor=self.surveyor)

    async def another_wave(self, make: Factory, **kwargs: Any) -> Wave:
        """A second wave on the same instrument (an instrument version is stored once)."""
        async with make.app.state.session_factory() as session:
            instrument = await session.get_one(InstrumentRow, self.wave.instrument_id)
        return await make.wave(instrument=instrument, **kwargs)


async def a_scene(
    make: Factory,
    *,
    wave_status: str = "fieldwork",
    profile_key: str = "ombudsman-2021",
    units: int = 2,
    other_units: int = 1,
) -> Scene:
    region = await make.region(name="Kabupaten Cirebon")
    other_region = await make.region(name="Kota Cirebon", kind="city")
    agency = await make.agency(region=region, name="DPMPTSP")
    other_agency = await make.agency(region=other_region, name="Disdukcapil Kota")
    wave = await make.wave(status=wave_status, profile_key=profile_key)
    return Scene(
        wave=wave,
        instrument=await instrument_of(make, wave.id),
        admin=await make.user(role="admin"),
        surveyor=await make.user(role="surveyor"),
        region=region,
        other_region=other_region,
        agency=agency,
        other_agency=other_agency,
        supervisor=await make.user(role="supervisor", regions=[region]),
        other_supervisor=await make.user(role="supervisor", regions=[other_region]),
        units=[await make.unit(agency=agency) for _ in range(units)],
        other_units=[await make.unit(agency=other_agency, lat=-6.7063, lon=108.5571) for _ in range(other_units)],
    )
