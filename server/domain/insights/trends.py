"""Waves in period order, and what changed between two of them. Pure: plain values in and out.

Period order is by the start of the period, then its end, then the name (and id) so that the order is total. The
"previous" wave of a wave is the last wave of the same kind before it in that order: an internal self-assessment is
compared with the internal one before it, the Ombudsman's survey with the survey before it.

An indicator is *compliant* (fully met) when its score is 1. Between two waves, an indicator is newly compliant when
it was scored below 1 before and 1 after, newly failing when it went from 1 to below 1; other changes of a score
that stays below 1 are ``improved`` or ``declined``. Indicators without a score on either side (not applicable, not
asked, missing from one instrument) are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from server.domain.results.rollup import mean_score
from server.domain.results.scoring import ONE


class WaveLike(Protocol):
    @property
    def id(self) -> Any: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def period_start(self) -> date: ...
    @property
    def period_end(self) -> date: ...


W = TypeVar("W", bound=WaveLike)


def period_key(wave: WaveLike) -> tuple[date, date, str, str]:
    return wave.period_start, wave.period_end, wave.name, str(wave.id)


def in_period_order(waves: Iterable[W]) -> list[W]:
    return sorted(waves, key=period_key)


def previous_of_same_kind(wave: WaveLike, waves: Iterable[W]) -> W | None:
    """The last wave of ``wave``'s kind that comes before it in period order; None when it is the first."""
    earlier = [
        other
        for other in waves
        if other.kind == wave.kind and str(other.id) != str(wave.id) and period_key(other) < period_key(wave)
    ]
    return max(earlier, key=period_key, default=None)


def latest(waves: Iterable[W]) -> W | None:
    return max(waves, key=period_key, default=None)


def changes_since_previous_of_same_kind(points: Sequence[tuple[str, Decimal]]) -> list[Decimal | None]:
    """For (kind, reported score) points in period order: each score minus the one before it of the same kind."""
    last_by_kind: dict[str, Decimal] = {}
    changes: list[Decimal | None] = []
    for kind, score in points:
        before = last_by_kind.get(kind)
        changes.append(None if before is None else score - before)
        last_by_kind[kind] = score
    return changes


def mean_indicator_scores(visits: Iterable[Mapping[str, Decimal | None]]) -> dict[str, Decimal | None]:
    """Per indicator, the mean of the scores of a unit's approved visits in one wave (visits without a score for it
    do not count); None where no visit scored it."""
    by_indicator: dict[str, list[Decimal]] = {}
    for scores in visits:
        for indicator_id, score in scores.items():
            values = by_indicator.setdefault(indicator_id, [])
            if score is not None:
                values.append(score)
    return {indicator_id: mean_score(values) for indicator_id, values in by_indicator.items()}


@dataclass(frozen=True, slots=True)
class IndicatorChange:
    indicator: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True, slots=True)
class IndicatorChanges:
    newly_compliant: list[IndicatorChange]
    newly_failing: list[IndicatorChange]
    improved: list[IndicatorChange]
    """Better, but still not fully met."""
    declined: list[IndicatorChange]
    """Worse, and was not fully met before either."""
    unchanged: int
    """Indicators scored on both sides with the same score."""


def indicator_changes(
    before: Mapping[str, Decimal | None], after: Mapping[str, Decimal | None], order: Sequence[str]
) -> IndicatorChanges:
    """Compare two waves' indicator scores (0–1) for the indicators in ``order`` (the instrument's order)."""
    newly_compliant, newly_failing, improved, declined = [], [], [], []
    unchanged = 0
    for indicator_id in order:
        old, new = before.get(indicator_id), after.get(indicator_id)
        if old is None or new is None:
            continue
        change = IndicatorChange(indicator=indicator_id, before=old, after=new)
        if old == new:
            unchanged += 1
        elif new == ONE:
            newly_compliant.append(change)
        elif old == ONE:
            newly_failing.append(change)
        elif new > old:
            improved.append(change)
        else:
            declined.append(change)
    return IndicatorChanges(
        newly_compliant=newly_compliant,
        newly_failing=newly_failing,
        improved=improved,
        declined=declined,
        unchanged=unchanged,
    )
