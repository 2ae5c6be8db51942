"""Structural rules of an instrument: what an admin is told when a checklist cannot work."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Instrument, Metadata
from server.domain.instruments.rules import check_instrument
from server.lib.errors import InstrumentInvalid


def an_indicator(id_: str, type_: str = "yes_no", **fields: Any) -> dict[str, Any]:
    indicator: dict[str, Any] = {"id": id_, "text": {"id": f"Indikator {id_}"}, "type": type_}
    if type_ == "choice":
        indicator["choices"] = [{"value": "bad", "label": {"id": "Buruk"}}, {"value": "good", "label": {"id": "Baik"}}]
    if type_ == "number":
        indicator["bands"] = [{"max": 10, "score": 1}, {"score": 0}]
    if type_ == "text":
        indicator["weight"] = 0
    indicator.update(fields)
    return indicator


def a_dimension(id_: str, *indicators: dict[str, Any], weight: float = 1) -> dict[str, Any]:
    return {"id": id_, "title": {"id": f"Dimensi {id_}"}, "weight": weight, "indicators": list(indicators)}


def an_instrument(*dimensions: dict[str, Any]) -> Instrument:
    doc = {"key": "uji", "version": "1", "title": {"id": "Uji"}, "dimensions": list(dimensions)}
    return msgspec.convert(doc, type=Instrument)


def problems_of(instrument: Instrument) -> InstrumentInvalid:
    with pytest.raises(InstrumentInvalid) as caught:
        check_instrument(instrument)
    return caught.value


def fields_of(error: InstrumentInvalid) -> list[str]:
    return [problem["field"] for problem in error.errors or []]


def test_the_default_instrument_follows_the_rules() -> None:
    check_instrument(load_default_instrument())


def test_a_sound_instrument_of_every_type_is_accepted() -> None:
    check_instrument(
        an_instrument(
            a_dimension(
                "A",
                an_indicator("A1"),
                an_indicator("A2", "scale_0_3"),
                an_indicator("A3", "choice"),
                an_indicator("A4", "number", unit="min"),
                an_indicator("A5", "text", photo="required"),
            )
        )
    )


def test_a_dimension_id_used_twice_is_refused() -> None:
    error = problems_of(an_instrument(a_dimension("A", an_indicator("A1")), a_dimension("A", an_indicator("A2"))))
    assert error.field == "dimensions[1].id"
    assert "'A' is used twice" in error.detail


def test_an_indicator_id_used_in_two_dimensions_is_refused() -> None:
    # Answers name an indicator by its id alone, so the id must be unique across dimensions.
    error = problems_of(an_instrument(a_dimension("A", an_indicator("X1")), a_dimension("B", an_indicator("X1"))))
    assert fields_of(error) == ["dimensions[1].indicators[0].id"]


def test_a_choice_indicator_with_a_single_choice_is_refused() -> None:
    one_choice = [{"value": "only", "label": {"id": "Satu-satunya"}}]
    error = problems_of(
        an_instrument(a_dimension("A", an_indicator("A1"), an_indicator("A2", "choice", choices=one_choice)))
    )
    assert error.field == "dimensions[0].indicators[1].choices"
    assert "at least 2 choices" in error.detail


def test_a_choice_indicator_without_choices_is_refused() -> None:
    error = problems_of(an_instrument(a_dimension("A", an_indicator("A1", "choice", choices=None))))
    assert error.field == "dimensions[0].indicators[0].choices"


def test_a_choice_value_used_twice_is_refused() -> None:
    choices = [
        {"value": "x", "label": {"id": "X"}},
        {"value": "y", "label": {"id": "Y"}},
        {"value": "x", "label": {"id": "X lagi"}},
    ]
    error = problems_of(an_instrument(a_dimension("A", an_indicator("A1", "choice", choices=choices))))
    assert error.field == "dimensions[0].indicators[0].choices[2].value"


def test_choices_bands_and_unit_on_types_that_do_not_take_them_are_each_refused() -> None:
    error = problems_of(
        an_instrument(
            a_dimension(
                "A",
                an_indicator(
                    "A1", "yes_no", choices=[{"value": "a", "label": {"id": "A"}}, {"value": "b", "label": {"id": "B"}}]
                ),
                an_indicator("A2", "scale_0_3", bands=[{"score": 1}]),
                an_indicator("A3", "choice", unit="min"),
            )
        )
    )
    assert fields_of(error) == [
        "dimensions[0].indicators[0].choices",
        "dimensions[0].indicators[1].bands",
        "dimensions[0].indicators[2].unit",
    ]


def test_a_scored_number_without_bands_is_refused_but_an_unscored_one_is_allowed() -> None:
    error = problems_of(an_instrument(a_dimension("A", an_indicator("A1", "number", bands=None, weight=2))))
    assert error.field == "dimensions[0].indicators[0].bands"
    check_instrument(
        an_instrument(a_dimension("A", an_indicator("A1"), an_indicator("A2", "number", bands=None, weight=0)))
    )


def test_bands_whose_maxima_do_not_increase_are_refused() -> None:
    bands = [{"max": 30, "score": 1}, {"max": 30, "score": 0.5}, {"score": 0}]
    error = problems_of(an_instrument(a_dimension("A", an_indicator("A1", "number", bands=bands))))
    assert error.field == "dimensions[0].indicators[0].bands[1].max"
    assert "increase strictly" in error.detail


def test_bands_must_end_with_a_single_catch_all() -> None:
    no_catch_all = [{"max": 15, "score": 1}, {"max": 30, "score": 0}]
    early_catch_all = [{"score": 1}, {"max": 30, "score": 0.5}, {"score": 0}]
    error = problems_of(
        an_instrument(
            a_dimension(
                "A",
                an_indicator("A1", "number", bands=no_catch_all),
                an_indicator("A2", "number", bands=early_catch_all),
            )
        )
    )
    assert fields_of(error) == ["dimensions[0].indicators[0].bands[1].max", "dimensions[0].indicators[1].bands[0].max"]


def test_a_text_indicator_cannot_be_weighted_or_reversed() -> None:
    error = problems_of(
        an_instrument(a_dimension("A", an_indicator("A1"), an_indicator("A2", "text", weight=1, reverse=True)))
    )
    assert fields_of(error) == ["dimensions[0].indicators[1].weight", "dimensions[0].indicators[1].reverse"]


def test_relevant_on_an_unknown_indicator_is_refused() -> None:
    error = problems_of(
        an_instrument(
            a_dimension("A", an_indicator("A1"), an_indicator("A2", relevant={"indicator": "Z9", "equals": True}))
        )
    )
    assert error.field == "dimensions[0].indicators[1].relevant.indicator"
    assert "'Z9'" in error.detail


def test_relevant_on_a_later_indicator_or_on_itself_is_refused() -> None:
    # The phone asks indicators in order: a condition on a later answer could never be known in time.
    error = problems_of(
        an_instrument(
            a_dimension("A", an_indicator("A1", relevant={"indicator": "B1", "equals": True})),
            a_dimension("B", an_indicator("B1"), an_indicator("B2", relevant={"indicator": "B2", "equals": True})),
        )
    )
    assert fields_of(error) == [
        "dimensions[0].indicators[0].relevant.indicator",
        "dimensions[1].indicators[1].relevant.indicator",
    ]


def test_relevant_in_another_earlier_dimension_is_accepted() -> None:
    check_instrument(
        an_instrument(
            a_dimension("A", an_indicator("A1", "choice")),
            a_dimension("B", an_indicator("B1", relevant={"indicator": "A1", "equals": "good"})),
        )
    )


@pytest.mark.parametrize(
    ("type_", "equals"),
    [
        ("yes_no", "yes"),
        ("yes_no", 1),
        ("scale_0_3", 4),
        ("scale_0_3", True),
        ("choice", "excellent"),
        ("number", "5"),
        ("text", 3),
    ],
)
def test_relevant_comparing_with_a_value_the_indicator_cannot_take_is_refused(type_: str, equals: Any) -> None:
    error = problems_of(
        an_instrument(
            a_dimension(
                "A", an_indicator("A1", type_), an_indicator("A2", relevant={"indicator": "A1", "equals": equals})
            )
        )
    )
    assert error.field == "dimensions[0].indicators[1].relevant.equals"


def test_an_instrument_whose_dimensions_all_weigh_zero_is_refused() -> None:
    error = problems_of(an_instrument(a_dimension("A", an_indicator("A1", "text"), weight=0)))
    assert error.field == "dimensions"


def test_a_weighted_dimension_of_unweighted_indicators_is_refused() -> None:
    error = problems_of(
        an_instrument(a_dimension("A", an_indicator("A1")), a_dimension("B", an_indicator("B1", "text"), weight=10))
    )
    assert error.field == "dimensions[1].weight"


def test_an_unweighted_dimension_of_weighted_indicators_is_refused() -> None:
    error = problems_of(
        an_instrument(a_dimension("A", an_indicator("A1")), a_dimension("B", an_indicator("B1"), weight=0))
    )
    assert error.field == "dimensions[1].weight"
    assert "never count" in error.detail


def test_an_unweighted_dimension_of_notes_beside_scored_ones_is_accepted() -> None:
    check_instrument(
        an_instrument(a_dimension("A", an_indicator("A1")), a_dimension("N", an_indicator("N1", "text"), weight=0))
    )


def test_every_problem_is_listed_and_the_first_is_named_in_the_detail() -> None:
    error = problems_of(
        an_instrument(
            a_dimension(
                "A", an_indicator("A1", "text", weight=2), an_indicator("A1"), an_indicator("A3", "number", bands=None)
            )
        )
    )
    assert error.status == 422 and error.code == "instrument.invalid"
    assert fields_of(error) == [
        "dimensions[0].indicators[1].id",
        "dimensions[0].indicators[0].weight",
        "dimensions[0].indicators[2].bands",
    ]
    assert error.detail.startswith("dimensions[0].indicators[1].id: indicator id 'A1' is used twice")
    assert error.detail.endswith("(and 2 more)")
    assert all(problem["message"] for problem in error.errors or [])


def test_a_note_or_metadata_named_as_an_indicator_is_refused_naming_it() -> None:
    instrument = an_instrument(
        a_dimension("A", an_indicator("A1", notes=[{"name": "A2", "text": {"id": "Catatan"}}]), an_indicator("A2"))
    )
    instrument.metadata = msgspec.convert([{"type": "start", "name": "A1"}], list[Metadata])

    error = problems_of(instrument)

    assert fields_of(error) == ["dimensions[0].indicators[0].notes[0].name", "metadata[0].name"]
