"""Rules of a visit document that need its instrument (docs/contract.md, "Visit PUT").

Shapes and ranges (lat/lon, sha256 pattern, aware times) are enforced when msgspec decodes the document; this module
checks what only the instrument and the clock can tell.

``validate_visit`` refuses a document that is *wrong* (422 ``visit.invalid``) and lists every problem, so a phone
can fix them all in one go. A document that is merely *incomplete* — a required indicator neither answered nor
marked not applicable, a required photo not declared — is NOT refused: a surveyor may have been unable to answer
because the unit was closed or staff refused, and refusing would leave the visit stuck on the phone. Such gaps are
returned by ``missing_required`` and become the ``visit.incomplete_answers`` warning flag, which the surveyor sees on
the receipt and the supervisor weighs when reviewing. Indicators whose ``relevant`` condition is not met are not
required.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.domain.instruments.documents import Indicator, Instrument
from server.domain.visits.documents import Answer, AnswerValue, VisitDocument
from server.lib.errors import VisitInvalid


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def validate_visit(doc: VisitDocument, instrument: Instrument, *, now: datetime, max_future_s: int = 600) -> None:
    """Raise ``VisitInvalid`` naming the first offending field and listing all problems; ``now`` must be aware."""
    latest_allowed_at = now + timedelta(seconds=max_future_s)
    indicators = instrument.indicators()
    problems = [
        *_time_problems(doc, latest_allowed_at),
        *_answer_problems(doc, indicators, latest_allowed_at),
        *_photo_problems(doc, indicators, latest_allowed_at),
    ]
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise VisitInvalid(
            f"{first.field}: {first.message}{more}",
            field=first.field,
            errors=[{"field": p.field, "message": p.message} for p in problems],
        )


def missing_required(doc: VisitDocument, instrument: Instrument) -> list[str]:
    """Ids of relevant indicators (instrument order) lacking a required answer or a required photo."""
    answers = {answer.indicator: answer for answer in doc.answers}
    photographed = {photo.indicator for photo in doc.photos}
    missing = []
    for indicator in instrument.indicators().values():
        if not is_relevant(indicator, answers):
            continue
        answer = answers.get(indicator.id)
        lacks_answer = indicator.required and answer is None
        needs_photo = indicator.photo == "required" and (indicator.required or answer is not None)
        is_not_applicable = answer is not None and answer.not_applicable
        lacks_photo = needs_photo and not is_not_applicable and indicator.id not in photographed
        if lacks_answer or lacks_photo:
            missing.append(indicator.id)
    return missing


def is_relevant(indicator: Indicator, answers: dict[str, Answer]) -> bool:
    """An indicator with a ``relevant`` condition is asked only when the other indicator got exactly that value."""
    if indicator.relevant is None:
        return True
    answer = answers.get(indicator.relevant.indicator)
    if answer is None or answer.not_applicable or answer.value is None:
        return False
    return _same_value(answer.value, indicator.relevant.equals)


def _same_value(a: AnswerValue, b: AnswerValue) -> bool:
    # Python holds True == 1; an answer "yes" must not satisfy a condition "equals 1" or the other way round.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _time_problems(doc: VisitDocument, latest_allowed_at: datetime) -> list[Problem]:
    problems = []
    if doc.started_at > latest_allowed_at:
        problems.append(_in_future("started_at"))
    if doc.finished_at < doc.started_at:
        problems.append(Problem("finished_at", "the visit finishes before it starts"))
    if doc.finished_at > latest_allowed_at:
        problems.append(_in_future("finished_at"))
    for i, position in enumerate(doc.positions):
        if position.at > latest_allowed_at:
            problems.append(_in_future(f"positions[{i}].at"))
    return problems


def _answer_problems(
    doc: VisitDocument, indicators: dict[str, Indicator], latest_allowed_at: datetime
) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for i, answer in enumerate(doc.answers):
        path = f"answers[{i}]"
        indicator = indicators.get(answer.indicator)
        if indicator is None:
            problems.append(Problem(f"{path}.indicator", f"unknown indicator {answer.indicator!r}"))
        elif answer.indicator in seen:
            problems.append(Problem(f"{path}.indicator", f"indicator {answer.indicator!r} is answered twice"))
        else:
            problems.extend(_value_problems(answer, indicator, path))
        seen.add(answer.indicator)
        if answer.answered_at > latest_allowed_at:
            problems.append(_in_future(f"{path}.answered_at"))
    return problems


def _value_problems(answer: Answer, indicator: Indicator, path: str) -> list[Problem]:
    if answer.not_applicable:
        problems = []
        if not indicator.allow_na:
            problems.append(
                Problem(f"{path}.not_applicable", f"indicator {indicator.id!r} cannot be marked not applicable")
            )
        if answer.value is not None:
            problems.append(Problem(f"{path}.value", "an answer marked not applicable must not carry a value"))
        return problems
    if answer.value is None:
        return [Problem(f"{path}.value", f"indicator {indicator.id!r} needs a value (or not_applicable)")]
    message = _wrong_value_message(answer.value, indicator)
    return [Problem(f"{path}.value", message)] if message else []


def _wrong_value_message(value: AnswerValue, indicator: Indicator) -> str | None:
    """Why ``value`` does not fit ``indicator``, or None when it does."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    match indicator.type:
        case "yes_no":
            if not isinstance(value, bool):
                return f"indicator {indicator.id!r} is yes/no: the value must be true or false"
        case "scale_0_3":
            if not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3):
                return f"indicator {indicator.id!r} is a 0–3 scale: the value must be the integer 0, 1, 2 or 3"
        case "choice":
            allowed = [choice.value for choice in indicator.choices or []]
            if not isinstance(value, str) or value not in allowed:
                return f"indicator {indicator.id!r} is a choice: the value must be one of {', '.join(allowed)}"
        case "number":
            if not (is_number and math.isfinite(value)):
                return f"indicator {indicator.id!r} is a number: the value must be a finite number"
        case "text":
            if not isinstance(value, str):
                return f"indicator {indicator.id!r} is text: the value must be a string"
    return None


def _photo_problems(doc: VisitDocument, indicators: dict[str, Indicator], latest_allowed_at: datetime) -> list[Problem]:
    problems = []
    seen_ids = set()
    for i, photo in enumerate(doc.photos):
        path = f"photos[{i}]"
        if photo.id in seen_ids:
            problems.append(Problem(f"{path}.id", f"photo {photo.id} is declared twice"))
        seen_ids.add(photo.id)
        indicator = indicators.get(photo.indicator)
        if indicator is None:
            problems.append(Problem(f"{path}.indicator", f"unknown indicator {photo.indicator!r}"))
        elif indicator.photo == "none":
            problems.append(Problem(f"{path}.indicator", f"indicator {photo.indicator!r} takes no photo"))
        if photo.taken_at > latest_allowed_at:
            problems.append(_in_future(f"{path}.taken_at"))
    return problems


def _in_future(path: str) -> Problem:
    return Problem(path, "the time is in the future (check the phone's clock)")
