"""Hostile workbooks: every one is refused (or read) quickly, in bounded memory, naming the bound it crossed."""

from __future__ import annotations

import io
import re
import struct
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from server.domain.instruments.workbook import WorkbookLimits, read_workbook
from server.domain.instruments.xlsform import instrument_from_xlsform, read_xlsform
from server.lib.errors import DomainError, WorkbookTooLarge, WorkbookUnreadable
from tests.xlsforms import rows_bomb, with_member

SURVEY = [
    ["type", "name", "label"],
    ["begin group", "A", "Sarana"],
    ["select_one yes_no", "A1", "Toilet tersedia"],
    ["end group", "A"],
]


def a_workbook(survey: list[list[object]] = SURVEY, *, extra_sheets: int = 0) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    choices = workbook.create_sheet("choices")
    for row in [["list_name", "name", "label"], ["yes_no", "yes", "Ya"], ["yes_no", "no", "Tidak"]]:
        choices.append(row)
    settings = workbook.create_sheet("settings")
    for row in [["form_id", "version"], ["uji", 1]]:
        settings.append(row)
    for number in range(extra_sheets):
        workbook.create_sheet(f"s{number}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused(data: bytes, limits: WorkbookLimits | None = None) -> tuple[DomainError, float]:
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        read_workbook(data, limits) if limits else read_workbook(data)
    return caught.value, time.monotonic() - started


def test_a_zip_bomb_is_refused_in_bounded_time_and_memory() -> None:
    bomb = with_member(a_workbook(), "xl/worksheets/sheet1.xml", rows_bomb(256 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        error, seconds = refused(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, WorkbookTooLarge) and error.status == 413
    assert error.errors == [
        {"field": "file", "message": "the workbook's part xl/worksheets/sheet1.xml inflates to more than 32 MiB"}
    ]
    assert seconds < 2
    assert peak < 20 * 1024 * 1024


def test_a_part_that_inflates_past_its_declared_size_is_refused() -> None:
    honest = with_member(a_workbook(), "xl/worksheets/sheet1.xml", rows_bomb(2 * 1024 * 1024))
    lying = _declare_small_sizes(honest, b"xl/worksheets/sheet1.xml")
    error, seconds = refused(lying, WorkbookLimits(max_member_bytes=1024 * 1024))
    assert isinstance(error, WorkbookUnreadable | WorkbookTooLarge)
    assert seconds < 2


def _declare_small_sizes(data: bytes, name: bytes) -> bytes:
    """Rewrite the uncompressed size of ``name`` to 1 KiB in its local header and in the central directory."""
    patched = bytearray(data)
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            if patched[start + name_offset : start + name_offset + len(name)] == name:
                struct.pack_into("<I", patched, start + size_offset, 1024)
            start += 4
    return bytes(patched)


def test_a_workbook_with_thousands_of_sheets_is_refused_quickly() -> None:
    error, seconds = refused(a_workbook(extra_sheets=300))
    assert isinstance(error, WorkbookUnreadable) and error.status == 422
    assert "parts; at most 200 are read" in error.detail or "sheets; at most 32 are read" in error.detail
    assert seconds < 2


def test_huge_shared_strings_are_refused() -> None:
    def strings(_: bytes) -> bytes:
        head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        return head + b"<si><t>a</t></si>" * (20 * 1024 * 1024 // 16) + b"</sst>"

    error, seconds = refused(with_member(a_workbook(), "xl/sharedStrings.xml", strings))
    assert isinstance(error, WorkbookTooLarge)
    assert "shared strings inflate to more than 16 MiB" in error.detail
    assert seconds < 2


def test_a_sheet_declaring_a_million_rows_and_every_column_is_read_by_its_cells_alone() -> None:
    def declared_huge(sheet: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)

    data = with_member(a_workbook(), "xl/worksheets/sheet1.xml", declared_huge)
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    started = time.monotonic()
    sheets = read_workbook(data)
    assert time.monotonic() - started < 2
    assert [row.number for row in sheets["survey"].rows] == [2, 3, 4]


def test_more_rows_than_the_bound_are_refused_naming_the_sheet() -> None:
    survey = [["type", "name", "label"], *[["text", f"t{n}", "T"] for n in range(60)]]
    error, _ = refused(a_workbook(survey), WorkbookLimits(max_survey_rows=50))
    assert error.errors == [
        {"field": "file", "message": "sheet 'survey' has more than 50 rows; at most that many are read"}
    ]


def test_cells_beyond_the_column_bound_are_refused_naming_the_row() -> None:
    survey = [*SURVEY, ["text", "far", "Jauh", *([None] * 300), "x"]]
    error, _ = refused(a_workbook(survey))
    assert error.errors == [
        {"field": "file", "message": "sheet 'survey' row 5 has cells beyond column 256; at most that many are read"}
    ]


def test_reading_stops_at_the_time_bound() -> None:
    error, _ = refused(a_workbook(), WorkbookLimits(max_seconds=0))
    assert error.detail == "file: the workbook took longer than 0 s to read"


def test_a_damaged_archive_is_refused_as_unreadable() -> None:
    error, _ = refused(a_workbook()[:2000])
    assert isinstance(error, WorkbookUnreadable)
    assert error.errors == [{"field": "file", "message": "the file is damaged: it is not a readable .xlsx archive"}]


def test_the_bounds_hold_through_the_whole_xlsform_import() -> None:
    bomb = with_member(a_workbook(), "xl/worksheets/sheet1.xml", rows_bomb(128 * 1024 * 1024))
    with pytest.raises(WorkbookTooLarge):
        instrument_from_xlsform(bomb)


def a_large_checklist(questions: int) -> bytes:
    rows = [["select_one yes_no", f"Q{n}", f"Pertanyaan {n}"] for n in range(questions)]
    return a_workbook([["type", "name", "label"], ["begin group", "A", "Sarana"], *rows, ["end group", "A"]])


def test_pyxform_past_its_time_bound_is_stopped_and_the_upload_refused_naming_the_bound() -> None:
    started = time.monotonic()
    with pytest.raises(WorkbookUnreadable) as caught:
        read_xlsform(a_large_checklist(1_500), limits=WorkbookLimits(pyxform_max_seconds=0.3))
    assert caught.value.detail == "file: ODK's XLSForm converter took longer than 0.3 s"
    assert time.monotonic() - started < 5  # stopped at the bound, not run to its end


def test_pyxform_past_its_memory_bound_is_stopped_and_the_upload_refused_naming_the_bound() -> None:
    with pytest.raises(WorkbookUnreadable) as caught:
        read_xlsform(a_large_checklist(1_500), limits=WorkbookLimits(pyxform_max_memory_bytes=64 * 1024 * 1024))
    assert caught.value.detail == "file: ODK's XLSForm converter needed more than 64 MiB"


def test_a_survey_of_ten_thousand_rows_is_read_and_checked_by_pyxform_within_its_bounds() -> None:
    read = read_xlsform(a_large_checklist(9_990))
    assert len(read.instrument.indicators()) == 9_990
