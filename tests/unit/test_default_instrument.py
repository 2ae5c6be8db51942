"""The default instrument ``ombudsman-kepatuhan`` v1 against the draft checklist it comes from.

REFERENCE is the draft checklist (docs/contract.md, "The default instrument") as a table (id, type, weight, photo): the
instrument must say the same thing, whatever wording its texts use.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import msgspec

from server.domain.instruments.defaults import default_instrument_json, load_default_instrument
from server.domain.instruments.documents import Instrument
from server.domain.visits.documents import Answer

ANSWERED_AT = datetime(2025, 3, 11, 9, 30, tzinfo=timezone(timedelta(hours=7)))

TYPES = {"YN": "yes_no", "S3": "scale_0_3", "NUM": "number", "TXT": "text", "CH": "choice"}
REFERENCE = """
A01 YN 2 Y  A02 YN 1 Y  A03 YN 2 Y  A04 YN 2 Y  A05 YN 1 Y  A06 YN 1 Y  A07 YN 1 Y  A08 YN 1 Y  A09 YN 2 Y
A10 YN 1 Y  A11 S3 2 Y  A12 S3 3 N  A13 S3 2 N  A14 NUM 1 N A15 YN 1 Y
B01 S3 3 Y  B02 S3 3 Y  B03 S3 3 Y  B04 S3 3 Y  B05 S3 3 Y  B06 YN 2 Y  B07 S3 2 Y  B08 S3 2 Y  B09 S3 2 Y
B10 YN 1 Y  B11 YN 1 Y  B12 CH 1 Y  B13 YN 1 Y  B14 YN 1 Y  B15 YN 1 Y  B16 YN 1 Y  B17 YN 1 Y
C01 NUM 2 N C02 YN 3 N  C03 YN 2 N  C04 YN 3 N  C05 YN 2 Y  C06 S3 2 N  C07 S3 2 N  C08 YN 2 N  C09 YN 2 N
C10 TXT 0 N
D01 S3 3 Y  D02 YN 2 Y  D03 YN 2 Y  D04 YN 1 Y  D05 CH 2 Y  D06 YN 1 Y
"""


def reference_rows() -> list[tuple[str, str, float, str]]:
    words = REFERENCE.split()
    return [
        (words[i], TYPES[words[i + 1]], float(words[i + 2]), "required" if words[i + 3] == "Y" else "none")
        for i in range(0, len(words), 4)
    ]


def test_the_stored_document_decodes_strictly_as_an_instrument() -> None:
    instrument = msgspec.json.decode(default_instrument_json(), type=Instrument)
    assert (instrument.key, instrument.version) == ("ombudsman-kepatuhan", "1")


def test_it_has_the_four_ombudsman_dimensions_with_their_weights() -> None:
    instrument = load_default_instrument()
    assert [(d.id, d.weight) for d in instrument.dimensions] == [("A", 21.85), ("B", 32.37), ("C", 24.24), ("D", 21.54)]
    assert sum(Decimal(str(d.weight)) for d in instrument.dimensions) == 100


def test_it_has_the_48_reference_indicators_in_order_with_their_types_weights_and_photos() -> None:
    instrument = load_default_instrument()
    actual = [(i.id, i.type, i.weight, i.photo) for i in instrument.indicators().values()]
    assert actual == reference_rows()
    assert len(actual) == 48
    assert sum(1 for i in instrument.indicators().values() if i.weight > 0) == 47


def test_each_indicator_sits_in_the_dimension_its_id_names() -> None:
    for dimension in load_default_instrument().dimensions:
        assert all(indicator.id.startswith(dimension.id) for indicator in dimension.indicators)


def test_every_text_and_guidance_is_given_in_both_languages() -> None:
    instrument = load_default_instrument()
    texts = [instrument.title, instrument.description, *(d.title for d in instrument.dimensions)]
    for indicator in instrument.indicators().values():
        texts += [indicator.text, indicator.guidance, *(c.label for c in indicator.choices or [])]
    assert all(text is not None and text.id.strip() and (text.en or "").strip() for text in texts)


def test_every_scale_indicator_explains_what_each_step_from_0_to_3_means() -> None:
    for indicator in load_default_instrument().indicators().values():
        if indicator.type == "scale_0_3":
            assert indicator.guidance is not None
            for step in "0123":
                assert f"{step} = " in indicator.guidance.id, (indicator.id, step)
                assert f"{step} = " in indicator.guidance.en, (indicator.id, step)


def test_only_the_bribe_and_broker_indicators_are_reverse_scored() -> None:
    reversed_ids = [i.id for i in load_default_instrument().indicators().values() if i.reverse]
    assert reversed_ids == ["C02", "C03"]


def test_waiting_time_is_scored_by_the_reference_bands() -> None:
    wait = load_default_instrument().indicators()["C01"]
    assert wait.unit == "min"
    assert [(band.max, band.score) for band in wait.bands or []] == [(15, 1), (30, 0.67), (60, 0.33), (None, 0)]


def test_active_counters_get_bands_so_that_they_score() -> None:
    counters = load_default_instrument().indicators()["A14"]
    assert counters.weight > 0
    assert counters.bands and counters.bands[-1].max is None
    assert counters.bands[0].score == 0  # no counter open is the worst case


def test_choices_run_from_worst_to_best() -> None:
    indicators = load_default_instrument().indicators()
    assert [c.value for c in indicators["B12"].choices or []] == ["none", "unit", "mpp"]
    assert [c.value for c in indicators["D05"].choices or []] == [
        "no_response",
        "over_5_days",
        "within_5_days",
        "within_1_day",
    ]


def test_not_applicable_is_allowed_only_where_the_guidance_says_when() -> None:
    for indicator in load_default_instrument().indicators().values():
        if indicator.allow_na:
            assert indicator.guidance is not None
            assert "Tidak berlaku" in indicator.guidance.id and "Not applicable" in indicator.guidance.en


def test_the_narrative_is_optional_and_never_scored() -> None:
    narrative = load_default_instrument().indicators()["C10"]
    assert (narrative.type, narrative.weight, narrative.required) == ("text", 0, False)


def test_each_load_returns_a_copy_of_its_own() -> None:
    first = load_default_instrument()
    first.dimensions[0].indicators[0].weight = 99
    assert load_default_instrument().dimensions[0].indicators[0].weight == 2


def test_a_visit_with_every_indicator_at_its_best_scores_100() -> None:
    from server.domain.results.scoring import score_visit

    instrument = load_default_instrument()
    best = {"yes_no": True, "scale_0_3": 3, "number": 0, "text": "catatan"}
    answers = []
    for indicator in instrument.indicators().values():
        value = indicator.choices[-1].value if indicator.choices else best[indicator.type]
        if indicator.reverse:
            value = not value
        if indicator.id == "A14":
            value = 2  # two counters open; 0 would be the worst case
        answers.append(Answer(indicator=indicator.id, value=value, answered_at=ANSWERED_AT))
    assert score_visit(instrument, answers).total == Decimal("100.00")
