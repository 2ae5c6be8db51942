"""XLSForm workbooks built the way people write them, and hostile ones, for the tests (no binary fixtures)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable


def with_member(data: bytes, name: str, content: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one zip member's content replaced or added (``content`` gets the old bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = source.read(entry.filename)
            target.writestr(entry.filename, content(body) if entry.filename == name else body, compresslevel=9)
        if name not in source.namelist():
            target.writestr(name, content(b""), compresslevel=9)
    return out.getvalue()


def rows_bomb(inflated_bytes: int) -> Callable[[bytes], bytes]:
    """A survey sheet without a <dimension> whose empty rows inflate to about ``inflated_bytes``."""

    def content(_: bytes) -> bytes:
        head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        return head + b"<sheetData>" + b"<row/>" * (inflated_bytes // 6) + b"</sheetData></worksheet>"

    return content


def a_workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx of the given sheets (name → rows, the header first), as openpyxl writes what an author typed."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def a_checklist(
    questions: list[list[object]],
    choices: list[list[object]],
    *,
    header: tuple[str, ...] = ("type", "name", "label"),
    choices_header: tuple[str, ...] = ("list_name", "name", "label"),
    form_id: str = "cek-layanan",
    version: object = 1,
) -> bytes:
    """One group 'A' holding ``questions``, the ``choices`` sheet and a settings sheet: the smallest real form."""
    return a_workbook(
        {
            "survey": [list(header), ["begin group", "A", "Layanan"], *questions, ["end group", "A"]],
            "choices": [list(choices_header), *choices],
            "settings": [["form_id", "version", "form_title"], [form_id, version, "Cek layanan"]],
        }
    )


def a_legacy_workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """The same as ``a_workbook``, saved as a legacy Excel 97–2003 ``.xls`` (as older teams still send them)."""
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
