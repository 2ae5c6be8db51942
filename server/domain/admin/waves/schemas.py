"""Request bodies and answers of the waves and scoring-profiles routes, and how a stored wave becomes an answer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from server.domain.admin.schemas import UNSET, Name, Unset
from server.domain.admin.waves.queries import WaveView
from server.domain.instruments.documents import Version
from server.domain.results.profiles import Profile, profile_to_dict

ProfileKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class InstrumentVersionRef(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    version: Version


class Period(msgspec.Struct, forbid_unknown_fields=True):
    start: date
    end: date


class NewWave(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    instrument: InstrumentVersionRef
    period: Period
    kind: Literal["external", "internal"] = "external"
    profile_key: ProfileKey = "ombudsman-2021"
    profile: dict[str, Any] | None = None
    """An edited copy of the named profile (cut-offs, labels), when the published one needs correcting."""
    integrity_settings: dict[str, Any] | None = None


class WaveChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change. `name`, `period` and `integrity_settings` (merged over the stored ones) while the
    wave is in draft or fieldwork; `instrument`, `profile_key` and `profile` in draft only."""

    name: Name | Unset = UNSET
    period: Period | Unset = UNSET
    integrity_settings: dict[str, Any] | Unset = UNSET
    instrument: InstrumentVersionRef | Unset = UNSET
    profile_key: ProfileKey | Unset = UNSET
    profile: dict[str, Any] | Unset = UNSET
    """An edited copy of the profile named by `profile_key` (or of the wave's own, when no key is sent)."""


class WaveStatusChange(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["draft", "fieldwork", "review", "published"]


class ProfileLabel(msgspec.Struct):
    id: str
    en: str


class CutoffOut(msgspec.Struct):
    min: Annotated[str, msgspec.Meta(description="a decimal string such as '81.00': a value ≥ min gets this cut-off")]
    zone: Literal["green", "yellow", "red"] | None
    grade: str | None
    label: ProfileLabel


class ProfileOut(msgspec.Struct):
    key: str
    kind: Literal["zones", "grades", "ipp"]
    scale_max: Annotated[str, msgspec.Meta(description="'100' for a 0–100 total, '5' for the IPP index")]
    cutoffs: list[CutoffOut]


class WaveInstrument(msgspec.Struct):
    id: uuid.UUID
    key: str
    version: str
    title: str


class WaveOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    kind: str
    status: str
    instrument: WaveInstrument
    profile_key: str
    profile: dict[str, Any]
    period: Period
    integrity_settings: dict[str, Any]
    assignment_count: int
    published_at: datetime | None
    created_at: datetime


def wave_out(view: WaveView) -> WaveOut:
    wave, instrument = view.wave, view.instrument
    return WaveOut(
        id=wave.id,
        name=wave.name,
        kind=wave.kind,
        status=wave.status,
        instrument=WaveInstrument(
            id=instrument.id, key=instrument.key, version=instrument.version, title=instrument.title
        ),
        profile_key=wave.profile_key,
        profile=wave.profile,
        period=Period(start=wave.period_start, end=wave.period_end),
        integrity_settings=wave.integrity_settings,
        assignment_count=view.assignment_count,
        published_at=wave.published_at,
        created_at=wave.created_at,
    )


def profile_out(profile: Profile) -> ProfileOut:
    return msgspec.convert({**profile_to_dict(profile), "scale_max": str(profile.scale_max)}, type=ProfileOut)
