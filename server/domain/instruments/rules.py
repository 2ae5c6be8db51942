"""Structural rules of an instrument that its msgspec types cannot express (docs/contract.md, "The instrument").

``check_instrument`` lists every problem at once, each with the path of the offending field, so that an admin can fix
a checklist in one pass. Decisions taken here, beyond the obvious ones:

- A ``text`` indicator is never scored, so its weight must be 0 and it cannot be reversed; it may still ask for a
  photo (a narrative may well come with a picture of the queue).
- A ``number`` indicator with weight > 0 needs bands; bands, when given, must have strictly increasing ``max`` and
  end with exactly one catch-all band (no ``max``), so every value finds a band.
- A dimension whose indicators all weigh 0 (e.g. free-text notes) is allowed only with dimension weight 0, and a
  dimension with weight 0 may hold only such indicators: anything else is a weight that silently never counts.
  At least one dimension must carry weight.
- The choices of a ``choice`` indicator are scored all or none (by order then, worst first); a weighted one needs a
  choice with points. A ``yes_no`` indicator may carry its own wording as exactly two choices scored 1 and 0.
- ``relevant`` may only point at an indicator that comes earlier in the instrument, and its ``equals`` must be a
  value that indicator can take (true/false, 0–3, one of the choices, a number, a text).
- ``unit`` belongs to ``number`` indicators only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from server.domain.instruments.documents import Condition, Dimension, Indicator, Instrument
from server.lib.errors import InstrumentInvalid


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def check_instrument(doc: Instrument) -> None:
    """Raise ``InstrumentInvalid`` naming the first offending field and listing all problems."""
    problems = list(instrument_problems(doc))
    if problems:
        raise invalid_instrument(problems)


def invalid_instrument(problems: list[Problem]) -> InstrumentInvalid:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return InstrumentInvalid(
        f"{first.field}: {first.message}{more}",
        field=first.field,
        errors=[{"field": p.field, "message": p.message} for p in problems],
    )


def instrument_problems(doc: Instrument) -> Iterator[Problem]:
    yield from _duplicate_dimension_ids(doc)
    yield from _duplicate_indicator_ids(doc)
    yield from _dimension_weight_problems(doc)
    yield from _metadata_problems(doc)
    earlier: dict[str, Indicator] = {}
    for d, dimension in enumerate(doc.dimensions):
        for i, indicator in enumerate(dimension.indicators):
            path = f"dimensions[{d}].indicators[{i}]"
            yield from _indicator_problems(indicator, path)
            if indicator.relevant is not None:
                yield from _relevant_problems(indicator, indicator.relevant, earlier, f"{path}.relevant")
            earlier.setdefault(indicator.id, indicator)


def _duplicate_dimension_ids(doc: Instrument) -> Iterator[Problem]:
    seen: set[str] = set()
    for d, dimension in enumerate(doc.dimensions):
        if dimension.id in seen:
            yield Problem(f"dimensions[{d}].id", f"dimension id {dimension.id!r} is used twice")
        seen.add(dimension.id)


def _duplicate_indicator_ids(doc: Instrument) -> Iterator[Problem]:
    # Answers name indicators by id alone, so ids must be unique across the whole instrument, not per dimension.
    seen: set[str] = set()
    for d, dimension in enumerate(doc.dimensions):
        for i, indicator in enumerate(dimension.indicators):
            if indicator.id in seen:
                yield Problem(f"dimensions[{d}].indicators[{i}].id", f"indicator id {indicator.id!r} is used twice")
            seen.add(indicator.id)


def _metadata_problems(doc: Instrument) -> Iterator[Problem]:
    # The export writes metadata rows beside the groups and questions: every name must stay one field of the form.
    taken = {dimension.id for dimension in doc.dimensions} | set(doc.indicators())
    for d, dimension in enumerate(doc.dimensions):
        for i, indicator in enumerate(dimension.indicators):
            for n, note in enumerate(indicator.notes or []):
                if note.name in taken:
                    yield Problem(
                        f"dimensions[{d}].indicators[{i}].notes[{n}].name",
                        f"note name {note.name!r} is already a dimension, an indicator or a note",
                    )
                taken.add(note.name)
    for m, metadata in enumerate(doc.metadata or []):
        if metadata.name in taken:
            yield Problem(
                f"metadata[{m}].name",
                f"metadata name {metadata.name!r} is already a dimension, an indicator or metadata",
            )
        taken.add(metadata.name)


def _dimension_weight_problems(doc: Instrument) -> Iterator[Problem]:
    if all(dimension.weight == 0 for dimension in doc.dimensions):
        yield Problem("dimensions", "every dimension has weight 0, so nothing would ever be scored")
    for d, dimension in enumerate(doc.dimensions):
        is_scored = _has_scored_indicator(dimension)
        if dimension.weight > 0 and not is_scored:
            yield Problem(
                f"dimensions[{d}].weight",
                f"dimension {dimension.id!r} has weight {dimension.weight:g} but all its indicators weigh 0;"
                " give an indicator a weight or set the dimension's weight to 0",
            )
        elif dimension.weight == 0 and is_scored:
            yield Problem(
                f"dimensions[{d}].weight",
                f"dimension {dimension.id!r} has weight 0, so its weighted indicators would never count;"
                " give it a weight or set its indicators' weights to 0",
            )


def _has_scored_indicator(dimension: Dimension) -> bool:
    return any(indicator.weight > 0 for indicator in dimension.indicators)


def _indicator_problems(indicator: Indicator, path: str) -> Iterator[Problem]:
    if indicator.type == "choice":
        yield from _choice_problems(indicator, path)
    elif indicator.type == "yes_no" and indicator.choices is not None:
        yield from _yes_no_choice_problems(indicator, path)
    elif indicator.choices is not None:
        yield Problem(f"{path}.choices", f"only choice indicators take choices, {indicator.id!r} is {indicator.type}")
    if indicator.type == "number":
        yield from _band_problems(indicator, path)
    else:
        if indicator.bands is not None:
            yield Problem(f"{path}.bands", f"only number indicators take bands, {indicator.id!r} is {indicator.type}")
        if indicator.unit is not None:
            yield Problem(f"{path}.unit", f"only number indicators take a unit, {indicator.id!r} is {indicator.type}")
    if indicator.type == "text":
        if indicator.weight > 0:
            yield Problem(f"{path}.weight", f"text indicator {indicator.id!r} is never scored: its weight must be 0")
        if indicator.reverse:
            yield Problem(f"{path}.reverse", f"text indicator {indicator.id!r} is never scored: it cannot be reversed")


def _choice_problems(indicator: Indicator, path: str) -> Iterator[Problem]:
    choices = indicator.choices or []
    if len(choices) < 2:
        yield Problem(
            f"{path}.choices", f"choice indicator {indicator.id!r} needs at least 2 choices, it has {len(choices)}"
        )
    seen: set[str] = set()
    for c, choice in enumerate(choices):
        if choice.value in seen:
            yield Problem(
                f"{path}.choices[{c}].value", f"choice value {choice.value!r} of {indicator.id!r} is used twice"
            )
        seen.add(choice.value)
    scores = [choice.score for choice in choices]
    if any(score is None for score in scores) and any(score is not None for score in scores):
        yield Problem(
            f"{path}.choices",
            f"either every choice of {indicator.id!r} has a score or none has (they then score by their order)",
        )
    elif indicator.weight > 0 and scores and all(score == 0 for score in scores):
        yield Problem(f"{path}.choices", f"every choice of {indicator.id!r} scores 0, so it could never be met")


def _yes_no_choice_problems(indicator: Indicator, path: str) -> Iterator[Problem]:
    choices = indicator.choices or []
    if sorted(choice.score or 0 for choice in choices) != [0, 1] or len({c.value for c in choices}) != 2:
        yield Problem(
            f"{path}.choices",
            f"the choices of yes/no indicator {indicator.id!r} must be two: the yes scored 1 and the no scored 0",
        )


def _band_problems(indicator: Indicator, path: str) -> Iterator[Problem]:
    bands = indicator.bands
    if not bands:
        if indicator.weight > 0:
            yield Problem(
                f"{path}.bands",
                f"number indicator {indicator.id!r} has weight {indicator.weight:g} but no"
                " bands to score it; add bands or set its weight to 0",
            )
        return
    previous_max: float | None = None
    for b, band in enumerate(bands[:-1]):
        if band.max is None:
            yield Problem(
                f"{path}.bands[{b}].max", f"only the last band of {indicator.id!r} may be the catch-all (without max)"
            )
            continue
        if previous_max is not None and band.max <= previous_max:
            yield Problem(
                f"{path}.bands[{b}].max",
                f"band maxima of {indicator.id!r} must increase strictly: {band.max:g} follows {previous_max:g}",
            )
        previous_max = band.max
    if bands[-1].max is not None:
        yield Problem(
            f"{path}.bands[{len(bands) - 1}].max",
            f"the last band of {indicator.id!r} must be a catch-all without max, so that every value gets a score",
        )


def _relevant_problems(
    indicator: Indicator, condition: Condition, earlier: dict[str, Indicator], path: str
) -> Iterator[Problem]:
    target = earlier.get(condition.indicator)
    if target is None:
        where = "itself" if condition.indicator == indicator.id else f"{condition.indicator!r}"
        yield Problem(
            f"{path}.indicator",
            f"{indicator.id!r} is relevant on {where}, which is not an indicator earlier in the instrument",
        )
        return
    expected = _condition_value_mismatch(target, condition.equals)
    if expected:
        yield Problem(
            f"{path}.equals",
            f"{indicator.id!r} is relevant when {target.id!r} equals {condition.equals!r}, but {target.id!r}"
            f" takes {expected}",
        )


def _condition_value_mismatch(target: Indicator, value: bool | int | float | str) -> str | None:
    """What ``target`` takes when ``value`` is not one of its possible answers, else None."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    match target.type:
        case "yes_no":
            return None if isinstance(value, bool) else "true or false"
        case "scale_0_3":
            return None if is_number and value in (0, 1, 2, 3) else "0, 1, 2 or 3"
        case "choice":
            values = [choice.value for choice in target.choices or []]
            return None if isinstance(value, str) and value in values else f"one of {', '.join(values)}"
        case "number":
            return None if is_number else "a number"
        case _:
            return None if isinstance(value, str) else "a text"
