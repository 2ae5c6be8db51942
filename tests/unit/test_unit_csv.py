from __future__ import annotations

import pytest

from server.domain.admin.places.unit_csv import parse_units_csv, read_units_csv
from server.lib.errors import InvalidInput

HEADER = "region_code,region_name,agency,unit,address,lat,lon,geofence_m,opening_hours"
GOOD = (
    '32.09,Kabupaten Cirebon,Dinas Kesehatan,Puskesmas Sumber,"Jl. Dewi Sartika No. 1, Sumber",'
    "-6.7616,108.4808,150,Mo-Th 08:00-15:30; Fr 08:00-11:00"
)


def csv_bytes(*lines: str, header: str = HEADER, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\n".join([header, *lines]) + "\n").encode()


def problems_of(data: bytes) -> list[tuple[int, str]]:
    return [(p.row, p.field) for p in read_units_csv(data).problems]


def test_a_good_file_gives_its_units_with_canonical_opening_hours():
    [unit] = parse_units_csv(csv_bytes(GOOD))

    assert (unit.line, unit.region_code, unit.region_name, unit.agency, unit.unit) == (
        2,
        "32.09",
        "Kabupaten Cirebon",
        "Dinas Kesehatan",
        "Puskesmas Sumber",
    )
    assert unit.address == "Jl. Dewi Sartika No. 1, Sumber"
    assert (unit.lat, unit.lon, unit.geofence_m) == (-6.7616, 108.4808, 150)
    assert unit.opening_hours == "Mo-Th 08:00-15:30; Fr 08:00-11:00"


def test_a_byte_order_mark_and_windows_line_ends_are_accepted():
    data = csv_bytes(GOOD, bom=True).replace(b"\n", b"\r\n")

    [unit] = parse_units_csv(data)

    assert unit.region_code == "32.09"


def test_semicolon_files_with_decimal_commas_are_read():
    line = "32.09;Kabupaten Cirebon;Samsat;Samsat Sumber;Jl. Sunan Kalijaga;-6,7590;108,4760;;Sen-Jum 08.00-15.00 WIB"

    [unit] = parse_units_csv(csv_bytes(line, header=HEADER.replace(",", ";")))

    assert (unit.lat, unit.lon, unit.geofence_m) == (-6.759, 108.476, 100)
    assert unit.opening_hours == "Mo-Fr 08:00-15:00"


def test_columns_may_come_in_any_order_and_coordinates_may_be_left_out():
    header = "unit,agency,region_name,region_code,opening_hours,geofence_m,lon,lat,address"

    [unit] = parse_units_csv(
        csv_bytes("Kantor Camat Sumber,Kecamatan Sumber,Kabupaten Cirebon,32.09,,,,,", header=header)
    )

    assert (unit.unit, unit.lat, unit.lon, unit.opening_hours, unit.address) == (
        "Kantor Camat Sumber",
        None,
        None,
        "",
        "",
    )


def test_every_bad_row_is_listed_with_its_line_and_reasons():
    data = csv_bytes(
        GOOD,
        "32.09,Kabupaten Cirebon,,Puskesmas Tanpa Dinas,,-6.7,108.4,100,",  # line 3: agency missing
        "32.09,Kabupaten Cirebon,Dinkes,Puskesmas A,,utara,108.4,100,",  # line 4: lat not a number
        "32.09,Kabupaten Cirebon,Dinkes,Puskesmas B,,-91,181,100,",  # line 5: both out of range
        "32.09,Kabupaten Cirebon,Dinkes,Puskesmas C,,-6.7,,100,",  # line 6: lon missing
        "32.09,Kabupaten Cirebon,Dinkes,Puskesmas D,,-6.7,108.4,-5,",  # line 7: geofence negative
        "32.09,Kabupaten Cirebon,Dinkes,Puskesmas E,,-6.7,108.4,12.5,",  # line 8: geofence fraction
        "32.09,Kabupaten Cirebon,Dinkes,Puskesmas F,,-6.7,108.4,100,kadang buka",  # line 9: hours unreadable
        "32.09,Kabupaten Cirebon,Dinas Kesehatan,puskesmas  SUMBER,,,,,",  # line 10: same unit as line 2
        ",,Dinkes,Puskesmas G,,,,,",  # line 11: region missing
    )

    with pytest.raises(InvalidInput) as raised:
        parse_units_csv(data)

    assert problems_of(data) == [
        (3, "agency"),
        (4, "lat"),
        (5, "lat"),
        (5, "lon"),
        (6, "lon"),
        (7, "geofence_m"),
        (8, "geofence_m"),
        (9, "opening_hours"),
        (10, "unit"),
        (11, "region_code"),
        (11, "region_name"),
    ]
    errors = raised.value.errors
    assert errors[0] == {"row": 3, "field": "agency", "message": "agency is empty"}
    assert "line 2" in next(e["message"] for e in errors if e["row"] == 10)


def test_a_region_code_with_two_names_is_refused():
    other_name = GOOD.replace("Kabupaten Cirebon,Dinas Kesehatan,Puskesmas Sumber", "Kab. Cirebon,Dinkes,Puskesmas X")

    assert problems_of(csv_bytes(GOOD, other_name)) == [(3, "region_name")]


def test_a_missing_or_misspelt_column_refuses_the_file_at_the_header():
    data = csv_bytes(GOOD, header=HEADER.replace("geofence_m", "geofence"))

    problems = read_units_csv(data).problems

    assert [(p.row, p.field) for p in problems] == [(1, "header"), (1, "header")]
    assert "geofence_m" in problems[0].message and "'geofence'" in problems[1].message


def test_a_row_with_the_wrong_number_of_values_is_refused():
    assert problems_of(csv_bytes(GOOD, "32.09,Kabupaten Cirebon,Dinkes")) == [(3, "row")]


def test_blank_lines_are_skipped_but_counted():
    assert problems_of(csv_bytes("", GOOD, "", "32.09,Kabupaten Cirebon,,X,,,,,")) == [(5, "agency")]


def test_a_value_spanning_lines_is_reported_at_its_first_line():
    multiline = '32.09,Kabupaten Cirebon,Dinkes,Puskesmas Z,"Jl. Raya\nSumber",-6.7,abc,100,'

    assert problems_of(csv_bytes(multiline, "32.09,Kabupaten Cirebon,,Y,,,,,")) == [(2, "lon"), (4, "agency")]


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_bad_byte():
    data = csv_bytes(GOOD, GOOD.replace("Sumber", "Sumber2")).replace(b"Sumber2", "Sümber".encode("latin-1"))

    assert problems_of(data) == [(3, "file")]


@pytest.mark.parametrize("data", [b"", b"\n\n", csv_bytes()])
def test_an_empty_file_or_one_without_units_is_refused(data):
    assert [p.field for p in read_units_csv(data).problems] == ["file"]


def test_the_preview_keeps_what_was_written_for_bad_rows():
    read = read_units_csv(csv_bytes(GOOD, "32.09,Kabupaten Cirebon,Dinkes,Puskesmas A,,utara,108.4,100,"))

    assert [row.row is not None for row in read.rows] == [True, False]
    assert read.rows[1].values["lat"] == "utara"


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"], ids=["NUL", "BEL", "ESC", "DEL", "NEL"])
def test_a_value_with_a_control_character_is_refused_naming_its_line_and_field(character):
    bad = GOOD.replace("Puskesmas Sumber", f"Puskesmas{character}Plumbon")

    read = read_units_csv(csv_bytes(GOOD.replace("Sumber,", "Weru,"), bad))

    assert [(p.row, p.field) for p in read.problems] == [(3, "unit")]
    assert f"U+{ord(character):04X}" in read.problems[0].message
    assert character not in read.rows[1].values["unit"]  # shown back without it


def test_tabs_and_line_breaks_inside_quoted_values_are_no_control_characters():
    line = GOOD.replace('"Jl. Dewi Sartika No. 1, Sumber"', '"Jl. Dewi Sartika\tNo. 1,\r\nSumber"')

    [unit] = parse_units_csv(csv_bytes(line))

    assert unit.address == "Jl. Dewi Sartika No. 1, Sumber"


def test_a_file_past_the_row_bound_is_refused_without_reading_on():
    from server.lib.errors import PayloadTooLarge

    lines = [GOOD.replace("Puskesmas Sumber", f"Puskesmas {n}") for n in range(4)]

    with pytest.raises(PayloadTooLarge) as refused:
        read_units_csv(csv_bytes(*lines, "this line, is never read"), max_rows=3)

    assert refused.value.extra == {"max_rows": 3}
    assert "line 5" in refused.value.detail
    assert len(read_units_csv(csv_bytes(*lines[:3]), max_rows=3).units) == 3


def test_a_line_longer_than_any_row_stops_the_reading_there():
    from server.domain.admin.places.unit_csv import MAX_LINE_CHARS

    endless = ",".join(["x"] * MAX_LINE_CHARS)

    assert problems_of(csv_bytes(GOOD, endless, GOOD.replace("Sumber,", "Weru,"))) == [(3, "file")]
    assert problems_of(csv_bytes(header=endless)) == [(1, "file")]
