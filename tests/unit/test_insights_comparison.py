"""Internal against external results: the difference in points and whether the zones disagree."""

from __future__ import annotations

from decimal import Decimal

from server.domain.insights.comparison import agreement, zone_steps_apart


def test_green_against_red_disagrees_and_the_difference_is_internal_minus_external():
    found = agreement(Decimal("88.58"), "green", Decimal("41.82"), "red")

    assert (found.difference, found.zone_steps, found.disagrees) == (Decimal("46.76"), 2, True)


def test_neighbouring_zones_do_not_disagree():
    for internal, external in (("green", "yellow"), ("yellow", "red"), ("red", "yellow"), ("yellow", "yellow")):
        assert not agreement(Decimal(70), internal, Decimal(60), external).disagrees, (internal, external)


def test_a_unit_rating_itself_lower_gets_a_negative_difference():
    assert agreement(Decimal("45.00"), "red", Decimal("90.10"), "green").difference == Decimal("-45.10")


def test_the_difference_is_that_of_the_reported_scores():
    # 80.005 is reported as 80.01 and 70.004 as 70.00: the difference shown must be 10.01
    assert agreement(Decimal("80.005"), "yellow", Decimal("70.004"), "yellow").difference == Decimal("10.01")


def test_without_zones_nothing_disagrees_but_the_points_are_still_compared():
    found = agreement(Decimal(90), None, Decimal(40), None)  # panrb-ipp has grades, not zones

    assert (found.difference, found.zone_steps, found.disagrees) == (Decimal("50.00"), None, False)
    assert zone_steps_apart("green", None) is None


def test_with_one_side_missing_there_is_nothing_to_compare():
    found = agreement(None, None, Decimal(60), "yellow")

    assert (found.difference, found.zone_steps, found.disagrees) == (None, None, False)
