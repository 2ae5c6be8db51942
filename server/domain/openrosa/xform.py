"""The XForm ODK Collect fills in: the instrument's XLSForm export, plus what Sidak needs from the phone, through
pyxform.

The indicators, groups, choices, photos and conditions come from ``instrument_to_xlsform`` unchanged, so the
spreadsheet an admin downloads and the form a Collect user fills in never disagree. Added to its survey sheet:
- ``sidak_start`` and ``sidak_end`` (XLSForm's ``start`` and ``end``): when the visit was opened and finalised;
- ``audit`` with location tracking: every question's times and the positions sampled during the visit (the geofence,
  too-fast and travel checks read them as they read the PWA's positions);
- ``sidak_assignment``: a ``select_one_from_file`` over ``assignments.csv``, the surveyor's own open assignments,
  which the manifest serves per key; ``sidak_unit`` looks the unit's name up for the saved form's name.
The form id names the instrument and its version (``<key>-v<version>``), so two versions of one checklist in two
waves are two forms on the phone.
"""

from __future__ import annotations

import io
from typing import Any

from server.domain.instruments.documents import Instrument
from server.domain.instruments.xlsform import instrument_to_xlsform

ASSIGNMENTS_FILE = "assignments.csv"
ASSIGNMENT_FIELD = "sidak_assignment"
UNIT_FIELD = "sidak_unit"
# Prefixed, as the assignment is, so that no indicator id can take their names.
START_FIELD = "sidak_start"
END_FIELD = "sidak_end"
AUDIT_FILE = "audit.csv"
# Collect samples a position at most every 30 s while the form is open, and none older than a minute is written.
AUDIT_PARAMETERS = "location-priority=high-accuracy location-min-interval=30 location-max-age=60"
_ID_LABEL = "label::Indonesian (id)"
_EN_LABEL = "label::English (en)"

_COLLECT_ROWS: list[dict[str, str]] = [
    {"type": "start", "name": START_FIELD},
    {"type": "end", "name": END_FIELD},
    {"type": "audit", "name": "audit", "parameters": AUDIT_PARAMETERS},
    {
        "type": f"select_one_from_file {ASSIGNMENTS_FILE}",
        "name": ASSIGNMENT_FIELD,
        _ID_LABEL: "Unit yang dikunjungi (penugasan Anda)",
        _EN_LABEL: "Unit visited (your assignment)",
        "required": "yes",
        "appearance": "autocomplete",
    },
    {
        "type": "calculate",
        "name": UNIT_FIELD,
        "calculation": f"instance('assignments')/root/item[name=${{{ASSIGNMENT_FIELD}}}]/label",
    },
]


def form_id(instrument: Instrument) -> str:
    return form_id_of(instrument.key, instrument.version)


def form_id_of(key: str, version: str) -> str:
    return f"{key}-v{version}"


def collect_xform(instrument: Instrument) -> str:
    """The XForm (XML text) for ``instrument``; it depends on the instrument alone."""
    # Imported here: pyxform loads openpyxl and with it Pillow, which the app process must not hold (only the photo
    # decoders do).
    from openpyxl import load_workbook
    from pyxform.xls2xform import convert

    workbook = load_workbook(io.BytesIO(instrument_to_xlsform(instrument)))
    _insert_rows(workbook["survey"], _COLLECT_ROWS, at_row=2)
    _set_cells(workbook["settings"], 2, {"form_id": form_id(instrument), "instance_name": f"${{{UNIT_FIELD}}}"})
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = convert(xlsform=buffer.getvalue(), file_type=".xlsx", validate=False, pretty_print=False)
    return str(result.xform)


def _columns(sheet: Any, names: set[str]) -> dict[str, int]:
    """1-based column numbers by header, adding a header for each of ``names`` the sheet lacks."""
    columns = {str(cell.value): cell.column for cell in sheet[1] if cell.value is not None}
    for name in sorted(names - set(columns)):
        column = sheet.max_column + 1
        sheet.cell(row=1, column=column, value=name)
        columns[name] = column
    return columns


def _insert_rows(sheet: Any, rows: list[dict[str, str]], *, at_row: int) -> None:
    columns = _columns(sheet, {name for row in rows for name in row})
    sheet.insert_rows(at_row, amount=len(rows))
    for offset, row in enumerate(rows):
        for name, value in row.items():
            sheet.cell(row=at_row + offset, column=columns[name], value=value)


def _set_cells(sheet: Any, row: int, values: dict[str, str]) -> None:
    columns = _columns(sheet, set(values))
    for name, value in values.items():
        sheet.cell(row=row, column=columns[name], value=value)
