"""Roll approved visit totals up to units, agencies and regions (docs/contract.md, "Roll-up and results").

unit = mean of its approved visits' totals; agency = mean of its units; region = mean of its agencies. Means are
kept in full precision and rounded (half-up, 2 decimals) only when reported or classified, so that rounding once
per level does not drift a region across a zone boundary. Every rolled score carries the visits it came from.
A visit without a total (no applicable indicator) contributes nothing; a unit, agency or region with nothing to
average is left out rather than shown as 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from server.domain.results.scoring import round_score
from server.lib.errors import InvalidInput

K = TypeVar("K", bound=Hashable)
"""An id: of a visit, unit, agency or region (all of one kind, such as str or UUID, in one roll-up)."""


def mean_score(values: Iterable[Decimal]) -> Decimal | None:
    """Full-precision arithmetic mean; None for no values."""
    total, count = Decimal(0), 0
    for value in values:
        total += value
        count += 1
    return None if count == 0 else total / count


@dataclass(frozen=True)
class RolledScore(Generic[K]):
    score: Decimal
    """Full precision; use ``reported`` (or zoning.classify) for the 2-decimal figure."""
    visit_ids: tuple[K, ...]
    """Every visit whose total went into this score, sorted."""
    members: tuple[K, ...]
    """What was averaged: visit ids for a unit, unit ids for an agency, agency ids for a region; sorted."""

    @property
    def reported(self) -> Decimal:
        return round_score(self.score)


@dataclass(frozen=True)
class RollUp(Generic[K]):
    units: dict[K, RolledScore[K]]
    agencies: dict[K, RolledScore[K]]
    regions: dict[K, RolledScore[K]]


def roll_up(
    visit_totals_by_unit: Mapping[K, Mapping[K, Decimal | None]],
    agency_by_unit: Mapping[K, K],
    region_by_agency: Mapping[K, K],
) -> RollUp[K]:
    """``visit_totals_by_unit`` maps unit id → {approved visit id → visit total}; pass approved visits only."""
    units = _unit_scores(visit_totals_by_unit)
    agencies = _parent_scores(units, _parent_map(units, agency_by_unit, "unit", "agency"))
    regions = _parent_scores(agencies, _parent_map(agencies, region_by_agency, "agency", "region"))
    return RollUp(units=units, agencies=agencies, regions=regions)


def _sorted_ids(ids: Iterable[K]) -> tuple[K, ...]:
    # ids may be UUIDs or strings; str() gives one deterministic order for either.
    return tuple(sorted(ids, key=str))


def _unit_scores(
    visit_totals_by_unit: Mapping[K, Mapping[K, Decimal | None]],
) -> dict[K, RolledScore[K]]:
    units: dict[K, RolledScore[K]] = {}
    for unit_id, totals in visit_totals_by_unit.items():
        scored = {visit_id: total for visit_id, total in totals.items() if total is not None}
        score = mean_score(scored.values())
        if score is not None:
            visit_ids = _sorted_ids(scored)
            units[unit_id] = RolledScore(score=score, visit_ids=visit_ids, members=visit_ids)
    return units


def _parent_map(
    children: Mapping[K, RolledScore[K]],
    parent_by_child: Mapping[K, K],
    child_word: str,
    parent_word: str,
) -> dict[K, list[K]]:
    children_by_parent: dict[K, list[K]] = defaultdict(list)
    for child_id in children:
        if child_id not in parent_by_child:
            raise InvalidInput(f"The {child_word} {child_id} belongs to no {parent_word}.", field=child_word)
        children_by_parent[parent_by_child[child_id]].append(child_id)
    return children_by_parent


def _parent_scores(
    children: Mapping[K, RolledScore[K]], children_by_parent: Mapping[K, list[K]]
) -> dict[K, RolledScore[K]]:
    parents: dict[K, RolledScore[K]] = {}
    for parent_id, child_ids in children_by_parent.items():
        score = mean_score(children[child_id].score for child_id in child_ids)
        assert score is not None  # a parent appears here only through at least one scored child
        visit_ids = _sorted_ids(visit_id for child_id in child_ids for visit_id in children[child_id].visit_ids)
        parents[parent_id] = RolledScore(score=score, visit_ids=visit_ids, members=_sorted_ids(child_ids))
    return parents
