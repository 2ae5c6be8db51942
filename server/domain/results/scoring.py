"""Score one visit against its instrument (docs/contract.md, "Scoring"). Pure: plain values in, decimals out.

Indicator score s in [0, 1]: yes/no → 1/0; 0–3 scale → v/3; choice → its ``score`` / the highest score of its
choices, or, when its choices have no scores, index/(n − 1) in the order of ``choices`` (worst first); number → the
score of the first band whose ``max`` ≥ value (a band without ``max`` catches all); ``reverse`` turns s into 1 − s;
text is never scored.

An indicator *counts* when it is relevant, scored, has weight > 0 and is either answered or required:
- "not applicable" and unanswered optional indicators drop out of the denominator;
- an unanswered required indicator counts as 0. Validation refuses such visits before they can be approved, so this
  only guards against scoring a half-filled visit as if the missing answers did not exist.

Dimension score = 100 · Σ w·s / Σ w over its counting indicators; total = Σ Wd·Dd / Σ Wd over the dimensions that
have counting indicators, rounded half-up to 2 decimals. All arithmetic is Decimal; float weights go through str()
so 32.37 stays 32.37.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from server.domain.instruments.documents import Dimension, Indicator, Instrument
from server.lib.errors import InstrumentInvalid, VisitInvalid

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


class AnswerLike(Protocol):
    @property
    def indicator(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def not_applicable(self) -> bool: ...


@dataclass(frozen=True)
class VisitScore:
    total: Decimal | None
    """0–100, rounded half-up to 2 decimals; None when no dimension has a counting indicator."""
    dimensions: dict[str, Decimal | None]
    """0–100 in full precision; None for a dimension without counting indicators."""
    indicators: dict[str, Decimal | None]
    """0–1; None for N/A, text, unanswered optional or not relevant indicators. Unanswered required ones show 0."""


def round_score(value: Decimal) -> Decimal:
    """Half-up to 2 decimals, the rounding used for every reported score."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def as_decimal(number: float | int) -> Decimal:
    # Through str() so that a float weight of 32.37 becomes Decimal('32.37'), not its binary approximation.
    return Decimal(str(number))


def score_visit(instrument: Instrument, answers: Iterable[AnswerLike]) -> VisitScore:
    outcomes = _indicator_outcomes(instrument, answers)
    dimensions = {dimension.id: _dimension_score(_counting(dimension, outcomes)) for dimension in instrument.dimensions}
    total = _weighted_total(instrument, dimensions)
    return VisitScore(
        total=None if total is None else round_score(total),
        dimensions=dimensions,
        indicators={indicator_id: outcome.score for indicator_id, outcome in outcomes.items()},
    )


def points_recoverable(instrument: Instrument, answers: Iterable[AnswerLike]) -> dict[str, Decimal]:
    """Total points (0–100 scale, full precision) each counting, not fully met indicator would add if fully met.

    Making a counting indicator fully met changes no denominator, so its gain is exactly
    100 · (Wd / Σ Wd) · (w / Σ w in its dimension) · (1 − s). Indicators that would gain nothing are left out.
    """
    outcomes = _indicator_outcomes(instrument, answers)
    counting = {dimension.id: _counting(dimension, outcomes) for dimension in instrument.dimensions}
    scored_dimensions = [d for d in instrument.dimensions if _dimension_score(counting[d.id]) is not None]
    dimension_weight_sum = sum((as_decimal(d.weight) for d in scored_dimensions), ZERO)
    gains: dict[str, Decimal] = {}
    if dimension_weight_sum == 0:
        return gains
    for dimension in scored_dimensions:
        share = as_decimal(dimension.weight) / dimension_weight_sum
        indicator_weight_sum = sum((weight for _, weight, _ in counting[dimension.id]), ZERO)
        for indicator_id, weight, score in counting[dimension.id]:
            gain = HUNDRED * share * weight / indicator_weight_sum * (ONE - score)
            if gain > 0:
                gains[indicator_id] = gain
    return gains


@dataclass(frozen=True)
class _Outcome:
    score: Decimal | None
    counts: bool


def _indicator_outcomes(instrument: Instrument, answers: Iterable[AnswerLike]) -> dict[str, _Outcome]:
    indicators = instrument.indicators()
    answers_by_indicator = _answers_by_indicator(indicators, answers)
    relevance = _Relevance(indicators, answers_by_indicator)
    return {
        indicator_id: _outcome(indicator, answers_by_indicator.get(indicator_id), relevance.is_relevant(indicator_id))
        for indicator_id, indicator in indicators.items()
    }


def _answers_by_indicator(indicators: dict[str, Indicator], answers: Iterable[AnswerLike]) -> dict[str, AnswerLike]:
    by_indicator: dict[str, AnswerLike] = {}
    for answer in answers:
        # Both would make the score depend on something other than the answers themselves (order, stray data).
        if answer.indicator not in indicators:
            raise VisitInvalid(f"Answer to unknown indicator {answer.indicator!r}.", field="answers")
        if answer.indicator in by_indicator:
            raise VisitInvalid(f"Indicator {answer.indicator!r} is answered twice.", field="answers")
        by_indicator[answer.indicator] = answer
    return by_indicator


def _outcome(indicator: Indicator, answer: AnswerLike | None, is_relevant: bool) -> _Outcome:
    if not is_relevant or indicator.type == "text":
        return _Outcome(None, counts=False)
    weighted = indicator.weight > 0
    if answer is not None and answer.not_applicable:
        if not indicator.allow_na:
            raise VisitInvalid(f"Indicator {indicator.id!r} cannot be answered 'not applicable'.", field="answers")
        return _Outcome(None, counts=False)
    if answer is None or answer.value is None:
        return _Outcome(ZERO, counts=weighted) if indicator.required else _Outcome(None, counts=False)
    score = _value_score(indicator, answer.value)
    if indicator.reverse:
        score = ONE - score
    return _Outcome(score, counts=weighted)


def _value_score(indicator: Indicator, value: Any) -> Decimal:
    if indicator.type == "yes_no":
        if not isinstance(value, bool):
            raise _wrong_value(indicator, value, "true or false")
        return ONE if value else ZERO
    if indicator.type == "scale_0_3":
        if not _is_number(value) or value not in (0, 1, 2, 3):
            raise _wrong_value(indicator, value, "0, 1, 2 or 3")
        return as_decimal(value) / 3
    if indicator.type == "choice":
        return _choice_score(indicator, value)
    if indicator.type == "number":
        return _band_score(indicator, value)
    raise InstrumentInvalid(f"Indicator {indicator.id!r} has unknown type {indicator.type!r}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _wrong_value(indicator: Indicator, value: Any, expected: str) -> VisitInvalid:
    return VisitInvalid(f"Indicator {indicator.id!r} expects {expected}, got {value!r}.", field="answers")


def _choice_score(indicator: Indicator, value: Any) -> Decimal:
    values = [choice.value for choice in indicator.choices or []]
    if value not in values or not isinstance(value, str):
        raise _wrong_value(indicator, value, f"one of {values}")
    choices = indicator.choices or []
    best = max((as_decimal(choice.score) for choice in choices if choice.score is not None), default=None)
    if best is not None:
        points = next(choice.score for choice in choices if choice.value == value)
        return as_decimal(points or 0) / best if best > 0 else ZERO
    if len(values) == 1:
        return ONE  # the only choice is also the best one
    return Decimal(values.index(value)) / Decimal(len(values) - 1)


def _band_score(indicator: Indicator, value: Any) -> Decimal:
    if not _is_number(value):
        raise _wrong_value(indicator, value, "a number")
    number = as_decimal(value)
    for band in indicator.bands or []:
        if band.max is None or as_decimal(band.max) >= number:
            return as_decimal(band.score)
    raise InstrumentInvalid(
        f"Indicator {indicator.id!r} has no band for {value!r}; end the bands with one without 'max'."
    )


class _Relevance:
    """Whether each indicator was asked: its condition's indicator is itself relevant and answered ``equals``.

    Relevance is transitive so that a stale answer left behind a question that was later made irrelevant does not
    switch on its dependants.
    """

    def __init__(self, indicators: dict[str, Indicator], answers: dict[str, AnswerLike]) -> None:
        self._indicators = indicators
        self._answers = answers
        self._known: dict[str, bool] = {}
        self._visiting: set[str] = set()

    def is_relevant(self, indicator_id: str) -> bool:
        if indicator_id in self._known:
            return self._known[indicator_id]
        if indicator_id in self._visiting:
            raise InstrumentInvalid(f"The 'relevant' conditions around {indicator_id!r} form a cycle.")
        self._visiting.add(indicator_id)
        self._known[indicator_id] = self._condition_holds(self._indicators[indicator_id])
        self._visiting.discard(indicator_id)
        return self._known[indicator_id]

    def _condition_holds(self, indicator: Indicator) -> bool:
        condition = indicator.relevant
        if condition is None:
            return True
        if condition.indicator not in self._indicators:
            raise InstrumentInvalid(f"Indicator {indicator.id!r} depends on unknown {condition.indicator!r}.")
        if not self.is_relevant(condition.indicator):
            return False
        answer = self._answers.get(condition.indicator)
        if answer is None or answer.not_applicable:
            return False
        return _is_equal_answer(answer.value, condition.equals)


def _is_equal_answer(value: Any, expected: Any) -> bool:
    # In Python True == 1; a yes/no answer must not satisfy "equals 1", nor a 1 satisfy "equals true".
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    return bool(value == expected)


def _counting(dimension: Dimension, outcomes: dict[str, _Outcome]) -> list[tuple[str, Decimal, Decimal]]:
    """(indicator id, weight, score) of the dimension's indicators that count."""
    return [
        (indicator.id, as_decimal(indicator.weight), outcome.score)
        for indicator in dimension.indicators
        if (outcome := outcomes[indicator.id]).counts and outcome.score is not None
    ]


def _dimension_score(counting: list[tuple[str, Decimal, Decimal]]) -> Decimal | None:
    weight_sum = sum((weight for _, weight, _ in counting), ZERO)
    if weight_sum == 0:
        return None
    return HUNDRED * sum((weight * score for _, weight, score in counting), ZERO) / weight_sum


def _weighted_total(instrument: Instrument, dimensions: dict[str, Decimal | None]) -> Decimal | None:
    scored = [(as_decimal(d.weight), score) for d in instrument.dimensions if (score := dimensions[d.id]) is not None]
    weight_sum = sum((weight for weight, _ in scored), ZERO)
    if weight_sum == 0:
        return None
    return sum((weight * score for weight, score in scored), ZERO) / weight_sum
