"""XLSForms written the way teams write them (KoboToolbox's multilingual forms, ODK's metadata and notes, English-only
forms, Indonesian teams' own spellings): accepted, with a warning for everything Sidak keeps or skips without acting
on it."""

from __future__ import annotations

from typing import Any

import pytest
from pyxform.xls2xform import convert

from server.domain.instruments.xlsform import instrument_to_xlsform, read_xlsform
from server.lib.errors import InstrumentInvalid
from tests.xlsforms import a_legacy_workbook, a_workbook

SETTINGS = [["form_id", "version", "form_title"], ["pemantauan_layanan", "3", "Pemantauan layanan"]]


def a_form(survey: list[list[Any]], choices: list[list[Any]], settings: list[list[Any]] = SETTINGS) -> bytes:
    return a_workbook({"survey": survey, "choices": choices, "settings": settings})


def warnings(form: bytes) -> list[str]:
    return [f"{w['field']}: {w['message']}" for w in read_xlsform(form).warnings]


KOBO_SURVEY = [
    [
        "type",
        "name",
        "label::English (en)",
        "label::Français (fr)",
        "label::Bahasa Indonesia (id)",
        "hint::English (en)",
        "hint::Bahasa Indonesia (id)",
        "required",
        "relevant",
        "constraint",
        "constraint_message::English (en)",
        "appearance",
        "calculation",
    ],
    ["start", "start"],
    ["end", "end"],
    ["today", "today"],
    ["deviceid", "deviceid"],
    ["username", "username"],
    ["begin_group", "sarana", "Facilities", "Installations", "Sarana"],
    ["note", "intro", "Look around the waiting room", "Regardez", "Amati ruang tunggu"],
    [
        "select_one ya_tidak",
        "ruang_tunggu",
        "Waiting room",
        "Salle d'attente",
        "Ruang tunggu",
        "Seats",
        "Kursi",
        "true",
        None,
        None,
        None,
        "horizontal",
    ],
    [
        "integer",
        "kursi",
        "Seats",
        "Sièges",
        "Jumlah kursi",
        None,
        None,
        "false",
        "selected(${ruang_tunggu}, 'ya')",
        ". >= 0",
        "At least 0",
    ],
    ["calculate", "kursi_ganda", None, None, None, None, None, None, None, None, None, None, "${kursi} * 2"],
    ["end_group"],
]
KOBO_CHOICES = [
    ["list_name", "name", "label::English (en)", "label::Français (fr)", "label::Bahasa Indonesia (id)"],
    ["ya_tidak", "ya", "Yes", "Oui", "Ya"],
    ["ya_tidak", "tidak", "No", "Non", "Tidak"],
]


def test_what_a_form_says_beyond_sidak_s_columns_survives_the_export_for_odk() -> None:
    read = read_xlsform(a_form(KOBO_SURVEY, KOBO_CHOICES))
    seats = read.instrument.indicators()["kursi"]
    assert seats.xlsform == {
        "label::Français (fr)": "Sièges",
        "constraint": ". >= 0",
        "constraint_message::English (en)": "At least 0",
    }
    exported = instrument_to_xlsform(read.instrument)
    assert read_xlsform(exported).instrument == read.instrument
    xform = convert(exported, warnings=[]).xform
    assert 'constraint=". &gt;= 0"' in xform and "At least 0" in xform and "Sièges" in xform


def test_a_kept_column_that_refers_to_a_skipped_row_is_named_instead() -> None:
    survey = [row[:] for row in KOBO_SURVEY]
    survey[9][9] = ". <= ${kursi_ganda}"  # the calculate row below, which Sidak skips
    read = read_xlsform(a_form(survey, KOBO_CHOICES))
    assert "constraint" not in (read.instrument.indicators()["kursi"].xlsform or {})
    assert any(
        w["message"] == "column 'constraint' is not kept: it refers to kursi_ganda, which Sidak skips"
        for w in read.warnings
    )


def test_a_kobo_style_multilingual_form_with_metadata_notes_and_calculations_is_accepted() -> None:
    read = read_xlsform(a_form(KOBO_SURVEY, KOBO_CHOICES))
    instrument = read.instrument
    assert (instrument.key, instrument.version) == ("pemantauan_layanan", "3")
    assert [(m.type, m.name) for m in instrument.metadata or []] == [
        ("start", "start"),
        ("end", "end"),
        ("today", "today"),
        ("username", "username"),
    ]
    indicators = instrument.indicators()
    assert list(indicators) == ["ruang_tunggu", "kursi"]
    waiting = indicators["ruang_tunggu"]
    assert (waiting.type, waiting.text.id, waiting.text.en) == ("yes_no", "Ruang tunggu", "Waiting room")
    assert waiting.guidance is not None
    assert (waiting.guidance.id, waiting.guidance.en) == ("Kursi", "Seats")
    assert [(note.name, note.text.id, note.text.en) for note in waiting.notes or []] == [
        ("intro", "Amati ruang tunggu", "Look around the waiting room")
    ]
    assert waiting.choice_list == "ya_tidak"
    seats = indicators["kursi"]
    assert seats.relevant is not None and (seats.relevant.indicator, seats.relevant.equals) == ("ruang_tunggu", True)
    said = [f"{w['field']}: {w['message']}" for w in read.warnings]
    for expected in (
        "survey row 1: column 'label::Français (fr)' is in a further language: kept and written back by the export",
        "choices row 1: column 'label::Français (fr)' is in a further language: kept and written back by the export",
        "survey row 2: 'start' row kept as 'start': recorded with every visit as the visit's start time",
        "survey row 4: 'today' row kept as 'today': recorded with every visit as the date the visit started "
        "where the unit is",
        "survey row 5: 'deviceid' row ignored (not kept): the phone has no stable device identifier",
        "survey row 6: 'username' row kept as 'username': recorded with every visit as the surveyor's username",
        "survey row 8: note 'intro' is kept with indicator 'ruang_tunggu': the phone shows it with the indicator's",
        "survey row 11: calculate row skipped",
        "survey row 10: column 'constraint' (rows 10) is kept for the export, not acted on",
        "survey row 10: column 'constraint_message::English (en)' (rows 10) is kept for the export, not acted on",
        "survey row 9: column 'appearance' (rows 9) is kept for the export, not acted on: the phone lays out each",
        "survey row 11: column 'calculation' (rows 11) is not acted on",
    ):
        assert any(warning.startswith(expected) for warning in said), expected


def test_an_english_only_form_is_read_in_english_and_says_so() -> None:
    survey = [
        ["type", "name", "label::English (en)", "hint::English (en)"],
        ["begin group", "facilities", "Facilities"],
        ["select_one yn", "toilet", "Clean toilet", "Check the floor"],
        ["end group"],
    ]
    choices = [["list_name", "name", "label::English (en)"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
    settings = [["form_id", "version", "default_language"], ["ucl_field_form", 1, "English (en)"]]
    read = read_xlsform(a_form(survey, choices, settings))
    toilet = read.instrument.indicators()["toilet"]
    assert (toilet.text.id, toilet.text.en, toilet.guidance and toilet.guidance.id) == (
        "Clean toilet",
        None,
        "Check the floor",
    )
    assert read.instrument.dimensions[0].title.id == "Facilities"
    assert [w["message"] for w in read.warnings] == [
        "the form has no Bahasa Indonesia labels: its en labels are the instrument's main text, shown where Bahasa"
        " Indonesia would be"
    ]


@pytest.mark.parametrize(
    "header",
    ["label::Indonesia", "label::Bahasa Indonesia (id)", "label::Indonesian (in)", "label::Bahasa", "label::id"],
)
def test_the_ways_teams_spell_bahasa_indonesia_are_all_read_as_bahasa_indonesia(header: str) -> None:
    survey = [
        ["type", "name", header, "label::English (en)"],
        ["begin group", "A", "Sarana", "Facilities"],
        ["select_one yes_no", "A01", "Toilet bersih", "Clean toilet"],
        ["end group"],
    ]
    choices = [["list_name", "name", header], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]
    read = read_xlsform(a_form(survey, choices))
    text = read.instrument.indicators()["A01"].text
    assert (text.id, text.en) == ("Toilet bersih", "Clean toilet")
    assert read.warnings == []


def test_an_image_row_with_its_own_instructions_and_size_is_kept_as_the_photo_and_the_rest_named() -> None:
    survey = [
        ["type", "name", "label", "hint", "required", "parameters"],
        ["begin group", "A", "Sarana"],
        ["select_one yes_no", "A01", "Papan informasi", None, "yes"],
        ["image", "foto_A01", "Foto papan dari depan", "Seluruh papan terlihat", "yes", "max-pixels=1024"],
        ["end group"],
    ]
    choices = [["list_name", "name", "label"], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]
    read = read_xlsform(a_form(survey, choices))
    assert read.instrument.indicators()["A01"].photo == "required"
    assert [w["message"] for w in read.warnings] == [
        "image row 'foto_A01' is the photo of indicator 'A01': the phone asks for it under the indicator's own text;"
        " the image row's name, label, hint and other columns are kept for the export",
        "max-pixels=1024 is kept for the export, not acted on: the phone resizes every photo to 1600 px on its long"
        " side",
    ]
    assert read.instrument.indicators()["A01"].xlsform == {
        "image:name": "foto_A01",
        "image:label": "Foto papan dari depan",
        "image:hint": "Seluruh papan terlihat",
        "image:parameters": "max-pixels=1024",
    }


def test_a_note_after_the_last_indicator_is_named_in_a_warning() -> None:
    survey = [
        ["type", "name", "label"],
        ["begin group", "A", "Sarana"],
        ["select_one yes_no", "A01", "Papan informasi"],
        ["note", "terima_kasih", "Terima kasih"],
        ["end group"],
    ]
    choices = [["list_name", "name", "label"], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]
    assert warnings(a_form(survey, choices)) == [
        "survey row 4: note 'terima_kasih' comes after the last indicator: it is not shown"
    ]


def test_sidak_s_own_export_reads_back_without_warnings() -> None:
    from server.domain.instruments.defaults import load_default_instrument
    from server.domain.instruments.xlsform import instrument_to_xlsform

    assert read_xlsform(instrument_to_xlsform(load_default_instrument())).warnings == []


def test_a_legacy_xls_form_is_read_like_its_xlsx() -> None:
    sheets = {
        "survey": [
            ["type", "name", "label::Bahasa Indonesia (id)", "label::English (en)", "required"],
            ["begin group", "A", "Sarana", "Facilities"],
            ["select_one ya_tidak", "A01", "Toilet bersih", "Clean toilet", "yes"],
            ["integer", "A02", "Jumlah loket", "Counters", "no"],
            ["end group"],
        ],
        "choices": [
            ["list_name", "name", "label::Bahasa Indonesia (id)"],
            ["ya_tidak", "ya", "Ya"],
            ["ya_tidak", "tidak", "Tidak"],
        ],
        "settings": [["form_id", "version"], ["cek_lama", 202512071530]],
    }
    legacy = read_xlsform(a_legacy_workbook(sheets))
    assert legacy.instrument == read_xlsform(a_workbook(sheets)).instrument
    assert (legacy.instrument.key, legacy.instrument.version) == ("cek_lama", "202512071530")


def test_a_label_header_sidak_does_not_recognise_is_refused_once_at_the_header() -> None:
    survey = [
        ["type", "name", "label:English"],
        ["begin group", "A", "Facilities"],
        ["select_one yes_no", "A01", "Clean toilet"],
        ["end group"],
    ]
    choices = [["list_name", "name", "label"], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]
    with pytest.raises(InstrumentInvalid) as caught:
        read_xlsform(a_form(survey, choices))
    assert caught.value.errors == [
        {
            "field": "survey row 1",
            "sheet": "survey",
            "row": 1,
            "message": "the survey sheet has no label column Sidak recognises: name it 'label', 'label::Indonesian"
            " (id)' or 'label::English (en)' (found: 'label:English')",
        }
    ]


YES_NO = [["list_name", "name", "label"], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]


@pytest.mark.parametrize(
    ("shape", "survey", "choices"),
    [
        (
            "spaces instead of underscores",
            [["type", "name", "label"], ["begin group", "A", "S"], ["select one yes_no", "A01", "T"], ["end group"]],
            [["list name", "name", "label"], *YES_NO[1:]],
        ),
        (
            "underscored group rows and Excel's TRUE",
            [["type", "name", "label", "required"], ["begin_group", "A", "S"], ["select_one yes_no", "A01", "T", True]]
            + [["end_group"]],
            YES_NO,
        ),
        (
            "capitalised headers with stray spaces",
            [["Type", " Name ", "Label"], ["begin group", "A", "S"], ["select_one yes_no", "A01", "T"], ["end group"]],
            YES_NO,
        ),
        (
            "blank rows between and after",
            [["type", "name", "label"], [], ["begin group", "A", "S"], [], ["select_one yes_no", "A01", "T"]]
            + [["end group"], [], []],
            YES_NO,
        ),
        (
            "yes/no values in capitals with the no first",
            [["type", "name", "label"], ["begin group", "A", "S"], ["select_one yn", "A01", "T"], ["end group"]],
            [["list_name", "name", "label"], ["yn", "NO", "Tidak"], ["yn", "YES", "Ya"]],
        ),
        (
            "required written yes() style",
            [["type", "name", "label", "required"], ["begin group", "A", "S"]]
            + [["select_one yes_no", "A01", "T", "true()"], ["end group"]],
            YES_NO,
        ),
        (
            "a text note question with weight 0 and hints only in English",
            [["type", "name", "label", "hint::English (en)"], ["begin group", "A", "S"]]
            + [["select_one yes_no", "A01", "T"], ["text", "catatan", "Catatan", "Anything else"], ["end group"]],
            YES_NO,
        ),
    ],
)
def test_the_ways_teams_write_the_same_form_are_all_read(shape: str, survey, choices) -> None:
    instrument = read_xlsform(a_form(survey, choices)).instrument
    assert "A01" in instrument.indicators(), shape
    assert instrument.indicators()["A01"].type == "yes_no", shape


def test_choices_keep_their_labels_in_a_further_language_and_the_export_writes_them_back() -> None:
    survey = [
        ["type", "name", "label::Bahasa Indonesia (id)", "label::Basa Jawa (jv)"],
        ["begin group", "sarana", "Sarana", "Sarana"],
        ["select_one kondisi", "toilet", "Kondisi toilet", "Kahanan jamban"],
        ["end group"],
    ]
    choices = [
        ["list_name", "name", "label::Bahasa Indonesia (id)", "label::Basa Jawa (jv)", "score"],
        ["kondisi", "baik", "Baik", "Apik", 1],
        ["kondisi", "buruk", "Buruk", None, 0],
    ]
    read = read_xlsform(a_form(survey, choices))
    toilet = read.instrument.indicators()["toilet"]
    assert [choice.xlsform for choice in toilet.choices or []] == [{"label::Basa Jawa (jv)": "Apik"}, None]
    assert read_xlsform(instrument_to_xlsform(read.instrument)).instrument == read.instrument
