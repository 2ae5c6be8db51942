"""Rankings within a wave: standard competition ranking ("1, 2, 2, 4") on reported scores, and the most improved."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from server.domain.insights.rankings import competition_ranking, most_improved, points_gained

SCORES = {
    "Puskesmas Sumber": Decimal("90"),
    "Puskesmas Plered": Decimal("80"),
    "Puskesmas Weru": Decimal("80"),
    "Puskesmas Kedawung": Decimal("70"),
}


def standings_of(scores):
    return [
        (s.entry, s.rank, s.tied) for s in competition_ranking(scores, lambda name: scores[name], lambda name: (name,))
    ]


def test_equal_scores_share_a_rank_and_the_next_rank_skips_the_shared_places():
    assert standings_of(SCORES) == [
        ("Puskesmas Sumber", 1, False),
        ("Puskesmas Plered", 2, True),
        ("Puskesmas Weru", 2, True),
        ("Puskesmas Kedawung", 4, False),
    ]


def test_scores_that_read_the_same_once_rounded_are_a_tie():
    # 80.004 and 79.995 are both reported as 80.00: a reader could not tell them apart, so neither may be ahead.
    scores = {"Loket A": Decimal("80.004"), "Loket B": Decimal("79.995"), "Loket C": Decimal("79.994")}

    assert standings_of(scores) == [("Loket A", 1, True), ("Loket B", 1, True), ("Loket C", 3, False)]


def test_a_tie_is_listed_by_name_so_the_order_is_stable():
    scores = {"Zebra": Decimal(50), "Anggrek": Decimal(50), "Melati": Decimal(50)}

    assert standings_of(scores) == [("Anggrek", 1, True), ("Melati", 1, True), ("Zebra", 1, True)]


def test_nothing_to_rank_gives_no_standings():
    assert competition_ranking([], lambda entry: entry) == []


@given(st.lists(st.integers(min_value=0, max_value=20), max_size=30))
def test_a_rank_is_one_more_than_the_number_of_better_scores(values):
    scores = {f"unit {i}": Decimal(v) for i, v in enumerate(values)}

    standings = competition_ranking(scores, lambda name: scores[name], lambda name: (name,))

    for standing in standings:
        better = sum(1 for v in scores.values() if v > scores[standing.entry])
        same = sum(1 for v in scores.values() if v == scores[standing.entry])
        assert standing.rank == better + 1
        assert standing.tied == (same > 1)
    assert [s.value for s in standings] == sorted(scores.values(), reverse=True)


def test_points_gained_are_the_difference_of_the_reported_scores_of_units_scored_in_both_waves():
    now = {"u1": Decimal("75.005"), "u2": Decimal("60"), "u3": Decimal("40")}
    before = {"u1": Decimal("66.666"), "u2": Decimal("61.5"), "u4": Decimal("90")}

    # 75.005 → 75.01 and 66.666 → 66.67: the gain is 8.34, what a reader computes from the two figures shown
    assert points_gained(now, before) == {"u1": Decimal("8.34"), "u2": Decimal("-1.50")}


def test_the_most_improved_are_those_who_gained_most_with_ties_shared_and_decliners_left_out():
    gains = {
        "u1": Decimal("8.33"),
        "u2": Decimal("8.33"),
        "u3": Decimal("50"),
        "u4": Decimal("-5.56"),
        "u5": Decimal("0"),
    }
    names = {key: key.upper() for key in gains}

    improved = most_improved(gains, names, lambda name: (name,))

    assert [(s.entry, s.rank, s.tied, s.value) for s in improved] == [
        ("U3", 1, False, Decimal("50.00")),
        ("U1", 2, True, Decimal("8.33")),
        ("U2", 2, True, Decimal("8.33")),
    ]
