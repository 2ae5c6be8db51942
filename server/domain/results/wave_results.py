"""From the places of a wave and its approved scores to classified results, unit by unit, agency by agency, region
by region (docs/contract.md, "Roll-up and results"). Pure: the use case reads the rows, this decides what they add up
to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from server.domain.results.profiles import Profile
from server.domain.results.rollup import RolledScore, RollUp, mean_score, roll_up
from server.domain.results.scoring import round_score
from server.domain.results.values import (
    AgencyResult,
    ApprovedScore,
    DimensionInfo,
    Id,
    RegionResult,
    Result,
    UnitPlace,
    UnitResult,
    WaveRecord,
    WaveResults,
)
from server.domain.results.zoning import classify


def build_results(
    wave: WaveRecord,
    profile: Profile,
    dimensions: list[DimensionInfo],
    places: Sequence[UnitPlace],
    scores: Iterable[ApprovedScore],
) -> WaveResults:
    place_by_unit = {place.unit_id: place for place in places}
    agency_by_unit = {place.unit_id: place.agency_id for place in places}
    region_by_agency = {place.agency_id: place.region_id for place in places}
    totals: dict[Id, dict[Id, Decimal | None]] = {}
    visit_dimensions: dict[Id, list[dict[str, Decimal | None]]] = {}
    for score in scores:
        if score.unit_id not in place_by_unit:
            continue  # its unit lost its assignment: it is no longer part of the wave
        totals.setdefault(score.unit_id, {})[score.visit_id] = score.total
        visit_dimensions.setdefault(score.unit_id, []).append(score.dimensions)
    overall = roll_up(totals, agency_by_unit, region_by_agency)
    dimension_ids = [d.id for d in dimensions]
    unit_dimensions = {unit_id: _mean_per_dimension(rows, dimension_ids) for unit_id, rows in visit_dimensions.items()}
    agency_dimensions = _mean_per_dimension_by_parent(unit_dimensions, agency_by_unit, dimension_ids)
    classified = _Classifier(
        profile,
        overall,
        {
            "units": unit_dimensions,
            "agencies": agency_dimensions,
            "regions": _mean_per_dimension_by_parent(agency_dimensions, region_by_agency, dimension_ids),
        },
    )

    units = sorted(
        (
            UnitResult(
                id=p.unit_id,
                name=p.unit_name,
                address=p.address,
                lat=p.lat,
                lon=p.lon,
                agency_id=p.agency_id,
                agency_name=p.agency_name,
                region_id=p.region_id,
                region_name=p.region_name,
                result=classified.result("units", p.unit_id),
            )
            for p in places
        ),
        key=lambda u: (u.region_name, u.agency_name, u.name, str(u.id)),
    )
    units_by_agency: dict[Id, list[Id]] = {}
    agencies_by_region: dict[Id, dict[Id, None]] = {}  # a dict keeps order and drops repeats
    for unit in units:
        units_by_agency.setdefault(unit.agency_id, []).append(unit.id)
        agencies_by_region.setdefault(unit.region_id, {})[unit.agency_id] = None
    agency_place = {place.agency_id: place for place in places}
    region_place = {place.region_id: place for place in places}
    agencies = [
        AgencyResult(
            id=agency_id,
            name=place.agency_name,
            region_id=place.region_id,
            region_name=place.region_name,
            unit_ids=tuple(unit_ids),
            result=classified.result("agencies", agency_id),
        )
        for agency_id, unit_ids in units_by_agency.items()
        if (place := agency_place[agency_id])
    ]
    regions = [
        RegionResult(
            id=region_id,
            name=region_place[region_id].region_name,
            code=region_place[region_id].region_code,
            agency_ids=tuple(agency_ids),
            result=classified.result("regions", region_id),
        )
        for region_id, agency_ids in agencies_by_region.items()
    ]
    return WaveResults(
        wave=wave,
        profile=profile,
        dimensions=dimensions,
        units=units,
        agencies=sorted(agencies, key=lambda a: (a.region_name, a.name, str(a.id))),
        regions=sorted(regions, key=lambda r: (r.name, str(r.id))),
    )


def _mean_per_dimension(
    rows: Iterable[dict[str, Decimal | None]], dimension_ids: list[str]
) -> dict[str, Decimal | None]:
    rows = list(rows)
    if len(rows) == 1:  # one visit (the usual case): its own scores, skipping a mean of one
        return {d_id: rows[0].get(d_id) for d_id in dimension_ids}
    return {d_id: mean_score(value for row in rows if (value := row.get(d_id)) is not None) for d_id in dimension_ids}


def _mean_per_dimension_by_parent(
    children: dict[Id, dict[str, Decimal | None]], parent_of: dict[Id, Id], dimension_ids: list[str]
) -> dict[Id, dict[str, Decimal | None]]:
    """Dimension by dimension, the same mean of means as ``roll_up`` does for totals (without tracking visits,
    which the totals' roll-up already does; four more roll-ups made a 5,000-unit wave twice as slow)."""
    grouped: dict[Id, list[dict[str, Decimal | None]]] = {}
    for child_id, values in children.items():
        grouped.setdefault(parent_of[child_id], []).append(values)
    return {parent_id: _mean_per_dimension(rows, dimension_ids) for parent_id, rows in grouped.items()}


class _Classifier:
    def __init__(
        self, profile: Profile, overall: RollUp[Id], dimensions: dict[str, dict[Id, dict[str, Decimal | None]]]
    ) -> None:
        self.profile = profile
        self.rolled = {"units": overall.units, "agencies": overall.agencies, "regions": overall.regions}
        self.dimensions = dimensions

    def result(self, level: str, entity_id: Id) -> Result | None:
        rolled: RolledScore[Id] | None = self.rolled[level].get(entity_id)
        if rolled is None:
            return None
        classification = classify(rolled.score, self.profile)
        return Result(
            score=classification.score,
            zone=classification.zone,
            grade=classification.grade,
            index=classification.index,
            label=classification.label,
            dimensions={
                d_id: None if value is None else round_score(value)
                for d_id, value in self.dimensions[level][entity_id].items()
            },
            visit_ids=rolled.visit_ids,
        )
