"""Writing an instrument as an XLSForm workbook (the mapping is the reverse of ``xlsform``'s reading; docs/xlsform.md).

The bytes depend on the instrument alone, so a regenerated example is identical to the committed one.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

from server.domain.instruments.documents import Band, Condition, Indicator, Instrument

LANGUAGE_NAMES = {"id": "Indonesian (id)", "en": "English (en)"}
YES_NO_LIST = "yes_no"
SCALE_LIST = "scale_0_3"
PHOTO_MAX_PIXELS = 1600  # the phone resizes photos to a long side of ~1600 px (docs/contract.md)
_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_SURVEY_COLUMNS = [
    "type",
    "name",
    "label::Indonesian (id)",
    "label::English (en)",
    "hint::Indonesian (id)",
    "hint::English (en)",
    "required",
    "relevant",
    "parameters",
    "weight",
    "reverse",
    "allow_na",
    "bands",
    "unit",
]
_CHOICE_COLUMNS = ["list_name", "name", "label::Indonesian (id)", "label::English (en)", "score"]
_SETTINGS_COLUMNS = [
    "form_id",
    "version",
    "form_title",
    "form_title_en",
    "description",
    "description_en",
    "default_language",
]
_YES_NO_LABELS = [("yes", "Ya", "Yes"), ("no", "Tidak", "No")]
_SCALE_LABELS = [
    ("0", "0 — tidak ada", "0 — absent"),
    ("1", "1 — ada, tidak lengkap atau tidak terlihat", "1 — present but incomplete or not visible"),
    ("2", "2 — terlihat, sebagian besar lengkap", "2 — visible and mostly complete"),
    ("3", "3 — terlihat, lengkap dan mutakhir", "3 — visible, complete and current"),
]


def instrument_to_xlsform(doc: Instrument) -> bytes:
    """Write an instrument as an XLSForm that ``instrument_from_xlsform`` reads back unchanged.

    The bytes depend on the instrument alone (fixed document times and zip entry times), so a regenerated file is
    identical to the committed one.
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    list_names, choice_rows = _choice_lists(doc)
    survey_rows = _survey_rows(doc, list_names)
    # The columns the form's author wrote that Sidak kept without acting on them follow Sidak's own, in first use.
    kept = [column for row in survey_rows for column in row if column not in _SURVEY_COLUMNS]
    _append_rows(survey, _SURVEY_COLUMNS + list(dict.fromkeys(kept)), survey_rows)
    kept_choices = [column for row in choice_rows for column in row if column not in _CHOICE_COLUMNS]
    _append_rows(workbook.create_sheet("choices"), _CHOICE_COLUMNS + list(dict.fromkeys(kept_choices)), choice_rows)
    _append_rows(workbook.create_sheet("settings"), _SETTINGS_COLUMNS, [_settings_row(doc)])
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    workbook.properties.creator = "Sidak"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter rather than Workbook.save, which stamps the current time into docProps/core.xml.
        ExcelWriter(workbook, archive).write_data()
    return _with_fixed_zip_times(buffer.getvalue())


def _append_rows(sheet: Any, columns: list[str], rows: list[dict[str, Any]]) -> None:
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    sheet.freeze_panes = "A2"


def _with_fixed_zip_times(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()


def _labels(column: str, text: Any) -> dict[str, Any]:
    if text is None:
        return {}
    return {f"{column}::{LANGUAGE_NAMES['id']}": text.id, f"{column}::{LANGUAGE_NAMES['en']}": text.en}


def _survey_rows(doc: Instrument, list_names: dict[str, str]) -> list[dict[str, Any]]:
    indicators = doc.indicators()
    notes = [note for indicator in indicators.values() for note in indicator.notes or []]
    taken_names = {dimension.id for dimension in doc.dimensions} | set(indicators)
    taken_names |= {note.name for note in notes} | {item.name for item in doc.metadata or []}
    rows: list[dict[str, Any]] = [{"type": item.type, "name": item.name} for item in doc.metadata or []]
    for dimension in doc.dimensions:
        rows.append(
            {
                "type": "begin group",
                "name": dimension.id,
                **_labels("label", dimension.title),
                "weight": _number(dimension.weight),
                **(dimension.xlsform or {}),
            }
        )
        for indicator in dimension.indicators:
            rows += [
                {"type": "note", "name": note.name, **_labels("label", note.text), **(note.xlsform or {})}
                for note in indicator.notes or []
            ]
            rows.append(_indicator_row(indicator, indicators, list_names.get(indicator.id)))
            if indicator.photo != "none":
                rows.append(_image_row(indicator, rows[-1].get("relevant"), taken_names))
        rows.append({"type": "end group", "name": dimension.id})
    return rows


def _indicator_row(indicator: Indicator, indicators: dict[str, Indicator], list_name: str | None) -> dict[str, Any]:
    row = {
        "type": f"select_one {list_name}" if list_name else _xlsform_type(indicator),
        "name": indicator.id,
        **_labels("label", indicator.text),
        **_labels("hint", indicator.guidance),
        "required": _yes_no(indicator.required),
        "weight": _number(indicator.weight),
        "reverse": _yes_no(indicator.reverse),
        "allow_na": _yes_no(indicator.allow_na),
        "unit": indicator.unit,
    }
    if indicator.bands is not None:
        row["bands"] = _format_bands(indicator.bands)
    if indicator.relevant is not None:
        row["relevant"] = _format_condition(indicator.relevant, indicators[indicator.relevant.indicator])
    row |= {column: value for column, value in (indicator.xlsform or {}).items() if not column.startswith("image:")}
    return row


def photo_field_name(indicator: Indicator) -> str:
    """The name of the indicator's image row in the export: the one the form's author gave it, else
    ``<indicator>_photo`` (followed by ``_`` while another row holds that name)."""
    return (indicator.xlsform or {}).get("image:name") or f"{indicator.id}_photo"


def _image_row(indicator: Indicator, relevant: str | None, taken_names: set[str]) -> dict[str, Any]:
    kept = {
        column[len("image:") :]: value
        for column, value in (indicator.xlsform or {}).items()
        if column.startswith("image:")
    }
    name = photo_field_name(indicator)
    if kept.pop("name", None) is None:
        while name in taken_names:
            name += "_"
    taken_names.add(name)
    row = {
        "type": "image",
        "name": name,
        f"label::{LANGUAGE_NAMES['id']}": kept.pop("label", f"Foto: {indicator.text.id}"),
        f"label::{LANGUAGE_NAMES['en']}": kept.pop(
            "label::en", f"Photo: {indicator.text.en}" if indicator.text.en else None
        ),
        f"hint::{LANGUAGE_NAMES['id']}": kept.pop("hint", None),
        f"hint::{LANGUAGE_NAMES['en']}": kept.pop("hint::en", None),
        "required": _yes_no(indicator.photo == "required"),
        "relevant": relevant,
        "parameters": kept.pop("parameters", f"max-pixels={PHOTO_MAX_PIXELS}"),
    }
    return row | kept


def _xlsform_type(indicator: Indicator) -> str:
    """The type of an indicator without a choice list."""
    return "decimal" if indicator.type == "number" else "text"  # integer would refuse a measured 7.5 minutes


def default_list_name(indicator_id: str, *, has_choices: bool, type_: str) -> str:
    """The list name the export gives an indicator whose form named none (a JSON upload): its own list, or the shared
    yes/no and 0–3 lists. The suffix keeps an indicator's own list apart from those whatever its id."""
    if has_choices:
        return f"{indicator_id}_choices"
    return SCALE_LIST if type_ == "scale_0_3" else YES_NO_LIST


def _choice_list_name(indicator: Indicator) -> str:
    return indicator.choice_list or default_list_name(
        indicator.id, has_choices=bool(indicator.choices), type_=indicator.type
    )


def _choice_lists(doc: Instrument) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Each indicator's list name, and the choices sheet: every list once, in order of first use, under the name the
    form gave it. Two indicators naming one list with different choices (only a JSON document can) keep the first's
    under that name; the second's is written as its own."""
    names: dict[str, str] = {}
    written: dict[str, list[dict[str, Any]]] = {}
    rows: list[dict[str, Any]] = []
    for indicator in doc.indicators().values():
        list_rows = _list_rows(indicator)
        if list_rows is None:
            continue
        name = _choice_list_name(indicator)
        if written.get(name, list_rows) != list_rows:
            name = f"{indicator.id}_choices"
        names[indicator.id] = name
        if name not in written:
            written[name] = list_rows
            rows += [{"list_name": name, **row} for row in list_rows]
    return names, rows


def _list_rows(indicator: Indicator) -> list[dict[str, Any]] | None:
    if indicator.choices:
        return [
            {
                "name": choice.value,
                **_labels("label", choice.label),
                # A list without scores scores by its order; the column says so, so that no reader guesses.
                "score": _number(choice.score if choice.score is not None else index),
                **(choice.xlsform or {}),
            }
            for index, choice in enumerate(indicator.choices)
        ]
    labels = {"yes_no": _YES_NO_LABELS, "scale_0_3": _SCALE_LABELS}.get(indicator.type)
    if labels is None:
        return None
    return [
        {"name": value, f"label::{LANGUAGE_NAMES['id']}": label_id, f"label::{LANGUAGE_NAMES['en']}": label_en}
        for value, label_id, label_en in labels
    ]


def _settings_row(doc: Instrument) -> dict[str, Any]:
    row = {
        "form_id": doc.key,
        "version": doc.version,
        "form_title": doc.title.id,
        "form_title_en": doc.title.en,
        "default_language": LANGUAGE_NAMES["id"],
    }
    if doc.description is not None:
        row |= {"description": doc.description.id, "description_en": doc.description.en}
    return row


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _format_bands(bands: list[Band]) -> str:
    return ";".join(f"{'*' if band.max is None else _number(band.max)}:{_number(band.score)}" for band in bands)


def _format_condition(condition: Condition, target: Indicator) -> str:
    equals = condition.equals
    if target.type == "yes_no" and target.choices:
        literal = next(f"'{choice.value}'" for choice in target.choices if (choice.score == 1) is equals)
    elif target.type == "yes_no":
        literal = "'yes'" if equals is True else "'no'"
    elif target.type == "number" and not isinstance(equals, str):
        literal = str(_number(equals))
    else:
        quote = '"' if "'" in str(equals) else "'"
        literal = f"{quote}{equals}{quote}"
    return f"${{{condition.indicator}}} = {literal}"
