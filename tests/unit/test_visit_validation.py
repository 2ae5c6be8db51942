"""Rules of the visit document that need the instrument and the clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import msgspec
import pytest

from server.domain.instruments.documents import Instrument
from server.domain.visits.documents import Answer, PhotoDeclaration, Position, VisitDocument
from server.domain.visits.validation import missing_required, validate_visit
from server.lib.errors import VisitInvalid

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=WIB)


def an_indicator(id: str, type: str = "yes_no", **fields) -> dict:
    indicator = {"id": id, "text": {"id": f"Indikator {id}"}, "type": type}
    if type == "choice":
        indicator["choices"] = [{"value": v, "label": {"id": v}} for v in ("none", "unit", "mpp")]
    if type == "number":
        indicator["bands"] = [{"max": 15, "score": 1}, {"score": 0}]
    indicator.update(fields)
    return indicator


def an_instrument(*indicators: dict) -> Instrument:
    return msgspec.convert(
        {
            "key": "uji",
            "version": "1",
            "title": {"id": "Uji"},
            "dimensions": [{"id": "B", "title": {"id": "Proses"}, "weight": 1, "indicators": list(indicators)}],
        },
        Instrument,
    )


INSTRUMENT = an_instrument(
    an_indicator("Y1", "yes_no", photo="optional"),
    an_indicator("S1", "scale_0_3", photo="required"),
    an_indicator("C1", "choice"),
    an_indicator("N1", "number", allow_na=True),
    an_indicator("T1", "text", required=False),
)


def an_answer(indicator: str, value=None, *, not_applicable: bool = False, at: datetime | None = None) -> Answer:
    return Answer(
        indicator=indicator, value=value, not_applicable=not_applicable, answered_at=at or NOW - timedelta(minutes=30)
    )


def a_photo(
    indicator: str = "S1", *, id: uuid.UUID | None = None, taken_at: datetime | None = None
) -> PhotoDeclaration:
    return PhotoDeclaration(
        id=id or uuid.uuid4(),
        indicator=indicator,
        sha256="c" * 64,
        size=1000,
        content_type="image/jpeg",
        taken_at=taken_at or NOW - timedelta(minutes=29),
    )


ALL_ANSWERED = [
    an_answer("Y1", True),
    an_answer("S1", 2),
    an_answer("C1", "unit"),
    an_answer("N1", 12.5),
    an_answer("T1", "antrean panjang"),
]


def a_visit(*, answers=None, photos=None, positions=None, started_at=None, finished_at=None) -> VisitDocument:
    return VisitDocument(
        assignment_id=uuid.uuid4(),
        revision=1,
        started_at=started_at or NOW - timedelta(minutes=40),
        finished_at=finished_at or NOW - timedelta(minutes=5),
        positions=positions
        if positions is not None
        else [Position(lat=-6.7616, lon=108.4808, accuracy_m=10, at=NOW - timedelta(minutes=39))],
        answers=ALL_ANSWERED if answers is None else answers,
        photos=[a_photo()] if photos is None else photos,
    )


def problems_of(doc: VisitDocument, instrument: Instrument = INSTRUMENT) -> VisitInvalid:
    with pytest.raises(VisitInvalid) as caught:
        validate_visit(doc, instrument, now=NOW)
    return caught.value


def test_a_complete_correct_visit_is_valid():
    assert validate_visit(a_visit(), INSTRUMENT, now=NOW) is None


def test_an_unknown_indicator_is_refused_with_its_path():
    error = problems_of(a_visit(answers=[*ALL_ANSWERED, an_answer("ZZ9", True)]))
    assert error.status == 422 and error.code == "visit.invalid"
    assert error.field == "answers[5].indicator"
    assert "ZZ9" in error.errors[0]["message"]


def test_an_indicator_answered_twice_is_refused():
    error = problems_of(a_visit(answers=[*ALL_ANSWERED, an_answer("Y1", False)]))
    assert error.field == "answers[5].indicator"
    assert "twice" in error.errors[0]["message"]


@pytest.mark.parametrize(
    ("indicator", "value"),
    [
        ("Y1", 1),
        ("Y1", "yes"),
        ("S1", 4),
        ("S1", -1),
        ("S1", True),
        ("S1", 2.0),
        ("S1", "2"),
        ("C1", "elsewhere"),
        ("C1", 1),
        ("N1", True),
        ("N1", "12"),
        ("N1", float("inf")),
        ("N1", float("nan")),
        ("T1", 5),
    ],
)
def test_a_value_of_the_wrong_type_for_its_indicator_is_refused(indicator, value):
    answers = [a if a.indicator != indicator else an_answer(indicator, value) for a in ALL_ANSWERED]
    position = next(i for i, a in enumerate(answers) if a.indicator == indicator)
    error = problems_of(a_visit(answers=answers))
    assert error.field == f"answers[{position}].value"
    assert len(error.errors) == 1


@pytest.mark.parametrize(
    ("indicator", "value"),
    [
        ("Y1", False),
        ("S1", 0),
        ("S1", 3),
        ("C1", "none"),
        ("N1", 0),
        ("N1", -3.5),
        ("T1", ""),
    ],
)
def test_a_value_of_the_right_type_is_accepted(indicator, value):
    answers = [a if a.indicator != indicator else an_answer(indicator, value) for a in ALL_ANSWERED]
    validate_visit(a_visit(answers=answers), INSTRUMENT, now=NOW)


def test_an_answer_without_a_value_and_not_marked_not_applicable_is_refused():
    error = problems_of(a_visit(answers=[an_answer("Y1", None), *ALL_ANSWERED[1:]]))
    assert error.field == "answers[0].value"


def test_not_applicable_is_refused_where_the_indicator_does_not_allow_it():
    error = problems_of(a_visit(answers=[an_answer("Y1", not_applicable=True), *ALL_ANSWERED[1:]]))
    assert error.field == "answers[0].not_applicable"


def test_not_applicable_is_accepted_where_the_indicator_allows_it():
    answers = [*ALL_ANSWERED[:3], an_answer("N1", not_applicable=True), ALL_ANSWERED[4]]
    validate_visit(a_visit(answers=answers), INSTRUMENT, now=NOW)


def test_a_value_together_with_not_applicable_is_refused():
    answers = [*ALL_ANSWERED[:3], an_answer("N1", 10, not_applicable=True), ALL_ANSWERED[4]]
    error = problems_of(a_visit(answers=answers))
    assert error.field == "answers[3].value"
    assert "not applicable" in error.errors[0]["message"]


def test_a_visit_finishing_before_it_starts_is_refused():
    error = problems_of(a_visit(started_at=NOW - timedelta(minutes=10), finished_at=NOW - timedelta(minutes=20)))
    assert error.field == "finished_at"


def test_times_beyond_the_allowed_clock_skew_are_refused_one_by_one():
    far = NOW + timedelta(minutes=11)
    doc = a_visit(
        started_at=NOW - timedelta(minutes=30),
        finished_at=far,
        positions=[Position(lat=-6.7616, lon=108.4808, accuracy_m=10, at=far)],
        answers=[an_answer("Y1", True, at=far), *ALL_ANSWERED[1:]],
        photos=[a_photo(taken_at=far)],
    )
    error = problems_of(doc)
    assert [e["field"] for e in error.errors] == [
        "finished_at",
        "positions[0].at",
        "answers[0].answered_at",
        "photos[0].taken_at",
    ]


def test_a_phone_clock_slightly_ahead_is_tolerated():
    ahead = NOW + timedelta(minutes=9)
    doc = a_visit(finished_at=ahead, photos=[a_photo(taken_at=ahead)])
    validate_visit(doc, INSTRUMENT, now=NOW)


def test_the_same_photo_id_declared_twice_is_refused():
    photo_id = uuid.uuid4()
    error = problems_of(a_visit(photos=[a_photo(id=photo_id), a_photo("Y1", id=photo_id)]))
    assert error.field == "photos[1].id"


def test_a_photo_for_an_unknown_indicator_is_refused():
    error = problems_of(a_visit(photos=[a_photo(), a_photo("ZZ9")]))
    assert error.field == "photos[1].indicator"


def test_a_photo_for_an_indicator_that_takes_none_is_refused():
    error = problems_of(a_visit(photos=[a_photo("C1")]))
    assert error.field == "photos[0].indicator"
    assert "no photo" in error.errors[0]["message"]


def test_all_problems_are_listed_and_the_first_is_named():
    doc = a_visit(
        started_at=NOW - timedelta(minutes=10),
        finished_at=NOW - timedelta(minutes=20),
        answers=[an_answer("ZZ9", True), an_answer("S1", 7), *ALL_ANSWERED[2:]],
        photos=[a_photo("C1")],
    )
    error = problems_of(doc)
    assert error.field == "finished_at"
    assert [e["field"] for e in error.errors] == [
        "finished_at",
        "answers[0].indicator",
        "answers[1].value",
        "photos[0].indicator",
    ]
    assert "3 more" in error.detail
    assert error.as_problem()["errors"] == error.errors


# --- missing_required --------------------------------------------------------------------------------------------


def test_a_complete_visit_misses_nothing():
    assert missing_required(a_visit(), INSTRUMENT) == []


def test_unanswered_required_indicators_are_missing_but_optional_ones_are_not():
    answers = [a for a in ALL_ANSWERED if a.indicator not in {"C1", "T1"}]
    assert missing_required(a_visit(answers=answers), INSTRUMENT) == ["C1"]


def test_an_indicator_marked_not_applicable_is_not_missing():
    answers = [*ALL_ANSWERED[:3], an_answer("N1", not_applicable=True), ALL_ANSWERED[4]]
    assert missing_required(a_visit(answers=answers), INSTRUMENT) == []


def test_an_answered_indicator_without_its_required_photo_is_missing():
    assert missing_required(a_visit(photos=[]), INSTRUMENT) == ["S1"]


def test_a_required_photo_is_not_needed_when_the_indicator_is_not_applicable():
    instrument = an_instrument(an_indicator("P1", "yes_no", photo="required", allow_na=True))
    doc = a_visit(answers=[an_answer("P1", not_applicable=True)], photos=[])
    assert missing_required(doc, instrument) == []


def test_an_indicator_whose_condition_is_not_met_is_not_required():
    instrument = an_instrument(
        an_indicator("Q1", "yes_no"),
        an_indicator("Q2", "scale_0_3", photo="required", relevant={"indicator": "Q1", "equals": True}),
    )
    no = a_visit(answers=[an_answer("Q1", False)], photos=[])
    yes = a_visit(answers=[an_answer("Q1", True)], photos=[])
    assert missing_required(no, instrument) == []
    assert missing_required(yes, instrument) == ["Q2"]


def test_a_yes_answer_does_not_satisfy_a_condition_on_the_number_one():
    instrument = an_instrument(
        an_indicator("Q1", "yes_no"),
        an_indicator("Q2", "yes_no", relevant={"indicator": "Q1", "equals": 1}),
    )
    assert missing_required(a_visit(answers=[an_answer("Q1", True)], photos=[]), instrument) == []


def test_an_incomplete_visit_is_still_valid():
    doc = a_visit(answers=[an_answer("Y1", True)], photos=[])
    validate_visit(doc, INSTRUMENT, now=NOW)
    assert missing_required(doc, INSTRUMENT) == ["S1", "C1", "N1"]
