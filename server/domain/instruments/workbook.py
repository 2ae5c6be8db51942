"""Reading an uploaded spreadsheet (``.xlsx`` or legacy ``.xls``) into plain rows, within fixed bounds.

Admins upload forms that others wrote, so a workbook is treated as hostile until read: an ``.xlsx`` is a zip archive
whose members can inflate a thousandfold, declare a million rows in a few bytes, or hold thousands of sheets. Before
openpyxl sees the file, the zip directory is checked (member count, sheet count, declared size of every member and
in total), then every member is inflated once while counting, so that a directory that lies about its sizes is caught
too. openpyxl then reads in read-only mode with the declared dimensions ignored (only cells that exist are read),
at most ``max_survey_rows`` (survey) or ``max_rows`` rows and ``max_columns`` columns of each sheet, and the whole
read stops at ``max_seconds``. Past any bound the upload is refused with the bound named, never read halfway.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from server.lib.errors import UnsupportedMediaType, WorkbookTooLarge, WorkbookUnreadable

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE2 compound file that legacy Excel writes
ACCEPTED_FORMATS = ["an Excel workbook (.xlsx)", "a legacy Excel workbook (.xls)"]
READ_SHEETS = ("survey", "choices", "settings")
_INFLATE_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
    """Bounds of one upload. Real forms stay far below them: a 1,000-question form in five languages is ~2 MiB
    inflated, ~1,500 rows and ~40 columns."""

    max_members: int = 200
    max_sheets: int = 32
    max_member_bytes: int = 32 * 1024 * 1024
    max_total_bytes: int = 64 * 1024 * 1024
    max_shared_strings_bytes: int = 16 * 1024 * 1024
    max_rows: int = 10_000  # of the choices and settings sheets (a list of villages can be long)
    max_survey_rows: int = 10_000
    max_columns: int = 256
    max_seconds: float = 5.0
    # pyxform then converts the rows read, in a child process stopped at these bounds (pyxform_check).
    pyxform_max_seconds: float = 30.0
    pyxform_max_memory_bytes: int = 1024 * 1024 * 1024


DEFAULT_LIMITS = WorkbookLimits()


@dataclass
class Row:
    number: int  # the row number the author sees in Excel
    cells: dict[str, Any]  # column header as written (whitespace squeezed) → non-empty value


@dataclass
class Sheet:
    name: str
    rows: list[Row]
    columns: list[str]


def read_workbook(data: bytes, limits: WorkbookLimits = DEFAULT_LIMITS) -> dict[str, Sheet]:
    """The survey, choices and settings sheets (by lower-cased name) of an ``.xlsx`` or ``.xls`` file.

    Raises ``WorkbookTooLarge`` (413) past a size bound, ``WorkbookUnreadable`` (422) past a count or time bound or for
    a damaged file, ``UnsupportedMediaType`` (415) for a file that is no workbook at all.
    """
    deadline = time.monotonic() + limits.max_seconds
    if data.startswith(XLSX_MAGIC):
        _check_archive(data, limits)
        sheets = _read_xlsx(data, limits, deadline)
    elif data.startswith(XLS_MAGIC):
        sheets = _read_xls(data, limits, deadline)
    else:
        raise UnsupportedMediaType(
            "The file is not an Excel workbook; send an XLSForm as .xlsx or .xls.",
            errors=[{"field": "file", "message": f"accepted: {', '.join(ACCEPTED_FORMATS)}"}],
            accepted=ACCEPTED_FORMATS,
        )
    return sheets


# --- .xlsx: the zip archive first, then openpyxl ---


def _check_archive(data: bytes, limits: WorkbookLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _unreadable("the file is damaged: it is not a readable .xlsx archive") from error
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise _unreadable(f"the workbook holds {len(members)} parts; at most {limits.max_members} are read")
        sheet_count = sum(1 for member in members if re.match(r"^xl/worksheets/[^/]+\.xml$", member.filename))
        if sheet_count > limits.max_sheets:
            raise _unreadable(f"the workbook has {sheet_count} sheets; at most {limits.max_sheets} are read")
        _check_declared_sizes(members, limits)
        total = 0
        for member in members:
            total += _inflated_size(archive, member, limits, already=total)


def _check_declared_sizes(members: list[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    total = 0
    for member in members:
        _check_member_size(member.filename, member.file_size, limits)
        total += member.file_size
        if total > limits.max_total_bytes:
            raise _too_large(f"the workbook inflates to more than {_mib(limits.max_total_bytes)}")


def _check_member_size(name: str, size: int, limits: WorkbookLimits) -> None:
    is_shared_strings = name.lower().endswith("sharedstrings.xml")
    bound = limits.max_shared_strings_bytes if is_shared_strings else limits.max_member_bytes
    if size > bound:
        what = "shared strings inflate" if is_shared_strings else f"part {name} inflates"
        raise _too_large(f"the workbook's {what} to more than {_mib(bound)}")


def _inflated_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: WorkbookLimits, *, already: int) -> int:
    """Inflate one member, counting, and stop at the bound: the directory's sizes are the sender's word only."""
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_INFLATE_CHUNK):
                size += len(chunk)
                _check_member_size(member.filename, size, limits)
                if already + size > limits.max_total_bytes:
                    raise _too_large(f"the workbook inflates to more than {_mib(limits.max_total_bytes)}")
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: a compression method zipfile does not know.
        raise _unreadable(f"the workbook's part {member.filename} cannot be read (damaged or encrypted)") from error
    return size


def _read_xlsx(data: bytes, limits: WorkbookLimits, deadline: float) -> dict[str, Sheet]:
    import openpyxl  # only when a workbook is read: it is ~6 MB in every app process otherwise

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a damaged workbook
        raise _unreadable("the file is damaged: it is not a readable .xlsx workbook") from error
    try:
        worksheets = ((worksheet.title, partial(_xlsx_rows, worksheet)) for worksheet in workbook.worksheets)
        return _read_sheets(worksheets, limits, deadline)
    finally:
        workbook.close()


def _xlsx_rows(worksheet: Any) -> Iterable[tuple[Any, ...]]:
    # The declared <dimension> is the sender's word: a few bytes can claim a million rows, which read-only
    # openpyxl would then pad out. Without it, only the cells that exist are read, and each row is as wide as its
    # last cell (at most Excel's 16,384 columns), so a cell beyond the bound is seen and refused, not cut off unseen.
    worksheet.reset_dimensions()
    return worksheet.iter_rows(values_only=True)


# --- .xls: xlrd, which pyxform uses too ---


def _read_xls(data: bytes, limits: WorkbookLimits, deadline: float) -> dict[str, Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as error:  # xlrd raises its own and struct/OLE errors for a damaged file
        raise _unreadable("the file is damaged: it is not a readable .xls workbook") from error
    try:
        if book.nsheets > limits.max_sheets:
            raise _unreadable(f"the workbook has {book.nsheets} sheets; at most {limits.max_sheets} are read")
        worksheets = ((title, partial(_xls_rows, book, index)) for index, title in enumerate(book.sheet_names()))
        return _read_sheets(worksheets, limits, deadline)
    finally:
        book.release_resources()


def _xls_rows(book: Any, index: int) -> Iterable[tuple[Any, ...]]:
    sheet = book.sheet_by_index(index)
    return (tuple(_xls_value(book, cell) for cell in sheet.row_slice(r, 0)) for r in range(sheet.nrows))


def _xls_value(book: Any, cell: Any) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
    return cell.value


# --- rows ---


def _read_sheets(
    worksheets: Iterable[tuple[str, Callable[[], Iterable[tuple[Any, ...]]]]], limits: WorkbookLimits, deadline: float
) -> dict[str, Sheet]:
    """The sheets Sidak reads, by lower-cased name (the first of a name wins), from (title, rows) pairs."""
    sheets: dict[str, Sheet] = {}
    try:
        for title, rows in worksheets:
            name = title.strip().lower()
            if name in READ_SHEETS and name not in sheets:
                sheets[name] = _read_sheet(name, rows(), limits, deadline)
    except (WorkbookUnreadable, WorkbookTooLarge):
        raise
    except Exception as error:  # the readers raise many unrelated types for a damaged sheet
        raise _unreadable("the file is damaged: a sheet of the workbook cannot be read") from error
    return sheets


def _read_sheet(name: str, rows: Iterable[tuple[Any, ...]], limits: WorkbookLimits, deadline: float) -> Sheet:
    numbered = _bounded(name, rows, limits, deadline)
    header = next(numbered, (1, ()))[1]
    columns = [re.sub(r"\s+", " ", str(value).strip()) if value is not None else "" for value in header]
    sheet_rows = []
    for number, values in numbered:
        cells: dict[str, Any] = {}
        for column, value in zip(columns, values, strict=False):
            if isinstance(value, str):
                value = value.strip()
            if column and value is not None and value != "":
                cells.setdefault(column, value)
        if cells:
            sheet_rows.append(Row(number, cells))
    return Sheet(name, sheet_rows, [column for column in columns if column])


def _bounded(
    name: str, rows: Iterable[tuple[Any, ...]], limits: WorkbookLimits, deadline: float
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, values in enumerate(rows, start=1):
        max_rows = limits.max_survey_rows if name == "survey" else limits.max_rows
        if number > max_rows + 1:
            raise _unreadable(f"sheet '{name}' has more than {max_rows} rows; at most that many are read")
        if len(values) > limits.max_columns and any(value not in (None, "") for value in values[limits.max_columns :]):
            raise _unreadable(
                f"sheet '{name}' row {number} has cells beyond column {limits.max_columns}; at most that many are read"
            )
        if time.monotonic() > deadline:
            raise _unreadable(f"the workbook took longer than {limits.max_seconds:g} s to read")
        yield number, values[: limits.max_columns]


def _unreadable(message: str) -> WorkbookUnreadable:
    return WorkbookUnreadable(f"file: {message}", field="file", errors=[{"field": "file", "message": message}])


def _too_large(message: str) -> WorkbookTooLarge:
    return WorkbookTooLarge(f"file: {message}", field="file", errors=[{"field": "file", "message": message}])


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"
