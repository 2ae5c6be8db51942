"""Rolling approved visit totals up to units, agencies and regions."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.results.profiles import PROFILES
from server.domain.results.rollup import mean_score, roll_up
from server.domain.results.zoning import classify
from server.lib.errors import InvalidInput

VISIT_1, VISIT_2, VISIT_3, VISIT_4 = (uuid.UUID(int=n) for n in range(1, 5))


def test_the_mean_of_nothing_is_none_not_zero() -> None:
    assert mean_score([]) is None


def test_the_mean_keeps_full_precision() -> None:
    assert mean_score([Decimal(1), Decimal(0), Decimal(0)]) == Decimal(1) / Decimal(3)


def cirebon() -> dict[str, dict]:
    return {
        "totals": {
            "puskesmas-sumber": {VISIT_1: Decimal("80.00"), VISIT_2: Decimal("90.00")},
            "puskesmas-plumbon": {VISIT_3: Decimal("50.00")},
            "disdukcapil-loket": {VISIT_4: Decimal("70.00")},
        },
        "agency_by_unit": {
            "puskesmas-sumber": "dinkes",
            "puskesmas-plumbon": "dinkes",
            "disdukcapil-loket": "disdukcapil",
        },
        "region_by_agency": {"dinkes": "kab-cirebon", "disdukcapil": "kab-cirebon"},
    }


def test_a_unit_with_several_visits_scores_their_mean() -> None:
    data = cirebon()
    result = roll_up(data["totals"], data["agency_by_unit"], data["region_by_agency"])
    assert result.units["puskesmas-sumber"].score == Decimal(85)
    assert result.units["puskesmas-sumber"].visit_ids == (VISIT_1, VISIT_2)


def test_an_agency_is_the_mean_of_its_units_not_of_their_visits() -> None:
    data = cirebon()
    result = roll_up(data["totals"], data["agency_by_unit"], data["region_by_agency"])
    # units 85 and 50 → 67.5; the mean of the three visits would be 73.33.
    assert result.agencies["dinkes"].score == Decimal("67.5")
    assert result.agencies["dinkes"].members == ("puskesmas-plumbon", "puskesmas-sumber")
    assert result.agencies["dinkes"].visit_ids == (VISIT_1, VISIT_2, VISIT_3)


def test_a_region_is_the_mean_of_its_agencies_and_links_back_to_every_visit() -> None:
    data = cirebon()
    result = roll_up(data["totals"], data["agency_by_unit"], data["region_by_agency"])
    region = result.regions["kab-cirebon"]
    assert region.score == Decimal("68.75")  # (67.5 + 70) / 2
    assert region.members == ("dinkes", "disdukcapil")
    assert region.visit_ids == (VISIT_1, VISIT_2, VISIT_3, VISIT_4)


def test_rounding_happens_only_when_the_score_is_reported() -> None:
    totals = {"u1": {VISIT_1: Decimal("80.99")}, "u2": {VISIT_2: Decimal("81.00")}}
    result = roll_up(totals, {"u1": "a", "u2": "a"}, {"a": "r"})
    agency = result.agencies["a"]
    assert agency.score == Decimal("80.995")
    assert agency.reported == Decimal("81.00")
    assert classify(agency.score, PROFILES["ombudsman-2021"]).zone == "green"


def test_levels_are_not_rounded_before_they_are_averaged() -> None:
    # Agency a1 = 50.985 and a2 = 51.00 → region 50.9925 → 50.99, red. Rounding a1 to 50.99 first would
    # give (50.99 + 51.00) / 2 = 50.995 → 51.00, yellow.
    totals = {"u1": {VISIT_1: Decimal("50.98"), VISIT_2: Decimal("50.99")}, "u2": {VISIT_3: Decimal("51.00")}}
    result = roll_up(totals, {"u1": "a1", "u2": "a2"}, {"a1": "r", "a2": "r"})
    assert result.regions["r"].reported == Decimal("50.99")
    assert classify(result.regions["r"].score, PROFILES["ombudsman-2021"]).zone == "red"


def test_a_visit_without_a_total_contributes_nothing_and_an_empty_unit_is_left_out() -> None:
    totals = {"u1": {VISIT_1: Decimal("60.00"), VISIT_2: None}, "u2": {VISIT_3: None}, "u3": {}}
    result = roll_up(totals, {"u1": "a", "u2": "a", "u3": "a"}, {"a": "r"})
    assert result.units["u1"].visit_ids == (VISIT_1,)
    assert set(result.units) == {"u1"}
    assert result.agencies["a"].score == Decimal(60)


def test_a_unit_that_belongs_to_no_agency_is_refused() -> None:
    with pytest.raises(InvalidInput):
        roll_up({"u1": {VISIT_1: Decimal(70)}}, {}, {})


def test_an_agency_that_belongs_to_no_region_is_refused() -> None:
    with pytest.raises(InvalidInput):
        roll_up({"u1": {VISIT_1: Decimal(70)}}, {"u1": "a"}, {})


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=30))
def test_a_mean_lies_between_the_lowest_and_highest_score(scores: list[Decimal]) -> None:
    mean = mean_score(scores)
    assert mean is not None and min(scores) <= mean <= max(scores)
