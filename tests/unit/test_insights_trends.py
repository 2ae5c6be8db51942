"""Waves in period order, the previous wave of the same kind, and indicators that changed between two waves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from server.domain.insights.trends import (
    changes_since_previous_of_same_kind,
    in_period_order,
    indicator_changes,
    latest,
    mean_indicator_scores,
    previous_of_same_kind,
)


@dataclass(frozen=True)
class W:
    id: str
    name: str
    kind: str
    period_start: date
    period_end: date


SURVEY_2019 = W("1", "Penilaian Kepatuhan 2019", "external", date(2019, 7, 1), date(2019, 9, 30))
INTERNAL_2020 = W("2", "Penilaian Internal 2020", "internal", date(2020, 3, 1), date(2020, 4, 30))
SURVEY_2020 = W("3", "Penilaian Kepatuhan 2020", "external", date(2020, 7, 1), date(2020, 9, 30))
INTERNAL_2021 = W("4", "Penilaian Internal 2021", "internal", date(2021, 3, 1), date(2021, 4, 30))
ALL = [SURVEY_2020, INTERNAL_2021, SURVEY_2019, INTERNAL_2020]


def test_waves_are_ordered_by_their_period():
    assert [w.id for w in in_period_order(ALL)] == ["1", "2", "3", "4"]
    assert latest(ALL) is INTERNAL_2021 and latest([]) is None


def test_waves_with_the_same_period_are_ordered_by_name():
    twin = W("5", "Penilaian Kepatuhan 2020 (ulang)", "external", SURVEY_2020.period_start, SURVEY_2020.period_end)

    assert in_period_order([twin, SURVEY_2020]) == [SURVEY_2020, twin]


def test_the_previous_wave_is_the_last_one_of_the_same_kind_before_it():
    assert previous_of_same_kind(SURVEY_2020, ALL) is SURVEY_2019
    assert previous_of_same_kind(INTERNAL_2021, ALL) is INTERNAL_2020
    assert previous_of_same_kind(SURVEY_2019, ALL) is None
    assert previous_of_same_kind(INTERNAL_2020, ALL) is None


def test_each_point_changes_against_the_last_point_of_its_own_kind():
    points = [
        ("external", Decimal("66.67")),
        ("internal", Decimal("100.00")),
        ("external", Decimal("75.00")),
        ("external", Decimal("70.50")),
    ]

    assert changes_since_previous_of_same_kind(points) == [None, None, Decimal("8.33"), Decimal("-4.50")]


def test_an_indicator_is_newly_compliant_failing_improved_or_declined_by_where_its_score_went():
    before = {
        "A1": Decimal(0),
        "A2": Decimal(1),
        "B1": Decimal(1) / 3,
        "B2": Decimal(2) / 3,
        "B3": Decimal(1),
        "C1": None,
        "C2": Decimal(0),
    }
    after = {
        "A1": Decimal(1),
        "A2": Decimal(0),
        "B1": Decimal(2) / 3,
        "B2": Decimal(1) / 3,
        "B3": Decimal(1),
        "C1": Decimal(1),
        "C3": Decimal(1),
    }

    changes = indicator_changes(before, after, ["A1", "A2", "B1", "B2", "B3", "C1", "C2", "C3"])

    assert [c.indicator for c in changes.newly_compliant] == ["A1"]
    assert [c.indicator for c in changes.newly_failing] == ["A2"]
    assert [c.indicator for c in changes.improved] == ["B1"]
    assert [c.indicator for c in changes.declined] == ["B2"]
    assert changes.unchanged == 1  # B3; C1 (not scored before), C2 and C3 (on one side only) are not compared


def test_the_indicator_scores_of_several_visits_are_averaged_leaving_out_the_ones_not_scored():
    visits = [{"A1": Decimal(1), "A2": None, "B1": Decimal(0)}, {"A1": Decimal(0), "A2": None, "B1": None}]

    assert mean_indicator_scores(visits) == {"A1": Decimal("0.5"), "A2": None, "B1": Decimal(0)}
