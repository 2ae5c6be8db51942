"""XLSForm import and export: real .xlsx files in, our instrument out, and back again unchanged."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import msgspec
import openpyxl
import pytest
from pyxform.xls2xform import convert

from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Instrument
from server.domain.instruments.xlsform import instrument_from_xlsform, instrument_to_xlsform, read_xlsform
from server.lib.errors import InstrumentInvalid, UnsupportedMediaType
from tests.xlsforms import a_workbook

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_EXAMPLE = REPO_ROOT / "schemas" / "examples" / "ombudsman-kepatuhan.xlsx"
HAND_WRITTEN = REPO_ROOT / "tests" / "fixtures" / "xlsform" / "hand_written.xlsx"

SURVEY_HEADER = ["type", "name", "label::Indonesian (id)", "label::English (en)", "required", "relevant", "weight"]
YES_NO_CHOICES = [["list_name", "name", "label"], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]
SETTINGS = [["form_id", "version", "form_title"], ["uji-form", 1, "Formulir uji"]]


def an_xlsform(
    survey: list[list[Any]],
    *,
    choices: list[list[Any]] | None = None,
    settings: list[list[Any]] | None = None,
    header: list[str] = SURVEY_HEADER,
) -> bytes:
    """A workbook in memory; survey rows start on sheet row 2, after the header."""
    sheets = {
        "survey": [header, *survey],
        "choices": YES_NO_CHOICES if choices is None else choices,
        "settings": SETTINGS if settings is None else settings,
    }
    return a_workbook({name: rows for name, rows in sheets.items() if rows})


def refusal(data: bytes, **kwargs: Any) -> InstrumentInvalid:
    with pytest.raises(InstrumentInvalid) as caught:
        instrument_from_xlsform(data, **kwargs)
    return caught.value


def messages(error: InstrumentInvalid) -> list[str]:
    return [f"{problem['field']}: {problem['message']}" for problem in error.errors or []]


def warnings_of(form: bytes) -> list[str]:
    return [f"{warning['field']}: {warning['message']}" for warning in read_xlsform(form).warnings]


def a_group(name: str = "A", *rows: list[Any], weight: float | None = None) -> list[list[Any]]:
    return [["begin group", name, f"Dimensi {name}", None, None, None, weight], *rows, ["end group", name]]


def a_question(name: str, type_: str = "select_one yes_no", **columns: Any) -> list[Any]:
    row = [type_, name, f"Pertanyaan {name}", None, "yes", None, None]
    for column, value in columns.items():
        row[SURVEY_HEADER.index(column)] = value
    return row


# --- the shipped example and round trips ---


def test_the_shipped_example_reads_back_as_the_default_instrument() -> None:
    assert instrument_from_xlsform(SHIPPED_EXAMPLE.read_bytes()) == load_default_instrument()


def test_exporting_then_importing_the_default_instrument_changes_nothing() -> None:
    default = load_default_instrument()
    assert instrument_from_xlsform(instrument_to_xlsform(default)) == default


def test_an_instrument_with_conditions_optional_photos_and_no_english_round_trips() -> None:
    doc = msgspec.to_builtins(load_default_instrument())
    del doc["description"]
    del doc["title"]["en"]
    b_indicators = doc["dimensions"][1]["indicators"]
    b_indicators[1]["relevant"] = {"indicator": "B01", "equals": 2}
    b_indicators[2]["relevant"] = {"indicator": "A01", "equals": False}
    b_indicators[2]["photo"] = "optional"
    b_indicators[12]["relevant"] = {"indicator": "B12", "equals": "mpp"}
    b_indicators[13]["relevant"] = {"indicator": "A14", "equals": 2.5}
    b_indicators[14]["guidance"] = None
    b_indicators[15]["text"] = {"id": "Jam layanan 'resmi' terpampang"}
    instrument = msgspec.convert(doc, type=Instrument)
    assert instrument_from_xlsform(instrument_to_xlsform(instrument)) == instrument


def test_exporting_twice_gives_identical_bytes() -> None:
    assert instrument_to_xlsform(load_default_instrument()) == instrument_to_xlsform(load_default_instrument())


def test_the_exported_form_is_an_xlsform_that_pyxform_converts_without_warnings() -> None:
    warnings: list[str] = []
    result = convert(instrument_to_xlsform(load_default_instrument()), warnings=warnings)
    assert warnings == []
    assert 'id="ombudsman-kepatuhan"' in result.xform
    assert "/data/B/B01" in result.xform and "Persyaratan terpampang" in result.xform


def test_key_and_version_given_by_the_caller_override_the_settings_sheet() -> None:
    instrument = instrument_from_xlsform(SHIPPED_EXAMPLE.read_bytes(), key="kepatuhan-cirebon", version="4")
    assert (instrument.key, instrument.version) == ("kepatuhan-cirebon", "4")


# --- a form written by hand ---


def test_a_hand_written_form_becomes_the_instrument_its_author_meant() -> None:
    instrument = instrument_from_xlsform(HAND_WRITTEN.read_bytes())
    assert (instrument.key, instrument.version, instrument.title.id) == (
        "cek-kebersihan",
        "3",
        "Cek kebersihan dan layanan",
    )
    assert [(d.id, d.title.en, d.weight) for d in instrument.dimensions] == [
        ("fasilitas", "Facilities", 40),
        ("layanan", "Service", 60),
    ]
    indicators = instrument.indicators()
    assert [(i.id, i.type, i.weight, i.photo) for i in indicators.values()] == [
        ("ruang_tunggu", "yes_no", 2, "required"),
        ("kebersihan", "choice", 1, "optional"),
        ("loket_aktif", "number", 1, "none"),
        ("keramahan", "scale_0_3", 3, "none"),
        ("pungli", "yes_no", 3, "none"),
        ("waktu_tunggu", "number", 2, "none"),
        ("papan_biaya", "yes_no", 2, "required"),
        ("catatan", "text", 0, "none"),
    ]
    waiting = indicators["ruang_tunggu"]
    assert (waiting.text.id, waiting.text.en) == ("Ruang tunggu tersedia", "Waiting area available")
    assert waiting.guidance is not None and waiting.guidance.en == "Seats for waiting users"
    cleanliness = indicators["kebersihan"]
    assert [c.value for c in cleanliness.choices or []] == ["kotor", "cukup", "bersih"]
    assert cleanliness.relevant is not None
    assert (cleanliness.relevant.indicator, cleanliness.relevant.equals) == ("ruang_tunggu", True)
    assert [(b.max, b.score) for b in indicators["waktu_tunggu"].bands or []] == [(15, 1), (30, 0.5), (None, 0)]
    assert indicators["waktu_tunggu"].unit == "min"
    assert indicators["pungli"].reverse and not indicators["keramahan"].reverse
    assert indicators["papan_biaya"].allow_na and not indicators["waktu_tunggu"].allow_na
    assert [i.id for i in indicators.values() if not i.required] == ["catatan"]


def test_the_hand_written_fixture_is_itself_a_valid_xlsform() -> None:
    result = convert(HAND_WRITTEN.read_bytes(), warnings=[])
    assert "ruang_tunggu" in result.xform


def test_a_plain_label_column_is_bahasa_indonesia_and_unweighted_groups_weigh_the_same() -> None:
    form = an_xlsform(
        [
            ["begin group", "A", "Sarana"],
            ["select_one yes_no", "A1", "Toilet tersedia"],
            ["end group"],
            ["begin group", "B", "Proses"],
            ["integer", "B1", "Loket aktif", 0],
            ["select_one yes_no", "B2", "Moto terpampang"],
            ["end group"],
        ],
        header=["type", "name", "label", "weight"],
    )
    instrument = instrument_from_xlsform(form)
    assert [(d.id, d.title.id, d.title.en, d.weight) for d in instrument.dimensions] == [
        ("A", "Sarana", None, 1),
        ("B", "Proses", None, 1),
    ]
    a1 = instrument.indicators()["A1"]
    assert (a1.text.id, a1.text.en, a1.required, a1.weight) == ("Toilet tersedia", None, False, 1)


def test_relevant_values_take_the_type_of_the_indicator_they_compare_with() -> None:
    scale_choices = [
        ["list_name", "name", "label", "score"],
        *YES_NO_CHOICES[1:],
        *(["scale_0_3", str(n), str(n)] for n in range(4)),
        ["mutu", "low", "Rendah", 0],
        ["mutu", "high", "Tinggi", 1],
    ]
    form = an_xlsform(
        a_group(
            "A",
            a_question("Q1"),
            a_question("Q2", "select_one scale_0_3"),
            a_question("Q3", "select_one mutu"),
            a_question("Q4", "decimal", weight=0),
            a_question("R1", relevant="${Q1} = 'no'"),
            a_question("R2", relevant="${Q2}='3'"),
            a_question("R3", relevant='${Q3} = "high"'),
            a_question("R4", relevant="${Q4} = 7.5"),
        ),
        choices=scale_choices,
    )
    conditions = {i.id: i.relevant.equals for i in instrument_from_xlsform(form).indicators().values() if i.relevant}
    assert conditions == {"R1": False, "R2": 3, "R3": "high", "R4": 7.5}
    assert isinstance(conditions["R2"], int) and not isinstance(conditions["R2"], bool)


def test_a_photo_column_on_the_indicator_row_sets_its_photo() -> None:
    form = an_xlsform(
        a_group("A", [*a_question("A1"), "optional"], [*a_question("A2"), "none"]), header=[*SURVEY_HEADER, "photo"]
    )
    assert [i.photo for i in instrument_from_xlsform(form).indicators().values()] == ["optional", "none"]


# --- refusals, each naming its row ---


def test_an_unknown_type_is_refused_with_its_row() -> None:
    error = refusal(an_xlsform(a_group("A", a_question("A1"), a_question("A2", "barcode_scan"))))
    assert messages(error) == ["survey row 4: type 'barcode_scan' is not supported"]
    assert error.field == "survey row 4" and error.status == 422


@pytest.mark.parametrize("row_type", ["geopoint", "select_multiple yes_no", "select_one yes_no or_other"])
def test_rows_that_cannot_be_scored_are_refused_not_dropped(row_type: str) -> None:
    error = refusal(an_xlsform(a_group("A", a_question("A1"), a_question("A2", row_type))))
    assert messages(error)[0].startswith(f"survey row 4: type '{row_type}' is not supported")


def test_a_missing_label_is_refused_with_its_row() -> None:
    error = refusal(an_xlsform(a_group("A", a_question("A1"), ["integer", "A2", None, "Counters"])))
    assert messages(error) == ["survey row 4: indicator 'A2' is missing its label (label::Indonesian (id) or label)"]


def test_a_duplicate_name_is_refused_naming_both_rows() -> None:
    error = refusal(an_xlsform(a_group("A", a_question("A1"), a_question("A2"), a_question("A1"))))
    assert messages(error) == ["survey row 5: name 'A1' is used twice (first on row 3)"]


def test_a_choice_list_that_does_not_exist_is_refused() -> None:
    error = refusal(an_xlsform(a_group("A", a_question("A1", "select_one kualitas"))))
    assert messages(error) == ["survey row 3: choice list 'kualitas' does not exist in the choices sheet"]


def test_a_yes_no_list_with_other_values_is_refused() -> None:
    choices = [["list_name", "name", "label"], ["yes_no", "ada", "Ada"], ["yes_no", "kosong", "Kosong"]]
    error = refusal(an_xlsform(a_group("A", a_question("A1")), choices=choices))
    assert messages(error) == [
        "survey row 3: list 'yes_no' must hold two values meaning yes and no, such as yes and no"
    ]


def test_a_choice_without_a_label_and_a_duplicate_choice_are_refused_on_the_choices_sheet() -> None:
    choices = [*YES_NO_CHOICES, ["yes_no", "no", "Tidak lagi"], ["mutu", "low", None]]
    error = refusal(an_xlsform(a_group("A", a_question("A1")), choices=choices))
    assert messages(error) == [
        "choices row 4: choice 'no' appears twice in list 'yes_no'",
        "choices row 5: choice 'low' of list 'mutu' is missing its label",
    ]


def test_repeats_nested_groups_and_questions_outside_a_group_are_refused() -> None:
    survey = [
        a_question("Z1"),
        *a_group("A", a_question("A1"), *a_group("A_sub", a_question("A2"))),
        ["begin repeat", "R", "Ulang"],
    ]
    error = refusal(an_xlsform(survey))
    assert messages(error) == [
        "survey row 2: indicator 'Z1' is outside any group; put every indicator in a group (a dimension)",
        "survey row 5: group 'A_sub' is inside group 'A': nested groups are not supported",
        "survey row 9: repeats are not supported: a checklist answers each indicator once per visit (the rows up to"
        " its 'end repeat' are not read)",
    ]


def test_a_repeat_is_refused_once_not_once_per_row_inside_it() -> None:
    survey = [
        *a_group("A", a_question("A1")),
        ["begin repeat", "R", "Ulang"],
        ["text", "R1", "Nama"],
        ["integer", "R2", "Umur"],
        ["begin repeat", "RR", "Ulang lagi"],
        ["text", "RR1", "Nama"],
        ["end repeat"],
        ["end repeat"],
    ]
    assert [problem["row"] for problem in refusal(an_xlsform(survey)).errors or []] == [5]


def test_a_group_left_open_or_empty_is_refused() -> None:
    error = refusal(an_xlsform([*a_group("A"), ["begin group", "B", "Proses"], a_question("B1")]))
    assert messages(error) == [
        "survey row 2: group 'A' holds no indicator",
        "survey row 4: group 'B' is never closed with 'end group'",
    ]


def test_a_relevant_we_cannot_express_or_on_a_later_question_is_refused() -> None:
    error = refusal(
        an_xlsform(
            a_group(
                "A",
                a_question("A1", relevant="${A2} = 'yes'"),
                a_question("A2"),
                a_question("A3", relevant="${A1} = 'yes' and ${A2} = 'no'"),
                a_question("A4", relevant="${A1} = 'maybe'"),
            )
        )
    )
    assert messages(error) == [
        "survey row 3: relevant refers to 'A2', which is not an indicator before 'A1'",
        "survey row 5: relevant '${A1} = 'yes' and ${A2} = 'no'' is not supported; only the form ${INDICATOR} ="
        " 'value' is",
        "survey row 6: relevant compares 'A1' with 'maybe', a value it cannot take",
    ]


def test_an_image_row_needs_an_indicator_right_above_it() -> None:
    error = refusal(
        an_xlsform(
            a_group(
                "A",
                ["image", "foto", "Foto depan"],
                a_question("A1"),
                ["image", "foto_1", "Foto"],
                ["image", "foto_2", "Foto lagi"],
            )
        )
    )
    assert messages(error) == [
        "survey row 3: an image row must come right after the indicator it documents",
        "survey row 6: an image row must come right after the indicator it documents",
    ]


def test_a_column_sidak_does_not_act_on_is_named_once_in_a_warning_with_its_rows() -> None:
    form = an_xlsform(
        a_group(
            "A",
            [*a_question("A1", "integer", weight=0), ". >= 0"],
            [*a_question("A2", "integer", weight=0), ". < 100"],
            a_question("A3"),
        ),
        header=[*SURVEY_HEADER, "constraint"],
    )
    assert warnings_of(form) == [
        "survey row 3: column 'constraint' (rows 3, 4) is kept for the export, not acted on: the phone accepts any"
        " answer of the"
        " indicator's type; a reviewer checks answers against photos"
    ]


def test_a_label_in_a_third_language_is_accepted_with_a_warning() -> None:
    form = an_xlsform(a_group("A", [*a_question("A1"), "Jamban"]), header=[*SURVEY_HEADER, "label::Javanese (jv)"])
    assert warnings_of(form)[0].startswith("survey row 1: column 'label::Javanese (jv)' is in a further language: kept")


def test_rule_violations_are_reported_on_the_row_of_the_indicator() -> None:
    error = refusal(
        an_xlsform(
            a_group("A", a_question("A1"), a_question("A2", "text", weight=2), a_question("A3", "integer", weight=1))
        )
    )
    assert messages(error) == [
        "survey row 4: text indicator 'A2' is never scored: its weight must be 0",
        "survey row 5: number indicator 'A3' has weight 1 but no bands to score it; add bands or set its weight to 0",
    ]


def test_settings_without_a_usable_form_id_or_version_are_refused_unless_the_caller_gives_them() -> None:
    form = an_xlsform(a_group("A", a_question("A1")), settings=[["form_id", "version"], ["Form Uji", "versi 2"]])
    assert messages(refusal(form)) == [
        "settings row 2: form_id 'Form Uji' is not a valid instrument key: use 2–63 lower-case letters, digits,"
        " '-' and '_'",
        "settings row 2: version 'versi 2' cannot name a version: use up to 64 letters, digits and marks such as . -"
        " _ + (3, 1.2.0, v3, 202512071530), without spaces, slashes, ?, # or %",
    ]
    instrument = instrument_from_xlsform(form, key="form-uji", version="2")
    assert (instrument.key, instrument.version, instrument.title.id) == ("form-uji", "2", "form-uji")


def test_every_problem_of_a_broken_form_is_listed_at_once() -> None:
    error = refusal(
        an_xlsform(
            a_group(
                "A",
                a_question("A1", "geopoint"),
                ["integer", "A2"],
                a_question("A2"),
                a_question("A3", "select_one nowhere"),
            )
        )
    )
    assert [problem["row"] for problem in error.errors or []] == [3, 4, 5, 6]
    assert all(problem["sheet"] == "survey" for problem in error.errors or [])
    assert error.detail.startswith("survey row 3: type 'geopoint' is not supported (and 3 more)")


def test_a_file_that_is_not_a_workbook_is_refused_naming_the_accepted_formats() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        instrument_from_xlsform(b"type,name,label\ntext,a,A\n")
    assert caught.value.status == 415
    assert caught.value.errors == [
        {"field": "file", "message": "accepted: an Excel workbook (.xlsx), a legacy Excel workbook (.xls)"}
    ]


def test_a_workbook_without_a_survey_sheet_is_refused() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert messages(refusal(buffer.getvalue())) == ["file: the workbook has no 'survey' sheet"]


def test_a_value_the_instrument_cannot_hold_is_refused_on_its_row() -> None:
    form = an_xlsform(
        a_group("A", [*a_question("A1", "integer", weight=0), "satuan-yang-terlalu-panjang"]),
        header=[*SURVEY_HEADER, "unit"],
    )
    assert messages(refusal(form)) == ["survey row 3: the unit column is longer than 16 characters"]


def test_a_label_too_long_is_refused_in_a_form_author_s_words() -> None:
    form = an_xlsform(a_group("A", a_question("A1"), ["select_one yes_no", "A2", "x" * 2001, None, "yes"]))
    assert messages(refusal(form)) == ["survey row 4: the label is longer than 2000 characters"]


def test_a_header_written_twice_is_refused_at_the_header_row() -> None:
    # Two 'weight' columns: reading either would be a guess, and ODK tools refuse the whole form.
    form = an_xlsform(a_group("A", [*a_question("A1"), 3]), header=[*SURVEY_HEADER, "weight"])
    assert messages(refusal(form)) == [
        "survey row 1: column 'weight' appears twice in the header row; keep one of them"
    ]


def test_a_form_that_pyxform_refuses_is_refused_at_the_row_pyxform_names() -> None:
    # Sidak keeps a label as text; pyxform refuses one that refers to a question that does not exist.
    form = an_xlsform(a_group("A", a_question("A1"), ["select_one yes_no", "A2", "Lihat ${A9}", None, "yes"]))
    error = refusal(form)
    assert error.errors is not None
    assert error.errors[0]["sheet"] == "survey" and error.errors[0]["row"] == 4
    assert "pyxform" in error.errors[0]["message"] and "A9" in error.errors[0]["message"]


# --- scoring is read from the form, never guessed ---


@pytest.mark.parametrize(
    ("yes", "no"), [("yes", "no"), ("Ya", "Tidak"), ("Y", "N"), ("1", "0"), ("TRUE", "FALSE"), ("ya", "TIDAK")]
)
def test_a_yes_no_list_is_recognised_by_its_values_whatever_its_name(yes: str, no: str) -> None:
    choices = [["list_name", "name", "label"], ["jawaban", no, "Belum ada"], ["jawaban", yes, "Sudah ada"]]
    form = an_xlsform(a_group("A", a_question("A1", "select_one jawaban")), choices=choices)
    indicator = instrument_from_xlsform(form).indicators()["A1"]
    assert indicator.type == "yes_no"
    assert [(c.value, c.label.id, c.score) for c in indicator.choices or []] == [
        (no, "Belum ada", 0),
        (yes, "Sudah ada", 1),
    ]


def test_sidak_s_own_yes_no_list_needs_no_choices_of_its_own() -> None:
    indicator = instrument_from_xlsform(an_xlsform(a_group("A", a_question("A1")))).indicators()["A1"]
    assert (indicator.type, indicator.choices) == ("yes_no", None)


def test_a_yes_scored_below_its_no_is_refused_pointing_to_the_reverse_column() -> None:
    choices = [["list_name", "name", "label", "score"], ["yes_no", "yes", "Ya", 0], ["yes_no", "no", "Tidak", 1]]
    error = refusal(an_xlsform(a_group("A", a_question("A1")), choices=choices))
    assert len(error.errors or []) == 1
    assert "reverse column" in messages(error)[0] and messages(error)[0].startswith("choices row 2:")


def test_scores_on_some_choices_of_a_list_only_are_refused_naming_the_rows() -> None:
    choices = [
        ["list_name", "name", "label", "score"],
        ["mutu", "baik", "Baik", 2],
        ["mutu", "sedang", "Sedang"],
        ["mutu", "buruk", "Buruk"],
    ]
    error = refusal(an_xlsform(a_group("A", a_question("A1", "select_one mutu")), choices=choices))
    assert messages(error) == [
        "choices row 3: list 'mutu' gives some choices a score and not others (rows 3, 4); give every choice of the"
        " list its score"
    ]


def test_an_unweighted_choice_needs_no_scores() -> None:
    choices = [*YES_NO_CHOICES, ["sumber", "web", "Situs"], ["sumber", "papan", "Papan"]]
    form = an_xlsform(a_group("A", a_question("A1"), a_question("A2", "select_one sumber", weight=0)), choices=choices)
    indicator = instrument_from_xlsform(form).indicators()["A2"]
    assert (indicator.type, indicator.weight, [c.score for c in indicator.choices or []]) == ("choice", 0, [None, None])


def test_scored_choices_keep_their_points_and_export_them() -> None:
    choices = [["list_name", "name", "label", "score"], ["mutu", "baik", "Baik", 3], ["mutu", "buruk", "Buruk", 0.5]]
    instrument = instrument_from_xlsform(an_xlsform(a_group("A", a_question("A1", "select_one mutu")), choices=choices))
    assert [(c.value, c.score) for c in instrument.indicators()["A1"].choices or []] == [("baik", 3), ("buruk", 0.5)]
    assert instrument_from_xlsform(instrument_to_xlsform(instrument)) == instrument
