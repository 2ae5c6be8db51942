"""What the insights use cases return: plain values the controllers shape and the exports write. Nothing here
touches the database, so the exports and the rules depend on no use case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from server.domain.insights.comparison import Agreement
from server.domain.insights.plans import Plan
from server.domain.insights.rankings import Standing
from server.domain.insights.trends import IndicatorChanges
from server.domain.instruments.documents import Dimension, Indicator
from server.domain.results.values import DimensionInfo, Result, WaveRecord
from server.domain.results.zoning import Classification

Level = Literal["unit", "agency", "region"]


class VisitRecord(Protocol):
    """What a plan reads of the stored visit it comes from."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def finished_at(self) -> datetime: ...


class AgencyRecord(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str | None: ...


class RegionRecord(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: uuid.UUID
    name: str
    address: str
    agency_id: uuid.UUID
    agency_name: str
    agency_kind: str | None
    region_id: uuid.UUID
    region_name: str
    region_timezone: str = "Asia/Jakarta"
    """The IANA zone the unit's times are read in."""


@dataclass(frozen=True, slots=True)
class WaveResult:
    wave: WaveRecord
    result: Result


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    unit: UnitInfo
    internal: WaveResult | None
    """The unit's result in the latest internal wave in which it has an approved visit."""
    external: WaveResult | None
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class Comparison:
    rows: list[ComparisonRow]


@dataclass(frozen=True, slots=True)
class Subject:
    level: Level
    id: uuid.UUID
    name: str
    agency: AgencyRecord | None
    region: RegionRecord
    address: str = ""
    """A unit's address; empty for an agency or region."""


@dataclass(frozen=True, slots=True)
class TrendPoint:
    wave: WaveRecord
    result: Result
    change: Decimal | None
    """Reported score minus that of the previous point of the same wave kind; None for the first of its kind."""


@dataclass(frozen=True, slots=True)
class Trend:
    subject: Subject
    dimensions: list[DimensionInfo]
    """The dimensions of the newest point's instrument (empty without points)."""
    points: list[TrendPoint]


@dataclass(frozen=True, slots=True)
class ChangedIndicators:
    unit: UnitInfo
    before: WaveResult | None
    after: WaveResult | None
    changes: IndicatorChanges | None
    """None unless the unit was scored in two waves."""
    indicators: dict[str, tuple[Dimension, Indicator]]
    """Every indicator of the later wave's instrument, with its dimension."""


@dataclass(frozen=True, slots=True)
class PlanVisit:
    visit: VisitRecord
    wave: WaveRecord
    classification: Classification | None
    approved_at: datetime | None
    approval_comment: str | None


@dataclass(frozen=True, slots=True)
class ImprovementPlan:
    unit: UnitInfo
    source: PlanVisit | None
    """The approved visit the plan comes from; None when the unit has none yet (and the plan is empty)."""
    plan: Plan | None


@dataclass(frozen=True, slots=True)
class RankingFilters:
    region_id: uuid.UUID | None = None
    agency_kind: str | None = None
    compare_to: uuid.UUID | None = None
    """The wave to measure improvement against; default: the previous wave of the same kind."""


@dataclass(frozen=True, slots=True)
class RankEntry:
    id: str
    name: str
    agency_id: str | None
    agency_name: str | None
    agency_kind: str | None
    region_id: str
    region_name: str
    result: Result | None
    previous: Result | None
    change: Decimal | None
    """Reported score minus the reported score in the wave compared with; None unless scored in both."""


@dataclass(frozen=True, slots=True)
class LevelRanking:
    ranked: list[Standing[RankEntry]]
    unscored: list[RankEntry]
    """In the wave (and the filters) but without an approved visit yet."""
    most_improved: list[Standing[RankEntry]]
    """Entries that gained points since the wave compared with, most points first (ranked like scores)."""


@dataclass(frozen=True, slots=True)
class Rankings:
    wave: WaveRecord
    previous_wave: WaveRecord | None
    filters: RankingFilters
    regions: list[tuple[str, str]]
    """(id, name) of every region in the wave the caller may see, for a filter."""
    agency_kinds: list[str]
    """Every agency kind in the wave the caller may see, for a filter."""
    units: LevelRanking
    agencies: LevelRanking
