"""The shapes of the results answers, and the classified fields that results, insights and review answers share.

Every score is a decimal string with exactly 2 decimals ("80.99", 0–100), the IPP ``index`` too ("4.05", 0–5);
null where nothing approved is behind it yet. ``zone`` is green|yellow|red (null for ``panrb-ipp``), ``zone_name``
its Indonesian name.

A classified figure is one base struct, ``ClassificationOut``, that every answer carrying a zone builds on. Its
fields are keyword-only and come after the fields of the struct built on it; they are filled by keyword from
``ClassifiedShaper.result_fields`` / ``scored_fields``, never by position, so a field in the wrong place cannot pass
silently (msgspec does not check types when a struct is built).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Protocol

import msgspec

from server.domain.instruments.documents import Text
from server.domain.results.profiles import Label
from server.domain.results.zoning import zone_name_id

IdText = Annotated[str, msgspec.Meta(extra_json_schema={"format": "uuid"})]


class ResultLabel(msgspec.Struct, gc=False):
    id: str
    en: str


class PlaceRef(msgspec.Struct, gc=False):
    id: IdText
    name: str


class ResultDimension(msgspec.Struct, gc=False):
    id: str
    title: Text
    weight: float


# --- the classified fields --------------------------------------------------------------------------------------


class ClassificationOut(msgspec.Struct, kw_only=True, gc=False):
    """How the profile classifies a score: zone, its Indonesian name, grade, IPP index and label."""

    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None


class ClassifiedResultOut(ClassificationOut, kw_only=True):
    """A result that may have nothing approved behind it yet (every field null then)."""

    score: str | None


class ScoredResultOut(ClassifiedResultOut, kw_only=True):
    """A result that is always scored (a ranked entry, a trend point)."""

    score: str
    label: ResultLabel


class ResultFields(msgspec.Struct, frozen=True, gc=False):
    """The classified fields of a result as the answers spell them, null while nothing is classified.

    The answer structs take them by keyword, one by one (``score=fields.score, …``): unpacking a dictionary into a
    msgspec struct (``**fields``) costs a microsecond more per entry, a third of the shaping of a 5,000-unit wave."""

    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None


class ScoredFields(msgspec.Struct, frozen=True, gc=False):
    """The classified fields of a result that is always scored."""

    score: str
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel


class Classified(Protocol):
    """A classified score as results (``values.Result``) and zoning (``zoning.Classification``) hold it."""

    @property
    def score(self) -> Decimal: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def grade(self) -> str | None: ...
    @property
    def index(self) -> Decimal | None: ...
    @property
    def label(self) -> Label: ...


UNCLASSIFIED = ResultFields(score=None, zone=None, zone_name=None, grade=None, index=None, label=None)


class ClassifiedShaper:
    """Shapes the classified fields; one ``ResultLabel`` per profile label, not one per unit of a large wave."""

    def __init__(self) -> None:
        self._labels: dict[Label, ResultLabel] = {}

    def label(self, label: Label) -> ResultLabel:
        shaped = self._labels.get(label)
        if shaped is None:
            shaped = self._labels[label] = ResultLabel(id=label.id, en=label.en)
        return shaped

    def result_fields(self, classified: Classified | None) -> ResultFields:
        if classified is None:
            return UNCLASSIFIED
        return ResultFields(
            score=str(classified.score),
            zone=classified.zone,
            zone_name=zone_name_id(classified.zone),
            grade=classified.grade,
            # Every figure here is already quantized to 2 decimals, so str() prints exactly two (and is cheaper).
            index=None if classified.index is None else str(classified.index),
            label=self.label(classified.label),
        )

    def scored_fields(self, classified: Classified) -> ScoredFields:
        return ScoredFields(
            score=str(classified.score),
            zone=classified.zone,
            zone_name=zone_name_id(classified.zone),
            grade=classified.grade,
            index=None if classified.index is None else str(classified.index),
            label=self.label(classified.label),
        )


def dimension_texts(dimensions: dict[str, Decimal | None]) -> dict[str, str | None]:
    return {key: None if value is None else str(value) for key, value in dimensions.items()}


# --- results of a wave ------------------------------------------------------------------------------------------


class ResultsWave(msgspec.Struct, gc=False):
    id: uuid.UUID
    name: str
    kind: str
    status: str
    profile_key: str
    profile_kind: str
    period_start: date
    period_end: date
    published_at: datetime | None


class UnitResultOut(ClassifiedResultOut):
    id: IdText
    name: str
    address: str
    lat: float | None
    lon: float | None
    agency: PlaceRef
    region: PlaceRef
    dimensions: dict[str, str | None]
    visit_ids: list[IdText]


class AgencyResultOut(ClassifiedResultOut):
    id: IdText
    name: str
    region: PlaceRef
    unit_ids: list[IdText]
    dimensions: dict[str, str | None]
    visit_ids: list[IdText]


class RegionResultOut(ClassifiedResultOut):
    id: IdText
    name: str
    code: str
    agency_ids: list[IdText]
    dimensions: dict[str, str | None]
    visit_ids: list[IdText]


class ResultsOut(msgspec.Struct, gc=False):
    wave: ResultsWave
    dimensions: list[ResultDimension]
    units: list[UnitResultOut]
    agencies: list[AgencyResultOut]
    regions: list[RegionResultOut]


class PublicUnitOut(ClassifiedResultOut):
    id: IdText
    name: str
    lat: float | None
    lon: float | None
    agency: PlaceRef
    region: PlaceRef
    dimensions: dict[str, str | None]


class PublicAgencyOut(ClassifiedResultOut):
    id: IdText
    name: str
    region: PlaceRef
    dimensions: dict[str, str | None]


class PublicRegionOut(ClassifiedResultOut):
    id: IdText
    name: str
    code: str
    dimensions: dict[str, str | None]


class PublicResultsOut(msgspec.Struct, gc=False):
    wave: ResultsWave
    dimensions: list[ResultDimension]
    units: list[PublicUnitOut]
    agencies: list[PublicAgencyOut]
    regions: list[PublicRegionOut]


class PublicWaveOut(msgspec.Struct, gc=False):
    id: uuid.UUID
    name: str
    profile_key: str
    period_start: date
    period_end: date
    published_at: datetime | None


class PublicationOut(msgspec.Struct, gc=False):
    wave: ResultsWave
    unreviewed_visits: int
    """Visits still incomplete or submitted when the wave was frozen; they do not count."""
