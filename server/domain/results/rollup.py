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

from server.domain.results.scoring import round_score
from server.lib.errors import InvalidInput


def mean_score(values: Iterable[Decimal]) -> Decimal | None:
    """Full-precision arithmetic mean; None for no values."""
    total, count = Decimal(0), 0
    for value in values:
        total += value
        count += 1
    return None if count == 0 else total / count


@dataclass(frozen=True)
class RolledScore:
    score: Decimal
    """Full precision; use ``reported`` (or zoning.classify) for the 2-decimal figure."""
    visit_ids: tuple[Hashable, ...]
    """Every visit whose total went into this score, sorted."""
    members: tuple[Hashable, ...]
    """What was averaged: visit ids for a unit, unit ids for an agency, agency ids for a region; sorted."""

    @property
    def reported(self) -> Decimal:
        return round_score(self.score)


@dataclass(frozen=True)
class RollUp:
    units: dict[Hashable, RolledScore]
    agencies: dict[Hashable, RolledScore]
    regions: dict[Hashable, RolledScore]


def roll_up(
    visit_totals_by_unit: Mapping[Hashable, Mapping[Hashable, Decimal | None]],
    agency_by_unit: Mapping[Hashable, Hashable],
    region_by_agency: Mapping[Hashable, Hashable],
) -> RollUp:
    """``visit_totals_by_unit`` maps unit id → {approved visit id → visit total}; pass approved visits only."""
    units = _unit_scores(visit_totals_by_unit)
    agencies = _parent_scores(units, _parent_map(units, agency_by_unit, "unit", "agency"))
    regions = _parent_scores(agencies, _parent_map(agencies, region_by_agency, "agency", "region"))
    return RollUp(units=units, agencies=agencies, regions=regions)


def _sorted_ids(ids: Iterable[Hashable]) -> tuple[Hashable, ...]:
    # ids may be UUIDs or strings; str() gives one deterministic order for either.
    return tuple(sorted(ids, key=str))


def _unit_scores(
    visit_totals_by_unit: Mapping[Hashable, Mapping[Hashable, Decimal | None]],
) -> dict[Hashable, RolledScore]:
    units: dict[Hashable, RolledScore] = {}
    for unit_id, totals in visit_totals_by_unit.items():
        scored = {visit_id: total for visit_id, total in totals.items() if total is not None}
        score = mean_score(scored.values())
        if score is not None:
            visit_ids = _sorted_ids(scored)
            units[unit_id] = RolledScore(score=score, visit_ids=visit_ids, members=visit_ids)
    return units


def _parent_map(
    children: Mapping[Hashable, RolledScore],
    parent_by_child: Mapping[Hashable, Hashable],
    child_word: str,
    parent_word: str,
) -> dict[Hashable, list[Hashable]]:
    children_by_parent: dict[Hashable, list[Hashable]] = defaultdict(list)
    for child_id in children:
        if child_id not in parent_by_child:
            raise InvalidInput(f"The {child_word} {child_id} belongs to no {parent_word}.", field=child_word)
        children_by_parent[parent_by_child[child_id]].append(child_id)
    return children_by_parent


def _parent_scores(
    children: Mapping[Hashable, RolledScore], children_by_parent: Mapping[Hashable, list[Hashable]]
) -> dict[Hashable, RolledScore]:
    parents: dict[Hashable, RolledScore] = {}
    for parent_id, child_ids in children_by_parent.items():
        score = mean_score(children[child_id].score for child_id in child_ids)
        assert score is not None  # a parent appears here only through at least one scored child
        visit_ids = _sorted_ids(visit_id for child_id in child_ids for visit_id in children[child_id].visit_ids)
        parents[parent_id] = RolledScore(score=score, visit_ids=visit_ids, members=_sorted_ids(child_ids))
    return parents
