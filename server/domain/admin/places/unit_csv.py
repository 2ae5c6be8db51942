"""Reading the units CSV (docs/contract.md): ``region_code, region_name, agency, unit, address, lat, lon,
geofence_m, opening_hours``.

Pure: bytes in, rows and problems out. The import is all-or-nothing, so this reads the whole file and lists *every*
problem with the line it is on (the header is line 1; a quoted value spanning lines is reported at its first line),
rather than stopping at the first one.

Written for what spreadsheets in Indonesia actually export: UTF-8 with or without a byte-order mark, ``,`` or ``;``
as the delimiter (sniffed from the header line; Excel in an Indonesian locale writes ``;``), and in a ``;`` file a
decimal comma (``-6,7616``). Columns may come in any order; a missing or unknown column refuses the file, since a
misspelt header would otherwise drop a column without a word. Blank lines are skipped. Names are trimmed and their
inner whitespace collapsed; the same unit (region, agency and unit name, ignoring case) twice in one file is refused.

Bounded, since the file may be hostile: past ``max_rows`` units reading stops and the file is refused (413), a line
longer than any valid row (``MAX_LINE_CHARS``) stops it too, and a value holding a control character (NUL and the
other C0/C1 controls but tab and line breaks) is refused with its line: PostgreSQL refuses NUL in text, SQLite
would store it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from server.domain.admin.opening_hours import parse_opening_hours
from server.lib.errors import InvalidInput, PayloadTooLarge

COLUMNS = ("region_code", "region_name", "agency", "unit", "address", "lat", "lon", "geofence_m", "opening_hours")
DEFAULT_GEOFENCE_M = 100
MAX_GEOFENCE_M = 50_000
_MAX_LENGTHS = {"region_code": 32, "region_name": 200, "agency": 200, "unit": 200, "address": 500, "opening_hours": 200}
_REGION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REQUIRED_NAMES = ("region_code", "region_name", "agency", "unit")
Report = Callable[[str, str], None]
DEFAULT_MAX_ROWS = 10_000
MAX_LINE_CHARS = 8192
"""Several times the longest valid row (every value at its longest length, quoted)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@dataclass(frozen=True)
class UnitRow:
    line: int
    region_code: str
    region_name: str
    agency: str
    unit: str
    address: str
    lat: float | None
    lon: float | None
    geofence_m: int
    opening_hours: str
    """In canonical form (``Mo-Th 08:00-15:30; Fr 08:00-11:00``), or empty for "always open"."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    """The line number in the file; 1 is the header."""
    field: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class ReadRow:
    """One data line as read: the values as written, and the row when they were all valid."""

    line: int
    values: dict[str, str]
    row: UnitRow | None
    problems: tuple[RowProblem, ...]


@dataclass(frozen=True)
class UnitsCsv:
    rows: tuple[ReadRow, ...]
    file_problems: tuple[RowProblem, ...] = ()

    @property
    def problems(self) -> list[RowProblem]:
        return [*self.file_problems, *(problem for row in self.rows for problem in row.problems)]

    @property
    def units(self) -> list[UnitRow]:
        return [row.row for row in self.rows if row.row is not None]


def read_units_csv(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS) -> UnitsCsv:
    """Read the whole file; every problem of its content is in the result. Past ``max_rows`` units it raises
    ``PayloadTooLarge``, having read no further."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return UnitsCsv((), (RowProblem(line, "file", 'the file is not UTF-8 text; save it as "CSV UTF-8"'),))
    header_text = next((line for line in io.StringIO(text) if line.strip()), None)
    if header_text is None:
        return UnitsCsv(
            (), (RowProblem(1, "file", f"the file is empty; its first line names the columns: {', '.join(COLUMNS)}"),)
        )
    delimiter = _sniff_delimiter(header_text)
    reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(r for r in reader if any(value.strip() for value in r))]
    except csv.Error as error:
        return UnitsCsv((), (RowProblem(reader.line_num + 1, "header", f"cannot read the header: {error}"),))
    except _LineTooLong as error:
        return UnitsCsv((), (_line_too_long(error.line),))
    header_line = reader.line_num
    header_problems = _header_problems(header, header_line)
    if header_problems:
        return UnitsCsv((), tuple(header_problems))
    rows = _read_rows(reader, header, decimal_comma=delimiter == ";", max_rows=max_rows)
    if not rows:
        return UnitsCsv((), (RowProblem(header_line, "file", "the file has a header but no units"),))
    return UnitsCsv(tuple(_with_duplicates_refused(rows)))


def parse_units_csv(data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS) -> list[UnitRow]:
    """The units of a file without problems; else ``InvalidInput`` listing every problem as
    ``{row, field, message}``."""
    read = read_units_csv(data, max_rows=max_rows)
    problems = read.problems
    if problems:
        raise invalid_units_csv(problems)
    return read.units


def invalid_units_csv(problems: list[RowProblem]) -> InvalidInput:
    first = problems[0]
    rows = sorted({problem.row for problem in problems})
    return InvalidInput(
        f"{len(rows)} line(s) of the file cannot be imported (first: line {first.row}, {first.field}:"
        f" {first.message}); nothing was imported.",
        field=first.field,
        errors=[problem.as_dict() for problem in problems],
    )


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def _header_problems(header: list[str], line: int) -> list[RowProblem]:
    problems = []
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        problems.append(
            RowProblem(line, "header", f"missing column(s): {', '.join(missing)}; the columns are {', '.join(COLUMNS)}")
        )
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(RowProblem(line, "header", f"unknown column(s): {', '.join(repr(n) for n in unknown)}"))
    repeated = sorted({name for name in header if header.count(name) > 1 and name in COLUMNS})
    if repeated:
        problems.append(RowProblem(line, "header", f"column(s) named twice: {', '.join(repeated)}"))
    return problems


def _bounded_lines(text: str) -> Iterator[str]:
    """The file's lines for the CSV reader, stopping at one no valid row is as long as: the reader would otherwise
    hold a whole line of megabytes, split into as many values, before a check could see it."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise _LineTooLong(number)
        yield line


def _line_too_long(line: int) -> RowProblem:
    return RowProblem(line, "file", f"the line is longer than {MAX_LINE_CHARS} characters; no unit's row is")


def _read_rows(reader: Any, header: list[str], *, decimal_comma: bool, max_rows: int) -> list[ReadRow]:
    rows: list[ReadRow] = []
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            return [*rows, ReadRow(line, {}, None, (RowProblem(line, "file", f"cannot read the file here: {error}"),))]
        except _LineTooLong as error:
            return [*rows, ReadRow(error.line, {}, None, (_line_too_long(error.line),))]
        if not any(value.strip() for value in record):
            continue
        if len(rows) == max_rows:
            raise PayloadTooLarge(
                f"The file has more than {max_rows} units (line {line}); import it in parts of at most {max_rows}.",
                max_rows=max_rows,
            )
        rows.append(_read_row(line, record, header, decimal_comma=decimal_comma))


def _read_row(line: int, record: list[str], header: list[str], *, decimal_comma: bool) -> ReadRow:
    if len(record) != len(header):
        mismatch = RowProblem(line, "row", f"{len(record)} values where the header has {len(header)} columns")
        return ReadRow(line, dict(zip(header, record, strict=False)), None, (mismatch,))
    values = dict(zip(header, (value.strip() for value in record), strict=True))
    if control_problems := _control_characters(line, values):
        # Shown back in the preview: the values are given without the characters, which no page could show.
        return ReadRow(line, {name: _CONTROL.sub("", value) for name, value in values.items()}, None, control_problems)
    problems: list[RowProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(RowProblem(line, field, message))

    names = {name: " ".join(values[name].split()) for name in (*_REQUIRED_NAMES, "address")}
    for name in _REQUIRED_NAMES:
        if not names[name]:
            problem(name, f"{name} is empty")
    for name, limit in _MAX_LENGTHS.items():
        if len(values[name]) > limit:
            problem(name, f"{name} is longer than {limit} characters")
    if names["region_code"] and not _REGION_CODE.match(names["region_code"]):
        problem("region_code", f"region code {names['region_code']!r} may hold only letters, digits, '.', '-', '_'")
    lat, lon = _coordinates(values, problem, decimal_comma=decimal_comma)
    geofence_m = _geofence_m(values["geofence_m"], problem)
    opening_hours = _opening_hours(values["opening_hours"], problem)
    if problems:
        return ReadRow(line, values, None, tuple(problems))
    row = UnitRow(
        line=line,
        region_code=names["region_code"],
        region_name=names["region_name"],
        agency=names["agency"],
        unit=names["unit"],
        address=names["address"],
        lat=lat,
        lon=lon,
        geofence_m=geofence_m,
        opening_hours=opening_hours,
    )
    return ReadRow(line, values, row, ())


def _control_characters(line: int, values: dict[str, str]) -> tuple[RowProblem, ...]:
    return tuple(
        RowProblem(line, name, f"{name} holds the control character U+{ord(control.group()):04X}; remove it")
        for name, value in values.items()
        if (control := _CONTROL.search(value))
    )


def _coordinates(values: dict[str, str], problem: Report, *, decimal_comma: bool) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = values["lat"], values["lon"]
    if not raw_lat and not raw_lon:
        return None, None
    if not raw_lat or not raw_lon:
        missing = "lat" if not raw_lat else "lon"
        problem(missing, "give both lat and lon, or neither")
        return None, None
    lat = _coordinate(raw_lat, "lat", 90, problem, decimal_comma=decimal_comma)
    lon = _coordinate(raw_lon, "lon", 180, problem, decimal_comma=decimal_comma)
    return lat, lon


def _coordinate(raw: str, field: str, limit: int, problem: Report, *, decimal_comma: bool) -> float | None:
    written = raw.replace(",", ".") if decimal_comma and raw.count(",") == 1 and "." not in raw else raw
    try:
        value = float(written)
    except ValueError:
        problem(field, f"{field} {raw!r} is not a number (write decimal degrees such as -6.7616)")
        return None
    if not math.isfinite(value) or not -limit <= value <= limit:
        problem(field, f"{field} {raw!r} is outside -{limit}…{limit}")
        return None
    return value


def _geofence_m(raw: str, problem: Report) -> int:
    if not raw:
        return DEFAULT_GEOFENCE_M
    if not raw.isdecimal() or not 0 < int(raw) <= MAX_GEOFENCE_M:
        problem("geofence_m", f"geofence_m {raw!r} is not a whole number of metres between 1 and {MAX_GEOFENCE_M}")
        return DEFAULT_GEOFENCE_M
    return int(raw)


def _opening_hours(raw: str, problem: Report) -> str:
    canonical, error = _canonical_opening_hours(raw)
    if error is not None:
        problem("opening_hours", error)
    return canonical


@lru_cache(maxsize=1024)
def _canonical_opening_hours(raw: str) -> tuple[str, str | None]:
    # A file repeats a few opening hours over thousands of rows; parsing them was half of reading a row.
    try:
        hours = parse_opening_hours(raw)
    except InvalidInput as error:
        return "", error.detail
    return (hours.format() if hours is not None else ""), None


def _with_duplicates_refused(rows: list[ReadRow]) -> list[ReadRow]:
    """Refuse a unit named twice, and a region code given two different names, pointing at the first occurrence."""
    first_unit_line: dict[tuple[str, str, str], int] = {}
    region_names: dict[str, tuple[str, int]] = {}
    checked = []
    for read in rows:
        row = read.row
        if row is None:
            checked.append(read)
            continue
        problems = []
        unit_key = (row.region_code.casefold(), row.agency.casefold(), row.unit.casefold())
        if unit_key in first_unit_line:
            problems.append(
                RowProblem(
                    read.line,
                    "unit",
                    f"unit {row.unit!r} of {row.agency!r} is already on line {first_unit_line[unit_key]}",
                )
            )
        else:
            first_unit_line[unit_key] = read.line
        known_name, known_line = region_names.setdefault(row.region_code, (row.region_name, read.line))
        if known_name != row.region_name:
            problems.append(
                RowProblem(
                    read.line,
                    "region_name",
                    f"region {row.region_code} is called {known_name!r} on line {known_line}, not {row.region_name!r}",
                )
            )
        checked.append(ReadRow(read.line, read.values, None, tuple(problems)) if problems else read)
    return checked
