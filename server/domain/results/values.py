"""What the results of a wave are made of: plain values that the use cases return, the roll-up builds and the
exports and answers read. Nothing here touches the database, so the rules and the exports depend on no use case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import msgspec

from server.domain.instruments.documents import Text
from server.domain.results.profiles import Label, Profile


class WaveRecord(Protocol):
    """What results and insights read of a stored wave (the database's row has these and more)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def profile_key(self) -> str: ...
    @property
    def period_start(self) -> date: ...
    @property
    def period_end(self) -> date: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def instrument_id(self) -> uuid.UUID: ...


Id = str
"""Ids are handled as their text (hyphenated UUID) in here: a results page rolls up thousands of units, and a str
hashes and sorts in C where a uuid.UUID does it in Python, which made the roll-up several times slower.

The records made per unit are msgspec structs without garbage-collector tracking (they form no cycles): with
thousands of units, tracked objects made the collector's passes a third of the request's time."""


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    id: str
    title: Text
    weight: float


class Result(msgspec.Struct, frozen=True, gc=False):
    score: Decimal
    """0–100, rounded half-up to 2 decimals: the figure that was classified."""
    zone: str | None
    grade: str | None
    index: Decimal | None
    label: Label
    dimensions: dict[str, Decimal | None]
    """Per dimension, 0–100 rounded to 2 decimals; None where no approved visit had an applicable indicator."""
    visit_ids: tuple[Id, ...]


class UnitResult(msgspec.Struct, frozen=True, gc=False):
    id: Id
    name: str
    address: str
    lat: float | None
    lon: float | None
    agency_id: Id
    agency_name: str
    region_id: Id
    region_name: str
    result: Result | None


class AgencyResult(msgspec.Struct, frozen=True, gc=False):
    id: Id
    name: str
    region_id: Id
    region_name: str
    unit_ids: tuple[Id, ...]
    """The agency's units in this wave (scored or not)."""
    result: Result | None


class RegionResult(msgspec.Struct, frozen=True, gc=False):
    id: Id
    name: str
    code: str
    agency_ids: tuple[Id, ...]
    result: Result | None


@dataclass(frozen=True, slots=True)
class WaveResults:
    wave: WaveRecord
    profile: Profile
    dimensions: list[DimensionInfo]
    units: list[UnitResult]
    agencies: list[AgencyResult]
    regions: list[RegionResult]


class UnitPlace(msgspec.Struct, frozen=True, gc=False):
    unit_id: Id
    unit_name: str
    address: str
    lat: float | None
    lon: float | None
    agency_id: Id
    agency_name: str
    region_id: Id
    region_name: str
    region_code: str


class ApprovedScore(msgspec.Struct, frozen=True, gc=False):
    visit_id: Id
    unit_id: Id
    total: Decimal | None
    dimensions: dict[str, Decimal | None]
