"""XLSForm (the spreadsheet convention of ODK, KoboToolbox and SurveyCTO) to and from our instrument document.

Field teams author checklists in Excel, so an admin may upload an XLSForm instead of a JSON document. Reading the
file within bounds is ``workbook``'s job, writing one is ``xlsform_export``'s; this module maps the rows read to an
instrument. The mapping, both ways:

survey sheet
  ``begin group`` / ``end group``  → a dimension (``name`` → id, label → title, ``weight`` column; when no group has
                                     a weight, all dimensions weigh the same)
  ``select_one LIST``              → decided by the list, never by its name alone or its order:
                                     two values meaning yes and no (yes/no, ya/tidak, y/n, 1/0, true/false, any
                                     case) → ``yes_no``, keeping the list's own values and wording;
                                     the list ``scale_0_3`` (exactly 0–3) → ``scale_0_3``;
                                     any other → ``choice`` scored by the ``score`` column of the choices sheet
                                     (refused when scored without one)
  ``integer`` / ``decimal``        → ``number``, scored by a ``bands`` column such as ``15:1;30:0.67;60:0.33;*:0``
                                     (without bands or weight: recorded, not scored)
  ``text``                         → ``text`` (weight 0 unless told otherwise, which the rules then refuse)
  ``image``                        → the photo of the indicator row just above it: ``required`` when the image row
                                     is required, else ``optional`` (or a ``photo`` column on the indicator row)
  ``note``                         → guidance of the next indicator
  metadata ``start``, ``end``, ``today``, ``username`` → kept: filled from the visit, written back by the export
  other metadata (``deviceid``…) and ``calculate`` → skipped, with a warning
  labels and hints: Bahasa Indonesia (any usual header spelling, or no language) and English; a form without
  Bahasa Indonesia is read in its default language; other languages are named in a warning. ``required``,
  ``reverse``, ``allow_na`` (yes/no, true/false, TRUE()); ``weight``; ``unit``; ``relevant`` of the simple form
  ``${B01} = 'yes'`` or ``selected(${B01}, 'yes')`` → a condition.
settings sheet
  ``form_id`` → key, ``version`` → version, ``form_title`` → title (``form_title_en`` its English),
  ``description`` / ``description_en`` → description. pyxform cannot translate settings, hence the ``_en`` columns.

What would change what is collected or scored (repeats, nested groups, select_multiple, an indicator outside any group,
an unknown type, a duplicate name, a missing choice list, a condition we cannot express…) is refused, naming the sheet
and row; what Sidak does not act on is accepted and named in ``warnings``: kept as written in the indicator's
``xlsform`` columns for the export (constraints, appearance, media, other languages, the image row's own name and
instructions…) or skipped (metadata, calculations). Nothing is dropped without a word (docs/xlsform.md). A form that
passes our reading is then run through pyxform, the reference XLSForm parser, so that what we accept is an XLSForm
that ODK tools accept too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import msgspec

from server.domain.instruments.documents import VERSION_PATTERN, Instrument
from server.domain.instruments.pyxform_check import PyxformTooCostly, pyxform_refusal
from server.domain.instruments.rules import instrument_problems
from server.domain.instruments.workbook import DEFAULT_LIMITS, Row, Sheet, WorkbookLimits, read_workbook
from server.domain.instruments.xlsform_export import (
    LANGUAGE_NAMES,
    PHOTO_MAX_PIXELS,
    SCALE_LIST,
    YES_NO_LIST,
    default_list_name,
    instrument_to_xlsform,
)
from server.lib.errors import InstrumentInvalid, WorkbookUnreadable

__all__ = ["XlsformImport", "instrument_from_xlsform", "instrument_to_xlsform", "read_xlsform"]

_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")
_SELECT_ONE = re.compile(r"^select[_ ]one\s+(\S+)(\s+or_other)?$")
_RELEVANT = re.compile(
    r"""^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\}\s*=\s*
                              (?:'(?P<single>[^']*)'|"(?P<double>[^"]*)"|(?P<number>-?\d+(?:\.\d+)?))$""",
    re.VERBOSE,
)
# selected(${B01}, 'ya'): how ODK forms usually test a select_one's answer; the same condition as ${B01} = 'ya'.
_SELECTED = re.compile(
    r"""^selected\(\s*\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\}\s*,\s*(?:'(?P<single>[^']*)'|"(?P<double>[^"]*)")\s*\)$"""
)
_LANGUAGE_ALIASES = {
    "indonesian": "id",
    "indonesia": "id",
    "bahasa indonesia": "id",
    "bahasa": "id",
    "ind": "id",
    "in": "id",  # the code Java and older Android still write for Indonesian
    "english": "en",
    "eng": "en",
}
_YES_NO = {
    "yes": True,
    "true": True,
    "true()": True,
    "1": True,
    "no": False,
    "false": False,
    "false()": False,
    "0": False,
}
_YES_NO_PAIRS = [("yes", "no"), ("ya", "tidak"), ("y", "n"), ("1", "0"), ("true", "false")]
# The wording Sidak's own yes/no list carries: such a list needs no choices of its own in the instrument.
_PLAIN_YES_NO_LABELS = [{"id": "Ya", "en": "Yes"}, {"id": "Tidak", "en": "No"}]
_PLAIN_YES_NO_ID = [{"id": "Ya"}, {"id": "Tidak"}]
_QUESTION_TYPES = {"integer": "number", "decimal": "number", "text": "text"}
_IMAGE_TYPES = {"image", "photo"}
_BEGIN_GROUP = {"begin group", "begin_group"}
_END_GROUP = {"end group", "end_group"}
_BEGIN_REPEAT = {"begin repeat", "begin_repeat", "begin loop", "begin_loop"}
_END_REPEAT = {"end repeat", "end_repeat", "end loop", "end_loop"}
# Metadata rows the visit itself fills (docs/xlsform.md): kept, written back by the export and into Collect's form.
_KEPT_METADATA = {
    "start": "the visit's start time",
    "end": "the visit's finish time",
    "today": "the date the visit started where the unit is",
    "username": "the surveyor's username",
}
_NO_DEVICE_IDS = "the phone has no stable device identifier and Sidak collects none"
_IGNORED_METADATA = {
    "deviceid": _NO_DEVICE_IDS,
    "imei": _NO_DEVICE_IDS,
    "subscriberid": _NO_DEVICE_IDS,
    "simserial": _NO_DEVICE_IDS,
    "phonenumber": _NO_DEVICE_IDS,
    "email": "Sidak knows surveyors by username, not by email address",
    "audit": "Sidak keeps its own audit trail of every visit and decision",
    "start-geopoint": "Sidak records the visit's positions itself",
    "background-audio": "Sidak records no audio",
}
# Columns Sidak reads, and columns it accepts without acting on them (each said in a warning, with the reason).
_READ_SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "weight", "reverse", "allow_na"}
_READ_SURVEY_COLUMNS |= {"bands", "unit", "photo", "parameters"}
_NOT_KEPT = {"calculation", "trigger", "repeat_count"}  # meaningful only with rows Sidak skips
_IGNORED_COLUMNS = {
    "constraint": "the phone accepts any answer of the indicator's type; a reviewer checks answers against photos",
    "constraint_message": "Sidak enforces no constraint, so it shows no constraint message",
    "constraint message": "Sidak enforces no constraint, so it shows no constraint message",
    "required_message": "the phone says which indicator is still unanswered in its own words",
    "required message": "the phone says which indicator is still unanswered in its own words",
    "appearance": "the phone lays out each indicator type one way",
    "choice_filter": "the phone shows every choice of the list",
    "default": "the phone starts every answer empty",
    "read_only": "every indicator is answered on the phone",
    "readonly": "every indicator is answered on the phone",
    "image": "the phone shows no images beside the text",
    "audio": "the phone plays no audio",
    "video": "the phone plays no video",
    "calculation": "Sidak skips calculate rows",
    "trigger": "Sidak recalculates nothing",
    "repeat_count": "repeats are refused",
    "media": "the phone shows no images, audio or video beside the text",
    "guidance_hint": "the phone shows the hint as guidance",
}


# --- import -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    sheet: str | None
    row: int | None
    message: str

    @property
    def where(self) -> str:
        if self.sheet is None:
            return "file"
        return f"{self.sheet} row {self.row}" if self.row is not None else self.sheet


@dataclass
class _Column:
    base: str
    language: str | None  # "id", "en", None (no language given) or the unknown language as written


@dataclass
class _Reader:
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def refuse(self, sheet: str | None, row: int | None, message: str) -> None:
        self.problems.append(RowProblem(sheet, row, message))

    def warn(self, sheet: str | None, row: int | None, message: str) -> None:
        self.warnings.append(RowProblem(sheet, row, message))


@dataclass(frozen=True)
class XlsformImport:
    instrument: Instrument
    warnings: list[dict[str, Any]]  # what the form says that Sidak keeps or skips without acting on it, by sheet row


def instrument_from_xlsform(data: bytes, *, key: str | None = None, version: str | None = None) -> Instrument:
    """Read an XLSForm workbook into an instrument; ``key``/``version`` override the settings sheet.

    Raises ``InstrumentInvalid`` listing every problem with its sheet and row.
    """
    return read_xlsform(data, key=key, version=version).instrument


def read_xlsform(
    data: bytes, *, key: str | None = None, version: str | None = None, limits: WorkbookLimits = DEFAULT_LIMITS
) -> XlsformImport:
    """The instrument of an XLSForm workbook (``.xlsx`` or ``.xls``) and the warnings of its reading."""
    sheets = read_workbook(data, limits)
    if "survey" not in sheets:
        raise _invalid([RowProblem(None, None, "the workbook has no 'survey' sheet")])
    reader = _Reader()
    doc, rows_by_path = _instrument_dict(sheets, reader, key=key, version=version)
    if reader.problems:
        raise _invalid(reader.problems)
    try:
        instrument = msgspec.convert(doc, type=Instrument)
    except msgspec.ValidationError as error:
        message, _, path = str(error).partition(" - at `$")
        problem = _problem_at(path.rstrip("`").lstrip("."), message, rows_by_path, names_column=True)
        raise _invalid([problem]) from error
    rule_problems = [
        _problem_at(problem.field, problem.message, rows_by_path) for problem in instrument_problems(instrument)
    ]
    if rule_problems:
        raise _invalid(rule_problems)
    _check_with_pyxform(sheets, limits)
    return XlsformImport(instrument, [_error_entry(warning) for warning in reader.warnings])


def _invalid(problems: list[RowProblem]) -> InstrumentInvalid:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return InstrumentInvalid(
        f"{first.where}: {first.message}{more}",
        field=first.where,
        errors=[_error_entry(problem) for problem in problems],
    )


def _error_entry(problem: RowProblem) -> dict[str, Any]:
    entry = {"field": problem.where, "sheet": problem.sheet, "row": problem.row, "message": problem.message}
    return {name: value for name, value in entry.items() if value is not None}


def _problem_at(path: str, message: str, rows_by_path: dict[str, int], *, names_column: bool = False) -> RowProblem:
    """Locate a problem found on the assembled instrument (its ``path``) at the sheet row it came from.

    ``names_column`` prefixes the field within the row, for messages (msgspec's) that do not name it themselves.
    """
    if path.split(".")[0].split("[")[0] in ("key", "version", "title", "description"):
        return RowProblem("settings", None, f"{path}: {message}")
    match = re.match(r"^dimensions\[\d+\](?:\.indicators\[\d+\])?", path)
    if match is None:
        return RowProblem("survey", None, message)
    detail = path[match.end() :].lstrip(".")
    if names_column and detail:
        message = f"{_column_of(detail)} {_plain_words(message)}"
    return RowProblem("survey", rows_by_path.get(match.group(0)), message)


_COLUMN_OF_FIELD = {"text": "the label", "guidance": "the hint", "title": "the group label", "id": "the name"}


def _column_of(field: str) -> str:
    """The column a form author wrote, for a field of the instrument (``text.id`` → the label)."""
    head = re.split(r"[.\[]", field)[0]
    return _COLUMN_OF_FIELD.get(head, f"the {head} column")


def _plain_words(message: str) -> str:
    """msgspec's validation wording as a form author reads it."""
    if match := re.match(r"Expected `str` of length <= (\d+)", message):
        return f"is longer than {match.group(1)} characters"
    if re.match(r"Expected `str` of length >= 1", message):
        return "is empty"
    if re.match(r"Expected `str` matching regex", message):
        return "holds characters that are not allowed"
    if match := re.match(r"Expected `(?:int|float)` (<=|>=) (\S+)", message):
        return f"must be {'at most' if match.group(1) == '<=' else 'at least'} {match.group(2)}"
    return f"is not valid ({message})"


def _check_with_pyxform(sheets: dict[str, Sheet], limits: WorkbookLimits) -> None:
    """Run the rows already read (never the file again: pyxform would read it unbounded) through pyxform, the
    reference XLSForm converter, so that what Sidak accepts is an XLSForm that ODK tools accept too; in a child
    process bounded in time and memory, as pyxform cannot be interrupted."""
    try:
        refusal = pyxform_refusal(
            _pyxform_definition(sheets),
            max_seconds=limits.pyxform_max_seconds,
            max_memory_bytes=limits.pyxform_max_memory_bytes,
        )
    except PyxformTooCostly as error:
        message = str(error)
        raise WorkbookUnreadable(
            f"file: {message}", field="file", errors=[{"field": "file", "message": message}]
        ) from error
    if refusal is not None:
        raise _invalid([_pyxform_problem(refusal)])


def _pyxform_definition(sheets: dict[str, Sheet]) -> dict[str, Any]:
    definition: dict[str, Any] = {"sheet_names": list(sheets)}
    for name, sheet in sheets.items():
        # pyxform numbers rows by position, so the empty rows between are kept: its messages then name the row the
        # author sees.
        rows: list[dict[str, str]] = [{} for _ in range(max((row.number for row in sheet.rows), default=1) - 1)]
        for row in sheet.rows:
            rows[row.number - 2] = {column: _pyxform_text(value) for column, value in row.cells.items()}
        definition[name] = rows
        definition[f"{name}_header"] = [dict.fromkeys(sheet.columns)] if sheet.columns else []
    return definition


def _pyxform_text(value: Any) -> str:
    return _as_text(value).replace("\xa0", " ")


def _pyxform_problem(message: str) -> RowProblem:
    row = re.search(r"\[row\s*:\s*(\d+)\]", message)
    sheet = re.search(r"'(survey|choices|settings)' sheet", message)
    text = re.sub(r"\[row\s*:\s*\d+\]\s*", "", message).strip()
    return RowProblem(
        sheet.group(1) if sheet else ("survey" if row else None),
        int(row.group(1)) if row else None,
        f"ODK's XLSForm converter (pyxform) refuses the form: {text}",
    )


def _parse_column(header: str) -> _Column:
    base, _, language = header.partition("::")
    base = base.strip().lower()
    if not language:
        return _Column(base, None)
    match = re.search(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\)\s*$", language)
    code = (match.group(1) if match else language).strip().lower()
    code = _LANGUAGE_ALIASES.get(code, code)
    return _Column(base, code if code in LANGUAGE_NAMES else language.strip())


class _Cells:
    """One row's cells looked up by column meaning, whatever spelling of the header the author used.

    ``primary`` is the language that becomes the instrument's main text (``id``): Bahasa Indonesia when the form has
    it, else the form's default language (an English-only form is read as it is written)."""

    def __init__(self, row: Row, primary: str = "id") -> None:
        self.row = row
        self.primary = primary
        self._plain: dict[str, Any] = {}
        self._translated: dict[tuple[str, str], Any] = {}
        for header, value in row.cells.items():
            column = _parse_column(header)
            if column.language is None:
                self._plain[column.base] = value
            else:
                self._translated[(column.base, column.language)] = value

    def get(self, name: str) -> Any:
        return self._plain.get(name)

    def text(self, name: str) -> tuple[str | None, str | None]:
        """(main language, English) of a translatable column; a column without language is the main language."""
        indonesian = self._translated.get((name, self.primary), self._plain.get(name))
        english = self._translated.get((name, "en")) if self.primary != "en" else None
        return (
            _as_text(indonesian) if indonesian is not None else None,
            _as_text(english) if english is not None else None,
        )


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_header(sheet: Sheet, reader: _Reader) -> None:
    seen: set[str] = set()
    for header in sheet.columns:
        if header.lower() in seen:
            reader.refuse(sheet.name, 1, f"column '{header}' appears twice in the header row; keep one of them")
        seen.add(header.lower())


def _check_languages(sheet: Sheet, primary: str, reader: _Reader) -> None:
    for header in sheet.columns:
        column = _parse_column(header)
        if column.base in ("label", "hint") and column.language not in (None, primary, "en"):
            reader.warn(
                sheet.name,
                1,
                f"column '{header}' is in a further language: kept and written back by the export; the phone offers"
                " it beside Bahasa Indonesia (or the form's main language) and English, in the main language where"
                " the form does not translate",
            )


def _primary_language(sheets: dict[str, Sheet], reader: _Reader) -> str:
    """Bahasa Indonesia when the survey has it (or unmarked labels), else the settings' default_language, else the
    first language of the survey's labels."""
    languages = [
        column.language
        for column in map(_parse_column, sheets["survey"].columns)
        if column.base == "label" and column.language is not None
    ]
    has_plain_label = any(_parse_column(header) == _Column("label", None) for header in sheets["survey"].columns)
    if "id" in languages or has_plain_label or not languages:
        return "id"
    settings = sheets.get("settings")
    default = settings.rows[0].cells.get("default_language") if settings and settings.rows else None
    primary = _parse_column(f"label::{default}").language if default is not None else None
    if primary not in languages:
        primary = "en" if "en" in languages else languages[0]
    assert primary is not None
    reader.warn(
        "survey",
        1,
        f"the form has no Bahasa Indonesia labels: its {primary} labels are the instrument's main text, shown where"
        " Bahasa Indonesia would be",
    )
    return primary


# --- choices sheet ---


@dataclass
class _ChoiceList:
    choices: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def _read_choice_lists(sheet: Sheet | None, primary: str, reader: _Reader) -> dict[str, _ChoiceList]:
    lists: dict[str, _ChoiceList] = {}
    if sheet is None:
        return lists
    _check_languages(sheet, primary, reader)
    for row in sheet.rows:
        cells = _Cells(row, primary)
        list_name = cells.get("list_name") or cells.get("list name")
        value = cells.get("name")
        if value is None:
            value = cells.get("value")
        if list_name is None:
            reader.refuse("choices", row.number, "missing list_name")
            continue
        choice_list = lists.setdefault(_as_text(list_name), _ChoiceList())
        if value is None:
            reader.refuse("choices", row.number, f"a choice of list '{list_name}' has no name")
            continue
        value = _as_text(value)
        label_id, label_en = cells.text("label")
        if label_id is None:
            reader.refuse("choices", row.number, f"choice '{value}' of list '{list_name}' is missing its label")
            continue
        if any(choice["value"] == value for choice in choice_list.choices):
            reader.refuse("choices", row.number, f"choice '{value}' appears twice in list '{list_name}'")
            continue
        choice: dict[str, Any] = {"value": value, "label": _text(label_id, label_en)}
        further = {header: _as_text(text) for header, text in row.cells.items() if _is_further_label(header, primary)}
        if further:
            choice["xlsform"] = further
        score = _number_cell(cells, "score", reader, sheet="choices")
        if score is not None:
            choice["score"] = score
        choice_list.choices.append(choice)
        choice_list.rows.append(row.number)
    return lists


def _further_labels(cells: _Cells) -> dict[str, str]:
    """A group's or a note's label in the form's further languages, by header as written."""
    return {
        header: _as_text(text) for header, text in cells.row.cells.items() if _is_further_label(header, cells.primary)
    }


def _is_further_label(header: str, primary: str) -> bool:
    column = _parse_column(header)
    return column.base == "label" and column.language not in (None, primary, "en")


def _text(indonesian: str, english: str | None) -> dict[str, str]:
    return {"id": indonesian, "en": english} if english is not None else {"id": indonesian}


# --- survey sheet ---


@dataclass
class _SurveyState:
    lists: dict[str, _ChoiceList]
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    dimension_rows: list[int] = field(default_factory=list)
    dimension_has_weight: list[bool] = field(default_factory=list)
    open_group: dict[str, Any] | None = None
    refused_groups_open: int = 0  # nested groups refused but not yet closed: their 'end group' closes nothing
    last_indicator: dict[str, Any] | None = None
    names: dict[str, int] = field(default_factory=dict)
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)  # the earlier indicators, by id
    raw_relevant: dict[str, str] = field(default_factory=dict)
    rows_by_path: dict[str, int] = field(default_factory=dict)
    repeats_open: int = 0
    has_label_column: bool = True  # else refused once, not once per row
    pending_notes: list[_Note] = field(default_factory=list)  # shown as guidance of the next indicator
    metadata: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Note:
    number: int
    name: str
    text_id: str
    text_en: str | None
    further: dict[str, str]  # its label in the form's further languages


def _read_survey(sheet: Sheet, lists: dict[str, _ChoiceList], primary: str, reader: _Reader) -> _SurveyState:
    _check_languages(sheet, primary, reader)
    _check_survey_columns(sheet, reader)
    state = _SurveyState(lists)
    state.has_label_column = _has_label_column(sheet, primary, reader)
    for row in sheet.rows:
        _read_survey_row(_Cells(row, primary), state, reader)
    for note in state.pending_notes:
        reader.warn("survey", note.number, f"note '{note.name}' comes after the last indicator: it is not shown")
    if state.open_group is not None:
        reader.refuse(
            "survey", state.dimension_rows[-1], f"group '{state.open_group['id']}' is never closed with 'end group'"
        )
        _close_group(state, reader)
    if not state.dimensions and not reader.problems:
        reader.refuse("survey", None, "the survey has no group; every indicator belongs in a group (a dimension)")
    _settle_dimension_weights(state, reader)
    return state


def _read_survey_row(cells: _Cells, state: _SurveyState, reader: _Reader) -> None:
    number = cells.row.number
    raw_type = cells.get("type")
    if raw_type is None:
        if not state.repeats_open:
            reader.refuse("survey", number, "the row has no type")
        return
    row_type = re.sub(r"\s+", " ", str(raw_type).strip().lower())
    if _read_repeat_row(row_type, number, state, reader):
        return
    if row_type in _IGNORED_METADATA:
        reader.warn("survey", number, f"'{row_type}' row ignored (not kept): {_IGNORED_METADATA[row_type]}")
        return
    if row_type in _KEPT_METADATA:
        _read_metadata(cells, row_type, state, reader)
        return
    if row_type == "calculate":
        reader.warn(
            "survey", number, "calculate row skipped: Sidak scores answers by weights and bands, not by calculations"
        )
        return
    if row_type in _END_GROUP:
        _end_group(number, state, reader)
        return
    if row_type == "note":
        _read_note(cells, state, reader)
        return
    _read_named_row(cells, row_type, str(raw_type), state, reader)


def _read_metadata(cells: _Cells, row_type: str, state: _SurveyState, reader: _Reader) -> None:
    number = cells.row.number
    name = _as_text(cells.get("name") or row_type).strip()
    if not _NAME_PATTERN.match(name):
        reader.warn("survey", number, f"'{row_type}' row ignored (not kept): its name '{name}' is not a field name")
        return
    if name in state.names:
        reader.refuse("survey", number, f"name '{name}' is used twice (first on row {state.names[name]})")
        return
    state.names[name] = number
    state.metadata.append({"type": row_type, "name": name})
    reader.warn(
        "survey", number, f"'{row_type}' row kept as '{name}': recorded with every visit as {_KEPT_METADATA[row_type]}"
    )


def _read_repeat_row(row_type: str, number: int, state: _SurveyState, reader: _Reader) -> bool:
    """Repeats are refused once, at their 'begin repeat'; the rows inside are not each refused again."""
    if row_type in _BEGIN_REPEAT:
        if not state.repeats_open:
            reader.refuse(
                "survey",
                number,
                "repeats are not supported: a checklist answers each indicator once per visit (the rows up to its"
                " 'end repeat' are not read)",
            )
        state.repeats_open += 1
        return True
    if row_type in _END_REPEAT:
        if state.repeats_open:
            state.repeats_open -= 1
        else:
            reader.refuse("survey", number, "'end repeat' without a repeat to close")
        return True
    return state.repeats_open > 0


def _read_note(cells: _Cells, state: _SurveyState, reader: _Reader) -> None:
    text_id, text_en = cells.text("label")
    number = cells.row.number
    name = _as_text(cells.get("name") or f"row {number}")
    if text_id is None:
        reader.warn("survey", number, f"note '{name}' has no label: it is skipped")
        return
    if not _NAME_PATTERN.match(name):
        reader.refuse("survey", number, _bad_name_message(name))
        return
    if name in state.names:
        reader.refuse("survey", number, f"name '{name}' is used twice (first on row {state.names[name]})")
        return
    state.names[name] = number
    state.pending_notes.append(_Note(number, name, text_id, text_en, _further_labels(cells)))


def _has_label_column(sheet: Sheet, primary: str, reader: _Reader) -> bool:
    columns = [_parse_column(header) for header in sheet.columns]
    if any(column.base == "label" and column.language in (None, primary, "en") for column in columns):
        return True
    near = [header for header in sheet.columns if "label" in header.lower()]
    reader.refuse(
        "survey",
        1,
        "the survey sheet has no label column Sidak recognises: name it 'label', 'label::Indonesian (id)' or"
        " 'label::English (en)'" + (f" (found: {', '.join(repr(header) for header in near)})" if near else ""),
    )
    return False


def _check_survey_columns(sheet: Sheet, reader: _Reader) -> None:
    """One warning per column Sidak does not act on, naming the rows that fill it in (an empty column says nothing)."""
    for header in sheet.columns:
        column = _parse_column(header)
        if column.base in _READ_SURVEY_COLUMNS and (column.language is None or column.base in ("label", "hint")):
            continue
        rows = [row.number for row in sheet.rows if header in row.cells]
        if rows:
            why = _IGNORED_COLUMNS.get(column.base, "Sidak does not know this column")
            what = "is not acted on" if column.base in _NOT_KEPT else "is kept for the export, not acted on"
            reader.warn("survey", rows[0], f"column '{header}' (rows {_row_list(rows)}) {what}: {why}")


def _read_named_row(cells: _Cells, row_type: str, raw_type: str, state: _SurveyState, reader: _Reader) -> None:
    """A group, a photo or an indicator: each needs a name no other row has."""
    if row_type in _BEGIN_GROUP:
        if _is_unique_name(cells, state, reader):
            _begin_group(cells, state, reader)
    elif row_type in _IMAGE_TYPES:
        if _is_unique_name(cells, state, reader):
            _read_image(cells, state, reader)
    else:
        indicator_type, list_name = _indicator_type(row_type, raw_type, cells.row.number, reader)
        if indicator_type is not None and _is_unique_name(cells, state, reader):
            _read_indicator(cells, indicator_type, list_name, state, reader)


def _end_group(number: int, state: _SurveyState, reader: _Reader) -> None:
    if state.refused_groups_open:
        state.refused_groups_open -= 1
    elif state.open_group is None:
        reader.refuse("survey", number, "'end group' without a group to close")
    else:
        _close_group(state, reader)


def _is_unique_name(cells: _Cells, state: _SurveyState, reader: _Reader) -> bool:
    name = cells.get("name")
    if name is None:
        reader.refuse("survey", cells.row.number, "missing name")
        return False
    name = _as_text(name)
    if name in state.names:
        reader.refuse("survey", cells.row.number, f"name '{name}' is used twice (first on row {state.names[name]})")
        return False
    state.names[name] = cells.row.number
    return True


def _indicator_type(row_type: str, raw_type: str, number: int, reader: _Reader) -> tuple[str | None, str | None]:
    if row_type in _QUESTION_TYPES:
        return _QUESTION_TYPES[row_type], None
    select = _SELECT_ONE.match(row_type)
    if select and not select.group(2):
        return "select", raw_type.split()[-1]  # yes/no, 0–3 or choice: its list decides (``_attach_choices``)
    if select:
        reader.refuse("survey", number, f"type '{raw_type}' is not supported: 'or_other' answers cannot be scored")
    else:
        reader.refuse("survey", number, f"type '{raw_type}' is not supported")
    return None, None


def _begin_group(cells: _Cells, state: _SurveyState, reader: _Reader) -> None:
    number = cells.row.number
    name = _as_text(cells.get("name"))
    if state.open_group is not None:
        reader.refuse(
            "survey",
            number,
            f"group '{name}' is inside group '{state.open_group['id']}': nested groups are not supported",
        )
        state.refused_groups_open += 1
        return
    if not _NAME_PATTERN.match(name):
        reader.refuse("survey", number, _bad_name_message(name))
    if cells.get("relevant") is not None:
        reader.refuse("survey", number, f"group '{name}' has a relevant condition; only indicators can have one")
    title_id, title_en = cells.text("label")
    if title_id is None and state.has_label_column:
        reader.refuse("survey", number, f"group '{name}' is missing its label (label::Indonesian (id) or label)")
    weight = _number_cell(cells, "weight", reader)
    state.open_group = {"id": name, "title": _text(title_id or name, title_en), "weight": weight or 0, "indicators": []}
    further = _further_labels(cells)
    if further:
        state.open_group["xlsform"] = further
    state.dimension_rows.append(number)
    state.dimension_has_weight.append(cells.get("weight") is not None)
    state.rows_by_path[f"dimensions[{len(state.dimensions)}]"] = number
    state.last_indicator = None


def _close_group(state: _SurveyState, reader: _Reader) -> None:
    group = state.open_group
    assert group is not None
    if not group["indicators"]:
        reader.refuse("survey", state.dimension_rows[-1], f"group '{group['id']}' holds no indicator")
    state.dimensions.append(group)
    state.open_group = None
    state.last_indicator = None


def _settle_dimension_weights(state: _SurveyState, reader: _Reader) -> None:
    if not any(state.dimension_has_weight):
        for dimension in state.dimensions:
            dimension["weight"] = 1
        return
    for dimension, row, has_weight in zip(
        state.dimensions, state.dimension_rows, state.dimension_has_weight, strict=False
    ):
        if not has_weight:
            reader.refuse("survey", row, f"group '{dimension['id']}' has no weight while other groups have one")


def _read_indicator(
    cells: _Cells, indicator_type: str, list_name: str | None, state: _SurveyState, reader: _Reader
) -> None:
    number = cells.row.number
    name = _as_text(cells.get("name"))
    if state.open_group is None:
        reader.refuse(
            "survey", number, f"indicator '{name}' is outside any group; put every indicator in a group (a dimension)"
        )
        return
    if not _NAME_PATTERN.match(name):
        reader.refuse("survey", number, _bad_name_message(name))
    text_id, text_en = cells.text("label")
    if text_id is None and state.has_label_column:
        reader.refuse("survey", number, f"indicator '{name}' is missing its label (label::Indonesian (id) or label)")
    indicator: dict[str, Any] = {
        "id": name,
        "text": _text(text_id or name, text_en),
        "type": indicator_type,
        "weight": _indicator_weight(cells, indicator_type, reader),
    }
    guidance = _guidance(cells, name, reader)
    if guidance is not None:
        indicator["guidance"] = guidance
    _attach_notes(indicator, state, reader)
    for column in ("required", "allow_na", "reverse"):
        indicator[column] = _yes_no_cell(cells, column, reader)
    photo = _photo_column(cells, reader)
    if photo is not None:
        indicator["photo"] = photo
    if list_name is not None:
        _attach_choices(indicator, list_name, number, state.lists, reader)
    _attach_number_fields(indicator, cells, reader)
    kept = _kept_columns(_unread_columns(cells), {**state.indicators, name: indicator}, number, reader)
    if kept:
        indicator["xlsform"] = kept
    _attach_relevant(indicator, cells, state, reader)
    path = f"dimensions[{len(state.dimensions)}].indicators[{len(state.open_group['indicators'])}]"
    state.rows_by_path[path] = number
    state.open_group["indicators"].append(indicator)
    state.indicators[name] = indicator
    state.last_indicator = indicator


def _attach_relevant(indicator: dict[str, Any], cells: _Cells, state: _SurveyState, reader: _Reader) -> None:
    relevant = cells.get("relevant")
    if relevant is not None:
        condition = _condition(str(relevant), indicator["id"], cells.row.number, state.indicators, reader)
        if condition is not None:
            indicator["relevant"] = condition
        state.raw_relevant[indicator["id"]] = _squeeze(str(relevant))


def _bad_name_message(name: str) -> str:
    return f"name '{name}' must start with a letter and hold only letters, digits and '_' (at most 32 characters)"


def _indicator_weight(cells: _Cells, indicator_type: str, reader: _Reader) -> float:
    weight = _number_cell(cells, "weight", reader)
    if weight is None:
        return 0 if indicator_type == "text" else 1
    return weight


def _attach_notes(indicator: dict[str, Any], state: _SurveyState, reader: _Reader) -> None:
    """The notes just above an indicator stay its own: the phone shows them with its guidance, the export writes them
    back as notes in their place."""
    if not state.pending_notes:
        return
    notes, state.pending_notes = state.pending_notes, []
    indicator["notes"] = [
        {
            "name": note.name,
            "text": _text(note.text_id, note.text_en),
            **({"xlsform": note.further} if note.further else {}),
        }
        for note in notes
    ]
    for note in notes:
        reader.warn(
            "survey",
            note.number,
            f"note '{note.name}' is kept with indicator '{indicator['id']}': the phone shows it with the indicator's"
            " guidance",
        )


def _guidance(cells: _Cells, name: str, reader: _Reader) -> dict[str, str] | None:
    hint_id, hint_en = cells.text("hint")
    if hint_id is None and hint_en is not None:
        reader.warn(
            "survey",
            cells.row.number,
            f"indicator '{name}' has a hint in English only: surveyors see it in English whatever their language",
        )
        return {"id": hint_en, "en": hint_en}
    return _text(hint_id, hint_en) if hint_id is not None else None


def _attach_choices(
    indicator: dict[str, Any], list_name: str, number: int, lists: dict[str, _ChoiceList], reader: _Reader
) -> None:
    """Decide a select_one's type from its list: yes/no by its two values, 0–3 by the list ``scale_0_3``, any other
    a choice scored by the list's ``score`` column. Scores are never guessed from the order of a list."""
    choice_list = lists.get(list_name)
    if choice_list is None:
        reader.refuse("survey", number, f"choice list '{list_name}' does not exist in the choices sheet")
        return
    values = [choice["value"] for choice in choice_list.choices]
    yes_no = _yes_no_values(values)
    if yes_no is not None:
        indicator["type"] = "yes_no"
        _attach_yes_no(indicator, list_name, choice_list, yes_no, reader)
    elif list_name == YES_NO_LIST:
        reader.refuse(
            "survey", number, f"list '{YES_NO_LIST}' must hold two values meaning yes and no, such as yes and no"
        )
    elif list_name == SCALE_LIST:
        indicator["type"] = "scale_0_3"
        if sorted(values) != ["0", "1", "2", "3"]:
            reader.refuse("survey", number, f"list '{SCALE_LIST}' must hold exactly the values 0, 1, 2 and 3")
    else:
        indicator["type"] = "choice"
        indicator["choices"] = _scored_choices(indicator, list_name, choice_list, number, reader)
    # The export's own name for the list is not kept, so that an exported form reads back to the same document.
    if list_name != default_list_name(indicator["id"], has_choices="choices" in indicator, type_=indicator["type"]):
        indicator["choice_list"] = list_name


def _yes_no_values(values: list[str]) -> tuple[str, str] | None:
    """The (yes, no) values of a list that holds exactly a yes and a no, in any of the usual spellings."""
    if len(values) != 2:
        return None
    lowered = [value.strip().lower() for value in values]
    for yes, no in _YES_NO_PAIRS:
        if sorted(lowered) == sorted((yes, no)):
            return values[lowered.index(yes)], values[lowered.index(no)]
    return None


def _attach_yes_no(
    indicator: dict[str, Any], list_name: str, choice_list: _ChoiceList, yes_no: tuple[str, str], reader: _Reader
) -> None:
    by_value = {choice["value"]: choice for choice in choice_list.choices}
    yes, no = by_value[yes_no[0]], by_value[yes_no[1]]
    if ("score" in yes or "score" in no) and yes.get("score", 0) <= no.get("score", 0):
        reader.refuse(
            "choices",
            choice_list.rows[0],
            f"list '{list_name}' scores '{yes['value']}' no higher than '{no['value']}'; a yes/no question is met by"
            " its yes: leave the score column empty for it, and mark a question that is better answered no with"
            " 'yes' in the survey's reverse column",
        )
        return
    is_plain = yes_no == ("yes", "no") and [yes["label"], no["label"]] in (_PLAIN_YES_NO_LABELS, _PLAIN_YES_NO_ID)
    if not is_plain:  # the list's own values and wording are kept, for the phone and for the export
        indicator["choices"] = [{**choice, "score": 1 if choice is yes else 0} for choice in choice_list.choices]


def _scored_choices(
    indicator: dict[str, Any], list_name: str, choice_list: _ChoiceList, number: int, reader: _Reader
) -> list[dict[str, Any]]:
    choices = [dict(choice) for choice in choice_list.choices]
    unscored = [row for row, choice in zip(choice_list.rows, choices, strict=True) if "score" not in choice]
    if not unscored:
        if [choice["score"] for choice in choices] == list(range(len(choices))):
            for choice in choices:  # 0, 1, 2… in listed order is what a list without scores means: stored as such
                del choice["score"]
        return choices
    if len(unscored) < len(choices):
        reader.refuse(
            "choices",
            unscored[0],
            f"list '{list_name}' gives some choices a score and not others (rows {_row_list(unscored)});"
            " give every choice of the list its score",
        )
    elif indicator["weight"] > 0:
        example = ", ".join(f"{choice['value']} {len(choices) - 1 - n}" for n, choice in enumerate(choices[:3]))
        reader.refuse(
            "survey",
            number,
            f"indicator '{indicator['id']}' is scored, but its list '{list_name}' says nothing of which answer is"
            f" better: add a 'score' column to the choices sheet giving each choice its points (for example"
            f" {example}), or give the indicator weight 0",
        )
    return choices


def _row_list(rows: list[int]) -> str:
    return ", ".join(str(row) for row in rows[:5]) + (", …" if len(rows) > 5 else "")


def _attach_number_fields(indicator: dict[str, Any], cells: _Cells, reader: _Reader) -> None:
    number = cells.row.number
    bands, unit = cells.get("bands"), cells.get("unit")
    if indicator["type"] != "number":
        for column, value in (("bands", bands), ("unit", unit)):
            if value is not None:
                reader.refuse("survey", number, f"column '{column}' is only for integer or decimal rows")
        return
    if bands is not None:
        parsed = _parse_bands(str(bands))
        if parsed is None:
            reader.refuse(
                "survey",
                number,
                f"bands '{bands}' must look like '15:1;30:0.67;60:0.33;*:0' (max:score, '*' for the catch-all)",
            )
        else:
            indicator["bands"] = parsed
    if unit is not None:
        indicator["unit"] = _as_text(unit)
    if "bands" not in indicator and cells.get("weight") is None:
        indicator["weight"] = 0  # no bands say what a good value is, and none is guessed
        reader.warn(
            "survey",
            number,
            f"indicator '{indicator['id']}' is recorded but not scored: give it bands (and a weight) to score it",
        )


def _parse_bands(text: str) -> list[dict[str, float]] | None:
    bands = []
    for part in filter(None, (part.strip() for part in text.split(";"))):
        band_max, colon, score = part.partition(":")
        try:
            band = {"score": float(score)}
            if band_max.strip() != "*":
                band["max"] = float(band_max)
        except ValueError:
            return None
        if not colon:
            return None
        bands.append(band)
    return bands or None


def _read_image(cells: _Cells, state: _SurveyState, reader: _Reader) -> None:
    number = cells.row.number
    indicator = state.last_indicator
    if indicator is None:
        reader.refuse("survey", number, "an image row must come right after the indicator it documents")
        return
    if "photo" in indicator:
        reader.refuse("survey", number, f"indicator '{indicator['id']}' already has its photo")
        return
    relevant = cells.get("relevant")
    if relevant is not None and _squeeze(str(relevant)) != state.raw_relevant.get(indicator["id"]):
        reader.refuse(
            "survey",
            number,
            f"the image row's relevant differs from indicator '{indicator['id']}''s; a photo follows its indicator",
        )
    indicator["photo"] = "required" if _yes_no_cell(cells, "required", reader) else "optional"
    state.last_indicator = None
    _warn_of_image_details(cells, indicator, state.indicators, reader)


def _warn_of_image_details(
    cells: _Cells, indicator: dict[str, Any], names: dict[str, dict[str, Any]], reader: _Reader
) -> None:
    """An image row is the photo of its indicator. What else it says (its name, its own label and hint: the photo
    instructions, its parameters…) is kept for the export, unless it is what Sidak's own export writes."""
    text = indicator["text"]
    written = {
        "name": f"{indicator['id']}_photo",
        "label": f"Foto: {text['id']}",
        "label::en": f"Photo: {text['en']}" if text.get("en") else None,
        "parameters": f"max-pixels={PHOTO_MAX_PIXELS}",
    }
    label, label_en = cells.text("label")
    hint, hint_en = cells.text("hint")
    said = {
        "name": _as_text(cells.get("name")),
        "label": label,
        "label::en": label_en,
        "hint": hint,
        "hint::en": hint_en,
        "parameters": _as_text(cells.get("parameters")) if cells.get("parameters") is not None else None,
    }
    kept = {
        f"image:{column}": value for column, value in said.items() if value is not None and value != written.get(column)
    }
    kept |= {f"image:{header}": value for header, value in _unread_columns(cells).items()}
    kept = _kept_columns(kept, names, cells.row.number, reader)
    if kept:
        indicator["xlsform"] = (indicator.get("xlsform") or {}) | kept
        reader.warn(
            "survey",
            cells.row.number,
            f"image row '{said['name']}' is the photo of indicator '{indicator['id']}': the phone asks for it under the"
            " indicator's own text; the image row's name, label, hint and other columns are kept for the export",
        )
    pixels = re.search(r"max-pixels\s*=\s*(\d+)", said["parameters"] or "")
    if pixels and int(pixels.group(1)) != PHOTO_MAX_PIXELS:
        reader.warn(
            "survey",
            cells.row.number,
            f"max-pixels={pixels.group(1)} is kept for the export, not acted on: the phone resizes every photo to"
            f" {PHOTO_MAX_PIXELS} px on its long side",
        )


def _unread_columns(cells: _Cells) -> dict[str, str]:
    """The row's columns Sidak does not read, as written: kept in the instrument for the export."""
    unread = {}
    for header, value in cells.row.cells.items():
        column = _parse_column(header)
        is_read = column.base in _READ_SURVEY_COLUMNS and (
            column.base not in ("label", "hint") or column.language in (None, cells.primary, "en")
        )
        if not is_read and column.base not in _NOT_KEPT:
            unread[header] = _as_text(value)
    return unread


def _kept_columns(
    columns: dict[str, str], names: dict[str, dict[str, Any]], number: int, reader: _Reader
) -> dict[str, str]:
    """The columns whose expressions refer only to indicators (``${A01}``): one that refers to a row Sidak skips
    (a calculation, a note) would break the exported form, so it is named in a warning instead."""
    kept = {}
    for header, value in columns.items():
        missing = sorted(set(re.findall(r"\$\{([^}]+)\}", value)) - set(names))
        if missing:
            reader.warn(
                "survey", number, f"column '{header}' is not kept: it refers to {', '.join(missing)}, which Sidak skips"
            )
        else:
            kept[header] = value
    return kept


def _photo_column(cells: _Cells, reader: _Reader) -> str | None:
    value = cells.get("photo")
    if value is None:
        return None
    photo = _as_text(value).lower()
    if photo not in ("required", "optional", "none"):
        reader.refuse("survey", cells.row.number, f"photo '{value}' must be required, optional or none")
        return None
    return photo


def _condition(
    expression: str, name: str, number: int, earlier: dict[str, dict[str, Any]], reader: _Reader
) -> dict[str, Any] | None:
    match = _RELEVANT.match(expression.strip()) or _SELECTED.match(expression.strip())
    if match is None:
        reader.refuse(
            "survey", number, f"relevant '{expression}' is not supported; only the form ${{INDICATOR}} = 'value' is"
        )
        return None
    target = earlier.get(match.group("name"))
    if target is None:
        reader.refuse(
            "survey", number, f"relevant refers to '{match.group('name')}', which is not an indicator before '{name}'"
        )
        return None
    text = match.group("single") if match.group("single") is not None else match.group("double")
    literal = text if text is not None else (match.groupdict().get("number") or "")
    equals = _condition_value(target, literal, is_quoted=text is not None)
    if equals is None:
        compared_with = f"'{literal}'" if text is not None else literal
        reader.refuse(
            "survey", number, f"relevant compares '{target['id']}' with {compared_with}, a value it cannot take"
        )
        return None
    return {"indicator": target["id"], "equals": equals}


def _condition_value(target: dict[str, Any], literal: str, *, is_quoted: bool) -> bool | int | float | str | None:
    match target["type"]:
        case "yes_no" if target.get("choices"):
            return next((choice["score"] == 1 for choice in target["choices"] if choice["value"] == literal), None)
        case "yes_no":
            return {"yes": True, "no": False}.get(literal) if is_quoted else None
        case "scale_0_3":
            return int(literal) if literal in ("0", "1", "2", "3") else None
        case "number":
            try:
                value = float(literal)
            except ValueError:
                return None
            return int(value) if value.is_integer() else value
        case _:
            return literal if is_quoted else None


def _squeeze(expression: str) -> str:
    return re.sub(r"\s+", "", expression)


def _number_cell(cells: _Cells, column: str, reader: _Reader, *, sheet: str = "survey") -> float | None:
    value = cells.get(column)
    if value is None:
        return None
    try:
        number = float(value) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not 0 <= number <= 1000:
        reader.refuse(sheet, cells.row.number, f"{column} '{value}' must be a number from 0 to 1000")
        return None
    return number


def _yes_no_cell(cells: _Cells, column: str, reader: _Reader) -> bool:
    value = cells.get(column)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    answer = _YES_NO.get(_as_text(value).strip().lower())
    if answer is None:
        reader.refuse("survey", cells.row.number, f"{column} '{value}' must be yes or no")
        return False
    return answer


# --- settings sheet and assembly ---


def _instrument_dict(
    sheets: dict[str, Sheet], reader: _Reader, *, key: str | None, version: str | None
) -> tuple[dict[str, Any], dict[str, int]]:
    for sheet in sheets.values():
        _check_header(sheet, reader)
    primary = _primary_language(sheets, reader)
    lists = _read_choice_lists(sheets.get("choices"), primary, reader)
    survey = _read_survey(sheets["survey"], lists, primary, reader)
    settings_sheet = sheets.get("settings")
    settings = _Cells(settings_sheet.rows[0]) if settings_sheet and settings_sheet.rows else None
    settings_row = settings.row.number if settings else None
    doc: dict[str, Any] = {
        "key": key if key is not None else _settings_key(settings, settings_row, reader),
        "version": version if version is not None else _settings_version(settings, settings_row, reader),
        "dimensions": survey.dimensions,
    }
    if survey.metadata:
        doc["metadata"] = survey.metadata
    title = settings.get("form_title") if settings else None
    title_en = settings.get("form_title_en") if settings else None
    doc["title"] = _text(
        _as_text(title) if title is not None else str(doc["key"]), _as_text(title_en) if title_en is not None else None
    )
    description = settings.get("description") if settings else None
    description_en = settings.get("description_en") if settings else None
    if description is not None:
        doc["description"] = _text(
            _as_text(description), _as_text(description_en) if description_en is not None else None
        )
    elif description_en is not None:
        reader.refuse("settings", settings_row, "description_en is given without a description in Bahasa Indonesia")
    return doc, survey.rows_by_path


def _settings_key(settings: _Cells | None, row: int | None, reader: _Reader) -> str:
    form_id = settings.get("form_id") if settings else None
    if form_id is None:
        reader.refuse("settings", row, "form_id is missing (it becomes the instrument key)")
        return ""
    form_id = _as_text(form_id)
    if not _KEY_PATTERN.match(form_id):
        reader.refuse(
            "settings",
            row,
            f"form_id '{form_id}' is not a valid instrument key: use 2–63 lower-case letters, digits, '-' and '_'",
        )
    return form_id


def _settings_version(settings: _Cells | None, row: int | None, reader: _Reader) -> str:
    value = settings.get("version") if settings else None
    if value is None:
        reader.refuse("settings", row, "version is missing (such as 3, 1.2.0 or 202512071530)")
        return ""
    # A spreadsheet turns 2025-12-07 typed in a cell into a date; the author meant the text.
    text = value.date().isoformat() if isinstance(value, datetime) and value.time() == time() else _as_text(value)
    text = text.strip()
    if not re.match(VERSION_PATTERN, text):
        reader.refuse(
            "settings",
            row,
            f"version '{value}' cannot name a version: use up to 64 letters, digits and marks such as . - _ + (3,"
            " 1.2.0, v3, 202512071530), without spaces, slashes, ?, # or %",
        )
        return ""
    return text
