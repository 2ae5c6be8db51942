"""Scoring a visit against an instrument (docs/contract.md, "Scoring"), on small instruments built here."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.instruments.documents import Instrument
from server.domain.results.scoring import VisitScore, points_recoverable, round_score, score_visit
from server.domain.visits.documents import Answer
from server.lib.errors import InstrumentInvalid, VisitInvalid

ANSWERED_AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
WAIT_BANDS = [{"max": 15, "score": 1}, {"max": 30, "score": 0.67}, {"max": 60, "score": 0.33}, {"score": 0}]
SERVICE_CHOICES = ["none", "unit", "mpp"]


def an_indicator(indicator_id: str, type_: str = "yes_no", weight: float = 1, **fields: Any) -> dict[str, Any]:
    indicator = {"id": indicator_id, "text": {"id": f"Indikator {indicator_id}"}, "type": type_, "weight": weight}
    if type_ == "choice":
        indicator["choices"] = [{"value": value, "label": {"id": value}} for value in SERVICE_CHOICES]
    if type_ == "number":
        indicator["bands"] = WAIT_BANDS
    return indicator | fields


def a_dimension(dimension_id: str, weight: float, *indicators: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": dimension_id,
        "title": {"id": f"Dimensi {dimension_id}"},
        "weight": weight,
        "indicators": list(indicators),
    }


def an_instrument(*dimensions: dict[str, Any]) -> Instrument:
    return msgspec.convert(
        {"key": "uji", "version": "1", "title": {"id": "Uji"}, "dimensions": list(dimensions)}, Instrument
    )


def answered(indicator_id: str, value: Any) -> Answer:
    return Answer(indicator=indicator_id, value=value, answered_at=ANSWERED_AT)


def not_applicable(indicator_id: str) -> Answer:
    return Answer(indicator=indicator_id, not_applicable=True, answered_at=ANSWERED_AT)


def one_indicator(type_: str, **fields: Any) -> Instrument:
    return an_instrument(a_dimension("A", 1, an_indicator("A01", type_, **fields)))


# --- indicator types -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(True, Decimal(1)), (False, Decimal(0))])
def test_yes_no_scores_one_for_yes_and_zero_for_no(value: bool, expected: Decimal) -> None:
    assert score_visit(one_indicator("yes_no"), [answered("A01", value)]).indicators["A01"] == expected


@pytest.mark.parametrize("value", [0, 1, 2, 3])
def test_a_0_3_scale_scores_a_third_per_step(value: int) -> None:
    result = score_visit(one_indicator("scale_0_3"), [answered("A01", value)])
    assert result.indicators["A01"] == Decimal(value) / Decimal(3)
    assert result.total == round_score(Decimal(100) * value / 3)


@pytest.mark.parametrize(("value", "expected"), [("none", Decimal(0)), ("unit", Decimal("0.5")), ("mpp", Decimal(1))])
def test_a_choice_scores_by_its_place_from_worst_to_best(value: str, expected: Decimal) -> None:
    assert score_visit(one_indicator("choice"), [answered("A01", value)]).indicators["A01"] == expected


@pytest.mark.parametrize(
    ("wait_min", "expected"),
    [
        (0, "1"),
        (15, "1"),
        (15.5, "0.67"),
        (30, "0.67"),
        (31, "0.33"),
        (60, "0.33"),
        (61, "0"),
        (10_000, "0"),
    ],
)
def test_a_number_takes_the_score_of_the_first_band_it_fits_under(wait_min: float, expected: str) -> None:
    result = score_visit(one_indicator("number", unit="min"), [answered("A01", wait_min)])
    assert result.indicators["A01"] == Decimal(expected)


def test_a_number_beyond_every_band_is_an_instrument_error() -> None:
    instrument = one_indicator("number", bands=[{"max": 15, "score": 1}])
    with pytest.raises(InstrumentInvalid):
        score_visit(instrument, [answered("A01", 16)])


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("yes_no", True, Decimal(0)),
        ("yes_no", False, Decimal(1)),
        ("scale_0_3", 1, Decimal(2) / Decimal(3)),
        ("choice", "mpp", Decimal(0)),
        ("number", 20, Decimal("0.33")),
    ],
)
def test_a_reverse_indicator_scores_one_minus_its_plain_score(type_: str, value: Any, expected: Decimal) -> None:
    result = score_visit(one_indicator(type_, reverse=True), [answered("A01", value)])
    assert result.indicators["A01"] == expected


def test_asked_for_an_unofficial_payment_lowers_the_total() -> None:
    instrument = an_instrument(a_dimension("C", 1, an_indicator("C01"), an_indicator("C02", reverse=True)))
    honest = score_visit(instrument, [answered("C01", True), answered("C02", False)])
    asked = score_visit(instrument, [answered("C01", True), answered("C02", True)])
    assert honest.total == Decimal("100.00")
    assert asked.total == Decimal("50.00")


def test_text_is_never_scored_and_does_not_change_the_total() -> None:
    instrument = an_instrument(a_dimension("C", 1, an_indicator("C01"), an_indicator("C10", "text", weight=0)))
    result = score_visit(instrument, [answered("C01", False), answered("C10", "Antre panjang, loket 2 tutup")])
    assert result.indicators["C10"] is None
    assert result.total == Decimal("0.00")


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("yes_no", 1),
        ("yes_no", "ya"),
        ("scale_0_3", 4),
        ("scale_0_3", 1.5),
        ("scale_0_3", True),
        ("choice", "kantor"),
        ("number", "20"),
        ("number", False),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_rather_than_guessed(type_: str, value: Any) -> None:
    with pytest.raises(VisitInvalid):
        score_visit(one_indicator(type_), [answered("A01", value)])


# --- what counts ---------------------------------------------------------------------------------------------------


def test_not_applicable_drops_out_of_the_denominator() -> None:
    instrument = an_instrument(
        a_dimension("B", 1, an_indicator("B01", weight=3), an_indicator("B04", weight=1, allow_na=True))
    )
    result = score_visit(instrument, [answered("B01", True), not_applicable("B04")])
    assert result.indicators["B04"] is None
    assert result.dimensions["B"] == Decimal(100)
    assert result.total == Decimal("100.00")


def test_not_applicable_where_the_indicator_does_not_allow_it_is_refused() -> None:
    with pytest.raises(VisitInvalid):
        score_visit(one_indicator("yes_no"), [not_applicable("A01")])


def test_a_dimension_with_everything_not_applicable_drops_out_of_the_total() -> None:
    instrument = an_instrument(
        a_dimension("A", 60, an_indicator("A01", allow_na=True)),
        a_dimension("B", 40, an_indicator("B01")),
    )
    result = score_visit(instrument, [not_applicable("A01"), answered("B01", False)])
    assert result.dimensions["A"] is None
    assert result.total == Decimal("0.00")


def test_a_visit_with_nothing_applicable_has_no_total_rather_than_zero() -> None:
    instrument = an_instrument(a_dimension("A", 1, an_indicator("A01", allow_na=True)))
    assert score_visit(instrument, [not_applicable("A01")]).total is None


def test_an_unanswered_optional_indicator_drops_out() -> None:
    instrument = an_instrument(a_dimension("A", 1, an_indicator("A01"), an_indicator("A02", required=False)))
    result = score_visit(instrument, [answered("A01", True)])
    assert result.indicators["A02"] is None
    assert result.total == Decimal("100.00")


def test_an_unanswered_required_indicator_counts_as_zero() -> None:
    instrument = an_instrument(a_dimension("A", 1, an_indicator("A01"), an_indicator("A02")))
    result = score_visit(instrument, [answered("A01", True)])
    assert result.indicators["A02"] == Decimal(0)
    assert result.total == Decimal("50.00")


def test_an_indicator_whose_condition_is_not_met_drops_out() -> None:
    instrument = an_instrument(
        a_dimension(
            "B",
            1,
            an_indicator("B04"),
            an_indicator("B05", relevant={"indicator": "B04", "equals": True}),
        )
    )
    result = score_visit(instrument, [answered("B04", False), answered("B05", False)])
    assert result.indicators["B05"] is None
    assert result.total == Decimal("0.00")


def test_an_indicator_whose_condition_is_met_counts() -> None:
    instrument = an_instrument(
        a_dimension(
            "B",
            1,
            an_indicator("B04"),
            an_indicator("B05", relevant={"indicator": "B04", "equals": True}),
        )
    )
    result = score_visit(instrument, [answered("B04", True), answered("B05", False)])
    assert result.indicators["B05"] == Decimal(0)
    assert result.total == Decimal("50.00")


def test_relevance_follows_a_chain_of_conditions() -> None:
    instrument = an_instrument(
        a_dimension(
            "B",
            1,
            an_indicator("B01"),
            an_indicator("B02", relevant={"indicator": "B01", "equals": True}),
            an_indicator("B03", relevant={"indicator": "B02", "equals": True}),
        )
    )
    # B02 keeps a stale "yes" from before B01 was changed to "no": B03 must not be switched on by it.
    result = score_visit(instrument, [answered("B01", False), answered("B02", True), answered("B03", False)])
    assert result.indicators["B02"] is None
    assert result.indicators["B03"] is None


def test_a_yes_answer_does_not_meet_a_condition_on_the_number_one() -> None:
    instrument = an_instrument(
        a_dimension("A", 1, an_indicator("A01"), an_indicator("A02", relevant={"indicator": "A01", "equals": 1}))
    )
    result = score_visit(instrument, [answered("A01", True), answered("A02", False)])
    assert result.indicators["A02"] is None


def test_a_weight_zero_indicator_shows_its_score_but_does_not_count() -> None:
    instrument = an_instrument(a_dimension("A", 1, an_indicator("A01"), an_indicator("A02", weight=0)))
    result = score_visit(instrument, [answered("A01", True), answered("A02", False)])
    assert result.indicators["A02"] == Decimal(0)
    assert result.total == Decimal("100.00")


def test_answers_to_unknown_or_repeated_indicators_are_refused() -> None:
    instrument = one_indicator("yes_no")
    with pytest.raises(VisitInvalid):
        score_visit(instrument, [answered("A01", True), answered("Z99", True)])
    with pytest.raises(VisitInvalid):
        score_visit(instrument, [answered("A01", True), answered("A01", False)])


# --- weights and rounding ------------------------------------------------------------------------------------------


def hand_example() -> tuple[Instrument, list[Answer]]:
    instrument = an_instrument(
        a_dimension(
            "A",
            21.85,
            an_indicator("A01", weight=2),
            an_indicator("A02", "scale_0_3", weight=3),
            an_indicator("A03", "number", weight=1),
        ),
        a_dimension(
            "B",
            32.37,
            an_indicator("B01", "choice", weight=1),
            an_indicator("B02", weight=3, reverse=True),
            an_indicator("B03", weight=2, allow_na=True),
        ),
        a_dimension("C", 24.24, an_indicator("C10", "text", weight=0)),
    )
    answers = [
        answered("A01", True),
        answered("A02", 2),
        answered("A03", 20),
        answered("B01", "unit"),
        answered("B02", True),
        not_applicable("B03"),
        answered("C10", "catatan"),
    ]
    return instrument, answers


def test_a_visit_scored_by_hand_gives_the_same_figures() -> None:
    # A = 100·(2·1 + 3·2/3 + 1·0.67)/6 = 467/6 = 77.8333…; B = 100·(1·0.5 + 3·0)/4 = 12.5 (B03 N/A);
    # C has only text, so it leaves the total: (21.85·77.8333… + 32.37·12.5)/(21.85 + 32.37) = 38.8285… → 38.83.
    instrument, answers = hand_example()
    result = score_visit(instrument, answers)
    assert result.dimensions == {"A": Decimal(467) / Decimal(6), "B": Decimal("12.5"), "C": None}
    assert result.total == Decimal("38.83")


def test_the_total_is_rounded_half_up_to_two_decimals() -> None:
    instrument = an_instrument(
        a_dimension("A", 1, an_indicator("A01", weight=80.995), an_indicator("A02", weight=19.005))
    )
    result = score_visit(instrument, [answered("A01", True), answered("A02", False)])
    assert result.dimensions["A"] == Decimal("80.995")
    assert result.total == Decimal("81.00")


def test_float_weights_are_taken_at_their_written_value() -> None:
    # 0.1 + 0.2 in binary floats is not 0.3; through str() the weights are exactly 0.1 and 0.2.
    instrument = an_instrument(a_dimension("A", 0.1, an_indicator("A01")), a_dimension("B", 0.2, an_indicator("B01")))
    result = score_visit(instrument, [answered("A01", True), answered("B01", False)])
    assert result.total == Decimal("33.33")


# --- points recoverable ------------------------------------------------------------------------------------------


def test_points_recoverable_are_what_fully_meeting_each_indicator_would_add() -> None:
    instrument, answers = hand_example()
    gains = points_recoverable(instrument, answers)
    assert set(gains) == {"A02", "A03", "B01", "B02"}  # A01 is met; B03 is N/A; C10 is text
    for indicator_id, gain in gains.items():
        fixed = [a if a.indicator != indicator_id else _fully_met(instrument, a) for a in answers]
        before = score_visit(instrument, answers)
        after = score_visit(instrument, fixed)
        assert abs(gain - (_unrounded_total(after) - _unrounded_total(before))) < Decimal("1e-20")


def test_points_recoverable_add_up_to_what_is_missing_from_one_hundred() -> None:
    instrument, answers = hand_example()
    missing = sum(points_recoverable(instrument, answers).values(), Decimal(0))
    assert abs(missing - (Decimal(100) - _unrounded_total(score_visit(instrument, answers)))) < Decimal("1e-20")


def test_a_fully_compliant_visit_has_nothing_to_recover() -> None:
    instrument = an_instrument(a_dimension("A", 1, an_indicator("A01"), an_indicator("A02", "scale_0_3")))
    assert points_recoverable(instrument, [answered("A01", True), answered("A02", 3)]) == {}


def _fully_met(instrument: Instrument, answer: Answer) -> Answer:
    indicator = instrument.indicators()[answer.indicator]
    best: dict[str, Any] = {"yes_no": True, "scale_0_3": 3, "choice": SERVICE_CHOICES[-1], "number": 0}
    worst: dict[str, Any] = {"yes_no": False, "scale_0_3": 0, "choice": SERVICE_CHOICES[0], "number": 1000}
    return answered(answer.indicator, (worst if indicator.reverse else best)[indicator.type])


def _unrounded_total(score: VisitScore) -> Decimal:
    # Recomputed from the full-precision dimensions so the comparison is not blurred by rounding twice.
    instrument, _ = hand_example()
    weights = {d.id: Decimal(str(d.weight)) for d in instrument.dimensions}
    scored = {k: v for k, v in score.dimensions.items() if v is not None}
    return sum((weights[k] * v for k, v in scored.items()), Decimal(0)) / sum(weights[k] for k in scored)


# --- properties ------------------------------------------------------------------------------------------------

INDICATOR_TYPES = ["yes_no", "scale_0_3", "choice", "number", "text"]


@st.composite
def instruments_with_answers(draw: st.DrawFn) -> tuple[Instrument, list[Answer]]:
    dimensions, answers = [], []
    for d in range(draw(st.integers(1, 4))):
        indicators = []
        for i in range(draw(st.integers(1, 5))):
            indicator_id = f"D{d}I{i}"
            type_ = draw(st.sampled_from(INDICATOR_TYPES))
            required, allow_na = draw(st.booleans()), draw(st.booleans())
            weight = 0 if type_ == "text" else draw(st.integers(0, 500)) / 100
            indicators.append(
                an_indicator(
                    indicator_id,
                    type_,
                    weight=weight,
                    required=required,
                    allow_na=allow_na,
                    reverse=draw(st.booleans()),
                )
            )
            answer = draw(_an_answer(indicator_id, type_, required, allow_na))
            if answer is not None:
                answers.append(answer)
        dimensions.append(a_dimension(f"D{d}", draw(st.integers(0, 10_000)) / 100, *indicators))
    return an_instrument(*dimensions), answers


def _an_answer(indicator_id: str, type_: str, required: bool, allow_na: bool) -> st.SearchStrategy[Answer | None]:
    values: dict[str, st.SearchStrategy[Any]] = {
        "yes_no": st.booleans(),
        "scale_0_3": st.integers(0, 3),
        "choice": st.sampled_from(SERVICE_CHOICES),
        "number": st.floats(0, 500, allow_nan=False),
        "text": st.text(max_size=20),
    }
    options = [values[type_].map(lambda value: answered(indicator_id, value))]
    if allow_na:
        options.append(st.just(not_applicable(indicator_id)))
    if not required:
        options.append(st.none())
    return st.one_of(options)


@settings(max_examples=300, deadline=None)
@given(instruments_with_answers())
def test_every_score_stays_within_its_range(case: tuple[Instrument, list[Answer]]) -> None:
    result = score_visit(*case)
    assert result.total is None or Decimal(0) <= result.total <= Decimal(100)
    assert all(d is None or Decimal(0) <= d <= Decimal(100) for d in result.dimensions.values())
    assert all(s is None or Decimal(0) <= s <= Decimal(1) for s in result.indicators.values())


@settings(max_examples=300, deadline=None)
@given(instruments_with_answers(), st.data())
def test_making_a_non_compliant_yes_no_compliant_never_lowers_the_total(
    case: tuple[Instrument, list[Answer]], data: st.DataObject
) -> None:
    instrument, answers = case
    indicators = instrument.indicators()
    non_compliant = [
        a
        for a in answers
        if indicators[a.indicator].type == "yes_no"
        and not a.not_applicable
        and a.value is indicators[a.indicator].reverse
    ]
    if not non_compliant:
        return
    target = data.draw(st.sampled_from(non_compliant))
    fixed = [answered(a.indicator, not a.value) if a is target else a for a in answers]
    before, after = score_visit(instrument, answers), score_visit(instrument, fixed)
    assert after.indicators[target.indicator] == Decimal(1)
    if before.total is not None:
        assert after.total is not None and after.total >= before.total


@settings(max_examples=200, deadline=None)
@given(instruments_with_answers(), st.randoms(use_true_random=False))
def test_the_order_of_answers_does_not_change_the_score(
    case: tuple[Instrument, list[Answer]], rng: random.Random
) -> None:
    instrument, answers = case
    shuffled = list(answers)
    rng.shuffle(shuffled)
    assert score_visit(instrument, shuffled) == score_visit(instrument, answers)
