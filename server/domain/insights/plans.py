"""A unit's improvement plan: every indicator its visit did not fully meet, what fixing it is worth, and how.
Pure: the instrument, the visit's answers, its photo ids and the supervisors' comments in; the plan out.

The worth of an indicator is the points the visit's total would gain were it fully met
(``scoring.points_recoverable``: the dimension's share of the total times the indicator's share of its dimension
times what was missing). Indicators are grouped by dimension; dimensions and the indicators within each are ordered
by those points, most first, then in the instrument's order. The points of all items add up to 100 minus the
visit's unrounded total: fixing everything would make the unit score 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from server.domain.instruments.documents import Dimension, Indicator, Instrument, Text
from server.domain.results.scoring import ZERO, AnswerLike, points_recoverable, score_visit


@dataclass(frozen=True, slots=True)
class PlanComment:
    """A supervisor's comment on the indicator, from one review of the visit."""

    text: str
    decision: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class PlanItem:
    indicator: Indicator
    answer: AnswerLike | None
    answer_text: Text
    score: Decimal
    """0–1 as scored (after ``reverse``); below 1, or the indicator would not be in the plan."""
    points: Decimal
    """Points of the 0–100 total recovered by meeting it fully; full precision."""
    photo_ids: tuple[str, ...]
    comments: tuple[PlanComment, ...]


@dataclass(frozen=True, slots=True)
class PlanDimension:
    dimension: Dimension
    score: Decimal | None
    """The visit's 0–100 dimension score, full precision."""
    points: Decimal
    items: tuple[PlanItem, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    total: Decimal | None
    """The visit's total, rounded half-up to 2 decimals as reported."""
    points: Decimal
    """All items' points together, full precision."""
    dimensions: tuple[PlanDimension, ...]
    """Dimensions with at least one item, most points first."""


def improvement_plan(
    instrument: Instrument,
    answers: Iterable[AnswerLike],
    photo_ids: Mapping[str, Sequence[str]] | None = None,
    comments: Mapping[str, Sequence[PlanComment]] | None = None,
) -> Plan:
    answers = list(answers)
    scored = score_visit(instrument, answers)
    gains = points_recoverable(instrument, answers)
    answer_of = {answer.indicator: answer for answer in answers}
    photo_ids, comments = photo_ids or {}, comments or {}
    dimensions = []
    for position, dimension in enumerate(instrument.dimensions):
        items = [
            (
                index,
                PlanItem(
                    indicator=indicator,
                    answer=answer_of.get(indicator.id),
                    answer_text=answer_text(indicator, answer_of.get(indicator.id)),
                    score=scored.indicators.get(indicator.id) or ZERO,
                    points=gains[indicator.id],
                    photo_ids=tuple(photo_ids.get(indicator.id, ())),
                    comments=tuple(comments.get(indicator.id, ())),
                ),
            )
            for index, indicator in enumerate(dimension.indicators)
            if indicator.id in gains
        ]
        if items:
            items.sort(key=lambda pair: (-pair[1].points, pair[0]))
            points = sum((item.points for _, item in items), ZERO)
            dimensions.append(
                (
                    position,
                    PlanDimension(
                        dimension=dimension,
                        score=scored.dimensions.get(dimension.id),
                        points=points,
                        items=tuple(item for _, item in items),
                    ),
                )
            )
    dimensions.sort(key=lambda pair: (-pair[1].points, pair[0]))
    return Plan(
        total=scored.total,
        points=sum((d.points for _, d in dimensions), ZERO),
        dimensions=tuple(d for _, d in dimensions),
    )


def answer_text(indicator: Indicator, answer: AnswerLike | None) -> Text:
    """What was answered, in words a unit's head can read on a printed plan."""
    if answer is None or (answer.value is None and not answer.not_applicable):
        return Text(id="Tidak dijawab", en="Not answered")
    if answer.not_applicable:
        return Text(id="Tidak berlaku", en="Not applicable")
    value = answer.value
    if indicator.type == "yes_no":
        return Text(id="Ya", en="Yes") if value is True else Text(id="Tidak", en="No")
    if indicator.type == "scale_0_3":
        return Text(id=f"{_number(value)} dari 3", en=f"{_number(value)} of 3")
    if indicator.type == "choice":
        for choice in indicator.choices or []:
            if choice.value == value:
                return Text(id=choice.label.id, en=choice.label.en or choice.label.id)
    if indicator.type == "number":
        shown = f"{_number(value)} {indicator.unit}" if indicator.unit else _number(value)
        return Text(id=shown, en=shown)
    return Text(id=str(value), en=str(value))


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
