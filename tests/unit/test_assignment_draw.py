from __future__ import annotations

import itertools
import random
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.admin.assignments.draw import DrawSurveyor, DrawUnit, draw_assignments


def ids(n: int, salt: int = 0) -> list[uuid.UUID]:
    return [uuid.UUID(int=(salt << 64) + i + 1) for i in range(n)]


def some_units(n: int, agencies: int = 3) -> list[DrawUnit]:
    agency_ids = ids(agencies, salt=7)
    return [DrawUnit(id=unit_id, agency_id=agency_ids[i % agencies]) for i, unit_id in enumerate(ids(n, salt=1))]


def some_surveyors(n: int) -> list[DrawSurveyor]:
    return [DrawSurveyor(id=s_id) for s_id in ids(n, salt=2)]


def test_the_same_seed_gives_the_same_draw_whatever_the_input_order():
    units, surveyors = some_units(23), some_surveyors(4)
    shuffled_units, shuffled_surveyors = units[:], surveyors[:]
    random.Random(99).shuffle(shuffled_units)
    random.Random(98).shuffle(shuffled_surveyors)

    first = draw_assignments(units, surveyors, seed=2021)
    again = draw_assignments(shuffled_units, shuffled_surveyors, seed=2021)

    assert first == again


def test_a_text_seed_is_reproducible_too():
    units, surveyors = some_units(12), some_surveyors(3)

    assert draw_assignments(units, surveyors, "cirebon-2021") == draw_assignments(units, surveyors, "cirebon-2021")


def test_different_seeds_give_different_draws():
    units, surveyors = some_units(20), some_surveyors(4)

    draws = {draw_assignments(units, surveyors, seed).pairs for seed in range(5)}

    assert len(draws) > 1


def test_every_unit_goes_to_exactly_one_surveyor_and_loads_differ_by_at_most_one():
    units, surveyors = some_units(23), some_surveyors(4)

    draw = draw_assignments(units, surveyors, seed=1)

    assert sorted(unit_id for unit_id, _ in draw.pairs) == sorted(u.id for u in units)
    assert sorted(draw.loads.values()) == [5, 6, 6, 6]
    assert draw.unassignable == ()


def test_a_surveyor_never_gets_a_unit_or_agency_they_declared_a_conflict_with():
    units = some_units(12, agencies=3)
    conflicted_agency = units[0].agency_id
    conflicted_unit = units[1].id
    honest = DrawSurveyor(
        id=uuid.uuid4(),
        conflict_agency_ids=frozenset({conflicted_agency}),
        conflict_unit_ids=frozenset({conflicted_unit}),
    )
    surveyors = [honest, *some_surveyors(2)]

    for seed in range(20):
        draw = draw_assignments(units, surveyors, seed)
        taken_by_honest = {unit_id for unit_id, s_id in draw.pairs if s_id == honest.id}
        assert conflicted_unit not in taken_by_honest
        assert not taken_by_honest & {u.id for u in units if u.agency_id == conflicted_agency}
        assert sorted(draw.loads.values()) == [4, 4, 4]


def test_loads_are_evened_out_around_conflicts_when_greedy_would_not_be():
    # Six units of agency A, three of agency B; two surveyors may not take agency A. Balance needs the free surveyor
    # to take all of A while the others share B; any greedy pass that first gives the free one a B unit fails.
    agency_a, agency_b = uuid.uuid4(), uuid.uuid4()
    units = [DrawUnit(uuid.uuid4(), agency_a) for _ in range(6)] + [DrawUnit(uuid.uuid4(), agency_b) for _ in range(3)]
    free = DrawSurveyor(uuid.uuid4())
    bound = [DrawSurveyor(uuid.uuid4(), conflict_agency_ids=frozenset({agency_a})) for _ in range(2)]

    for seed in range(30):
        draw = draw_assignments(units, [free, *bound], seed)
        assert draw.loads[free.id] == 6
        assert sorted(draw.loads[s.id] for s in bound) == [1, 2]


def test_a_unit_nobody_may_take_is_reported_and_the_rest_are_drawn():
    units = some_units(5)
    blocked = units[2]
    surveyors = [DrawSurveyor(s_id, conflict_unit_ids=frozenset({blocked.id})) for s_id in ids(2, salt=3)]

    draw = draw_assignments(units, surveyors, seed=5)

    assert draw.unassignable == (blocked.id,)
    assert blocked.id not in {unit_id for unit_id, _ in draw.pairs}
    assert len(draw.pairs) == 4
    assert sorted(draw.loads.values()) == [2, 2]


def test_excluded_pairs_are_never_drawn():
    units, surveyors = some_units(6), some_surveyors(2)
    excluded = {(units[0].id, surveyors[0].id), (units[1].id, surveyors[1].id)}

    for seed in range(20):
        draw = draw_assignments(units, surveyors, seed, excluded=excluded)
        assert not set(draw.pairs) & excluded


def test_a_surveyor_who_gets_nothing_still_shows_a_load_of_zero():
    draw = draw_assignments(some_units(1), some_surveyors(3), seed=0)

    assert sorted(draw.loads.values()) == [0, 0, 1]


def _best_spread_and_max(units: list[DrawUnit], surveyors: list[DrawSurveyor]) -> tuple[int, int]:
    """Brute force over every assignment of the assignable units: the smallest spread and the smallest max load."""
    choices = [[s.id for s in surveyors if s.may_take(u)] for u in units]
    choices = [c for c in choices if c]
    best_spread, best_max = 10**9, 10**9
    for combination in itertools.product(*choices):
        loads = [combination.count(s.id) for s in surveyors]
        best_spread = min(best_spread, max(loads) - min(loads))
        best_max = min(best_max, max(loads))
    return best_spread, best_max


@settings(max_examples=150, deadline=None)
@given(
    unit_count=st.integers(0, 6),
    surveyor_count=st.integers(1, 3),
    conflict_bits=st.lists(st.booleans(), min_size=18, max_size=18),
    seed=st.integers(0, 2**32),
)
def test_the_draw_is_as_even_as_the_conflicts_allow(unit_count, surveyor_count, conflict_bits, seed):
    units = [DrawUnit(u_id, uuid.UUID(int=1)) for u_id in ids(unit_count, salt=1)]
    surveyors = [
        DrawSurveyor(s_id, conflict_unit_ids=frozenset(u.id for i, u in enumerate(units) if conflict_bits[s * 6 + i]))
        for s, s_id in enumerate(ids(surveyor_count, salt=2))
    ]

    draw = draw_assignments(units, surveyors, seed)

    loads = list(draw.loads.values())
    best_spread, best_max = _best_spread_and_max(units, surveyors)
    assert max(loads) == best_max
    assert (max(loads) - min(loads) <= 1) == (best_spread <= 1)
    by_id = {s.id: s for s in surveyors}
    assert all(by_id[s_id].may_take(next(u for u in units if u.id == unit_id)) for unit_id, s_id in draw.pairs)
    assert len(draw.pairs) + len(draw.unassignable) == unit_count
