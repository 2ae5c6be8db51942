"""POST /api/admin/units/import: all or nothing, every bad row listed, a dry run that previews."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from server.config import Settings
from server.db.models import AuditEvent, Region
from tests.integration.admin.test_places import assert_problem

HEADER = "region_code,region_name,agency,unit,address,lat,lon,geofence_m,opening_hours"
ROWS = [
    '32.09,Kabupaten Cirebon,Dinas Kesehatan,Puskesmas Sumber,"Jl. Dewi Sartika No. 2, Sumber",-6.7617,108.4772,100,'
    "Mo-Th 07:30-14:00; Fr 07:30-11:00",
    "32.09,Kabupaten Cirebon,Dinas Kesehatan,Puskesmas Plered,Jl. Raya Plered,-6.7073,108.5063,,",
    "32.09,Kabupaten Cirebon,Disdukcapil,Kantor Disdukcapil,Jl. Sunan Kalijaga No. 7,-6.7575,108.4853,80,"
    "Sen-Kam 08.00-15.30; Jum 08.00-11.00",
    "32.74,Kota Cirebon,Kecamatan Kejaksan,Kantor Kecamatan Kejaksan,Jl. Kartini No. 17,,,,",
]
BAD_ROWS = [
    "32.09,Kabupaten Cirebon,,Puskesmas Tanpa Dinas,,-6.7,108.4,100,",
    "32.09,Kabupaten Cirebon,Dinkes,Puskesmas A,,utara,108.4,-3,buka terus",
]


def csv_body(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def csv_headers(admin_headers: dict[str, str]) -> dict[str, str]:
    return {**admin_headers, "content-type": "text/csv"}


async def test_a_good_file_creates_regions_agencies_and_units(client, admin_headers, app):
    response = await client.post("/api/admin/units/import", content=csv_body(*ROWS), headers=csv_headers(admin_headers))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["dry_run"] is False
    assert body["summary"] == {
        "rows": 4,
        "create": 4,
        "update": 0,
        "unchanged": 0,
        "rows_with_problems": 0,
        "regions_created": ["32.09", "32.74"],
        "agencies_created": ["Dinas Kesehatan (32.09)", "Disdukcapil (32.09)", "Kecamatan Kejaksan (32.74)"],
    }
    units = (await client.get("/api/admin/units", headers=admin_headers)).json()
    by_name = {unit["name"]: unit for unit in units}
    assert set(by_name) == {"Puskesmas Sumber", "Puskesmas Plered", "Kantor Disdukcapil", "Kantor Kecamatan Kejaksan"}
    assert by_name["Kantor Disdukcapil"]["opening_hours"] == "Mo-Th 08:00-15:30; Fr 08:00-11:00"
    assert by_name["Puskesmas Plered"]["geofence_m"] == 100
    assert by_name["Kantor Kecamatan Kejaksan"]["lat"] is None
    assert {row["unit_id"] for row in body["rows"]} == {unit["id"] for unit in units}
    async with app.state.session_factory() as session:
        kinds = dict((await session.execute(select(Region.code, Region.kind))).all())
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "units.imported"))
    assert kinds == {"32.09": "regency", "32.74": "city"}
    assert len(event.data["created"]) == 4


async def test_a_file_with_bad_rows_is_refused_whole_listing_every_bad_row(client, admin_headers, row_counts):
    before = await row_counts()

    response = await client.post(
        "/api/admin/units/import", content=csv_body(*ROWS, *BAD_ROWS), headers=csv_headers(admin_headers)
    )

    body = assert_problem(response, 422, "request.invalid")
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (6, "agency"),
        (7, "lat"),
        (7, "geofence_m"),
        (7, "opening_hours"),
    ]
    assert all(e["message"] for e in body["errors"])
    assert await row_counts() == before


async def test_a_dry_run_previews_every_row_with_its_problems_and_writes_nothing(client, admin_headers, row_counts):
    before = await row_counts()

    response = await client.post(
        "/api/admin/units/import",
        params={"dry_run": "true"},
        content=csv_body(*ROWS, *BAD_ROWS),
        headers=csv_headers(admin_headers),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True and body["ok"] is False
    assert [row["row"] for row in body["rows"]] == [2, 3, 4, 5, 6, 7]
    assert [row["action"] for row in body["rows"]] == ["create"] * 4 + [None, None]
    assert body["rows"][5]["values"]["lat"] == "utara"
    assert [p["field"] for p in body["rows"][5]["problems"]] == ["lat", "geofence_m", "opening_hours"]
    assert body["summary"]["rows_with_problems"] == 2
    assert await row_counts() == before


async def test_importing_a_corrected_sheet_again_updates_the_units_it_already_holds(client, admin_headers):
    await client.post("/api/admin/units/import", content=csv_body(*ROWS), headers=csv_headers(admin_headers))
    moved = ROWS[1].replace("-6.7073,108.5063,,", "-6.7080,108.5070,150,")

    preview = await client.post(
        "/api/admin/units/import",
        params={"dry_run": "true"},
        content=csv_body(ROWS[0], moved),
        headers=csv_headers(admin_headers),
    )
    applied = await client.post(
        "/api/admin/units/import", content=csv_body(ROWS[0], moved), headers=csv_headers(admin_headers)
    )

    assert [row["action"] for row in preview.json()["rows"]] == ["unchanged", "update"]
    assert applied.json()["summary"]["update"] == 1
    assert applied.json()["summary"]["regions_created"] == []
    units = {u["name"]: u for u in (await client.get("/api/admin/units", headers=admin_headers)).json()}
    assert (units["Puskesmas Plered"]["lat"], units["Puskesmas Plered"]["geofence_m"]) == (-6.708, 150)
    assert len(units) == 4


async def test_a_region_code_stored_under_another_name_is_a_row_problem(client, admin_headers, make, row_counts):
    await make.region(code="32.09", name="Kabupaten Cirebon")
    before = await row_counts()

    response = await client.post(
        "/api/admin/units/import",
        content=csv_body(ROWS[0].replace("Kabupaten Cirebon", "Kab. Cirebon")),
        headers=csv_headers(admin_headers),
    )

    body = assert_problem(response, 422, "request.invalid")
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "region_name")]
    assert await row_counts() == before


async def test_a_multipart_upload_with_a_semicolon_file_and_a_bom_is_read(client, admin_headers):
    data = (
        "\ufeff" + HEADER.replace(",", ";") + "\n"
        "32.09;Kabupaten Cirebon;Samsat;Samsat Sumber;Jl. Sunan Kalijaga No. 1;-6,7639;108,4806;100;\n"
    ).encode()

    response = await client.post(
        "/api/admin/units/import", files={"file": ("units.csv", data, "text/csv")}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    [unit] = (await client.get("/api/admin/units", headers=admin_headers)).json()
    assert (unit["name"], unit["lat"]) == ("Samsat Sumber", -6.7639)


async def test_a_missing_column_refuses_the_file_at_line_1(client, admin_headers, row_counts):
    before = await row_counts()
    body = csv_body(*ROWS).replace(b"geofence_m", b"radius")

    response = await client.post("/api/admin/units/import", content=body, headers=csv_headers(admin_headers))

    problem = assert_problem(response, 422, "request.invalid")
    assert {e["row"] for e in problem["errors"]} == {1}
    assert await row_counts() == before


async def test_a_body_that_is_not_csv_is_refused_with_415(client, admin_headers, row_counts):
    before = await row_counts()

    response = await client.post(
        "/api/admin/units/import", content=b"\x89PNG...", headers={**admin_headers, "content-type": "image/png"}
    )

    assert_problem(response, 415, "request.unsupported_media_type")
    assert await row_counts() == before


async def test_a_file_over_the_csv_limit_is_refused_with_413(client, admin_headers, settings, row_counts):
    before = await row_counts()
    row = ROWS[1] + "\n"
    repeats = settings.max_csv_bytes // len(row) + 1
    body = (HEADER + "\n" + row * repeats).encode()

    response = await client.post("/api/admin/units/import", content=body, headers=csv_headers(admin_headers))

    assert_problem(response, 413, "request.too_large")
    assert await row_counts() == before


async def test_a_dry_run_of_a_file_with_a_bad_header_shows_no_rows_and_the_header_problem(client, admin_headers):
    body = csv_body(*ROWS).replace(b"opening_hours", b"jam_buka")

    response = await client.post(
        "/api/admin/units/import", params={"dry_run": "true"}, content=body, headers=csv_headers(admin_headers)
    )

    preview = response.json()
    assert (response.status_code, preview["ok"], preview["rows"]) == (200, False, [])
    assert [(e["row"], e["field"]) for e in preview["errors"]] == [(1, "header"), (1, "header")]


async def test_a_row_with_a_nul_byte_is_refused_naming_the_row_and_writes_nothing(client, admin_headers, row_counts):
    # PostgreSQL refuses NUL in text and SQLite stores it: the file is refused the same way on both.
    before = await row_counts()
    body = csv_body(*ROWS[:2], ROWS[2].replace("Kantor Disdukcapil", "Kantor\x00Disdukcapil"))

    response = await client.post("/api/admin/units/import", content=body, headers=csv_headers(admin_headers))

    problem = assert_problem(response, 422, "request.invalid", "unit")
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(4, "unit")]
    assert "U+0000" in problem["detail"]
    assert await row_counts() == before


async def test_a_file_past_the_row_bound_is_refused_with_413_naming_it(client, app, admin_headers, row_counts):
    before = await row_counts()
    app.state.settings = replace(app.state.settings, max_csv_rows=3)
    try:
        for dry_run in ("true", "false"):
            response = await client.post(
                "/api/admin/units/import",
                params={"dry_run": dry_run},
                content=csv_body(*ROWS),
                headers=csv_headers(admin_headers),
            )

            assert assert_problem(response, 413, "request.too_large")["max_rows"] == 3
    finally:
        app.state.settings = replace(app.state.settings, max_csv_rows=Settings.max_csv_rows)
    assert await row_counts() == before


async def test_a_binary_file_sent_as_csv_is_refused_and_writes_nothing(client, admin_headers, row_counts):
    before = await row_counts()
    body = csv_body(*ROWS)[:200] + bytes(range(256)) * 4

    response = await client.post("/api/admin/units/import", content=body, headers=csv_headers(admin_headers))

    assert_problem(response, 422, "request.invalid")
    assert await row_counts() == before
