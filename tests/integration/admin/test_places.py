"""Regions, agencies and units through the admin API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from server.db.models import AuditEvent


async def audit_actions(app) -> list[str]:
    async with app.state.session_factory() as session:
        return list((await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all())


def assert_problem(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    if field is not None:
        assert body.get("field") == field, body
    return body


# --- regions ----------------------------------------------------------------------------------------------------


async def test_an_admin_creates_a_region_and_finds_it_in_the_list_and_by_id(client, admin_headers, app):
    created = await client.post(
        "/api/admin/regions", json={"code": "32.09", "name": "Kabupaten  Cirebon"}, headers=admin_headers
    )

    assert created.status_code == 201
    region = created.json()
    assert (region["code"], region["name"], region["kind"], region["timezone"]) == (
        "32.09",
        "Kabupaten Cirebon",
        "regency",
        "Asia/Jakarta",
    )
    listed = (await client.get("/api/admin/regions", headers=admin_headers)).json()
    assert [r["id"] for r in listed] == [region["id"]]
    detail = await client.get(f"/api/admin/regions/{region['id']}", headers=admin_headers)
    assert detail.json() == region
    assert "region.created" in await audit_actions(app)


async def test_a_city_is_recognised_by_its_name(client, admin_headers):
    created = await client.post(
        "/api/admin/regions", json={"code": "32.74", "name": "Kota Cirebon"}, headers=admin_headers
    )

    assert created.json()["kind"] == "city"


async def test_a_duplicate_region_code_is_a_conflict_and_writes_nothing(client, admin_headers, make, row_counts):
    await make.region(code="32.09")
    before = await row_counts()

    response = await client.post("/api/admin/regions", json={"code": "32.09", "name": "Lagi"}, headers=admin_headers)

    assert_problem(response, 409, "duplicate", "code")
    assert await row_counts() == before


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"code": "32.09"}, 422, "request.invalid", None),  # the missing field is named in `detail`
        ({"code": 3209, "name": "Kabupaten Cirebon"}, 422, "request.invalid", "code"),
        ({"code": "32 09", "name": "Kabupaten Cirebon"}, 422, "request.invalid", "code"),
        ({"code": "32.09", "name": "   "}, 422, "request.invalid", "name"),
        ({"code": "32.09", "name": "X", "timezone": "Asia/Nowhere"}, 422, "request.invalid", "timezone"),
        ({"code": "32.09", "name": "X", "kind": "village"}, 422, "request.invalid", "kind"),
        ({"code": "32.09", "name": "X", "parent_id": str(uuid.uuid4())}, 422, "request.invalid", "parent_id"),
        ({"code": "32.09", "name": "X", "colour": "blue"}, 422, "request.invalid", None),
    ],
)
async def test_bad_region_bodies_are_refused_with_the_field_and_write_nothing(
    client, admin_headers, row_counts, body, status, code, field
):
    before = await row_counts()

    response = await client.post("/api/admin/regions", json=body, headers=admin_headers)

    assert_problem(response, status, code, field)
    assert await row_counts() == before


async def test_malformed_json_is_a_400_problem_and_writes_nothing(client, admin_headers, row_counts):
    before = await row_counts()

    response = await client.post(
        "/api/admin/regions",
        content=b'{"code": "32.09", "name": ',
        headers={**admin_headers, "content-type": "application/json"},
    )

    assert_problem(response, 400, "request.malformed")
    assert await row_counts() == before


async def test_an_oversized_body_is_a_413_problem_and_writes_nothing(client, admin_headers, row_counts, settings):
    before = await row_counts()
    huge = b'{"code": "32.09", "name": "' + b"x" * (settings.max_json_bytes + 1) + b'"}'

    response = await client.post(
        "/api/admin/regions", content=huge, headers={**admin_headers, "content-type": "application/json"}
    )

    assert_problem(response, 413, "request.too_large")
    assert await row_counts() == before


async def test_an_unknown_region_id_in_the_path_is_404(client, admin_headers):
    response = await client.get(f"/api/admin/regions/{uuid.uuid4()}", headers=admin_headers)

    assert_problem(response, 404, "not_found")


# --- agencies ---------------------------------------------------------------------------------------------------


async def test_an_admin_creates_an_agency_in_a_region(client, admin_headers, make):
    region = await make.region(code="32.09", name="Kabupaten Cirebon")

    created = await client.post(
        "/api/admin/agencies",
        json={"region_id": str(region.id), "name": "Disdukcapil", "kind": "dinas"},
        headers=admin_headers,
    )

    assert created.status_code == 201
    agency = created.json()
    assert agency["region"] == {"id": str(region.id), "code": "32.09", "name": "Kabupaten Cirebon"}
    assert (agency["name"], agency["kind"]) == ("Disdukcapil", "dinas")
    detail = await client.get(f"/api/admin/agencies/{agency['id']}", headers=admin_headers)
    assert detail.json() == agency


async def test_agencies_can_be_listed_per_region(client, admin_headers, make):
    here, there = await make.region(), await make.region()
    mine = await make.agency(region=here, name="Dinas Kesehatan")
    await make.agency(region=there, name="Dinas Sosial")

    listed = await client.get("/api/admin/agencies", params={"region_id": str(here.id)}, headers=admin_headers)

    assert [a["id"] for a in listed.json()] == [str(mine.id)]


async def test_an_agency_in_an_unknown_region_is_refused_naming_the_field(client, admin_headers, row_counts):
    before = await row_counts()

    response = await client.post(
        "/api/admin/agencies", json={"region_id": str(uuid.uuid4()), "name": "Dinkes"}, headers=admin_headers
    )

    assert_problem(response, 422, "request.invalid", "region_id")
    assert await row_counts() == before


async def test_the_same_agency_name_twice_in_a_region_is_a_conflict_even_in_another_case(
    client, admin_headers, make, row_counts
):
    region = await make.region()
    await make.agency(region=region, name="Dinas Kesehatan")
    before = await row_counts()

    response = await client.post(
        "/api/admin/agencies", json={"region_id": str(region.id), "name": "dinas kesehatan"}, headers=admin_headers
    )

    assert_problem(response, 409, "duplicate", "name")
    assert await row_counts() == before


# --- units ------------------------------------------------------------------------------------------------------


async def test_an_admin_creates_a_unit_with_coordinates_and_canonical_opening_hours(client, admin_headers, make, app):
    agency = await make.agency(name="Dinas Kesehatan")

    created = await client.post(
        "/api/admin/units",
        json={
            "agency_id": str(agency.id),
            "name": "Puskesmas Sumber",
            "address": "Jl. Dewi Sartika No. 2, Sumber",
            "lat": -6.7617,
            "lon": 108.4772,
            "geofence_m": 120,
            "opening_hours": "Senin s.d. Kamis 07.30-14.00 WIB",
        },
        headers=admin_headers,
    )

    assert created.status_code == 201, created.text
    unit = created.json()
    assert (unit["name"], unit["lat"], unit["lon"], unit["geofence_m"]) == ("Puskesmas Sumber", -6.7617, 108.4772, 120)
    assert unit["opening_hours"] == "Mo-Th 07:30-14:00"
    assert unit["agency"] == {"id": str(agency.id), "name": "Dinas Kesehatan"}
    assert (await client.get(f"/api/admin/units/{unit['id']}", headers=admin_headers)).json() == unit
    assert "unit.created" in await audit_actions(app)


async def test_units_are_listed_per_agency_or_region(client, admin_headers, make):
    agency = await make.agency()
    unit = await make.unit(agency=agency)
    await make.unit()

    by_agency = await client.get("/api/admin/units", params={"agency_id": str(agency.id)}, headers=admin_headers)
    by_region = await client.get("/api/admin/units", params={"region_id": str(agency.region_id)}, headers=admin_headers)
    everything = await client.get("/api/admin/units", headers=admin_headers)

    assert [u["id"] for u in by_agency.json()] == [str(unit.id)]
    assert [u["id"] for u in by_region.json()] == [str(unit.id)]
    assert len(everything.json()) == 2


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"lat": -6.7}, "lon"),
        ({"lat": -91, "lon": 108.4}, "lat"),
        ({"lat": -6.7, "lon": 181}, "lon"),
        ({"geofence_m": 0}, "geofence_m"),
        ({"geofence_m": 12.5}, "geofence_m"),
        ({"opening_hours": "kadang-kadang"}, "opening_hours"),
        ({"agency_id": "not-a-uuid"}, "agency_id"),
        ({"agency_id": str(uuid.UUID(int=7))}, "agency_id"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_unit_bodies_are_refused_with_the_field_and_write_nothing(
    client, admin_headers, make, row_counts, changes, field
):
    agency = await make.agency()
    before = await row_counts()
    body = {"agency_id": str(agency.id), "name": "Puskesmas", **changes}

    response = await client.post("/api/admin/units", json=body, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)
    assert await row_counts() == before


async def test_a_duplicate_unit_name_in_an_agency_is_a_conflict(client, admin_headers, make, row_counts):
    agency = await make.agency()
    await make.unit(agency=agency, name="Puskesmas Sumber")
    before = await row_counts()

    response = await client.post(
        "/api/admin/units", json={"agency_id": str(agency.id), "name": "PUSKESMAS SUMBER"}, headers=admin_headers
    )

    assert_problem(response, 409, "duplicate", "name")
    assert await row_counts() == before


async def test_patching_a_unit_changes_only_the_fields_sent_and_is_audited(client, admin_headers, make, app):
    unit = await make.unit(name="Puskesmas Sumber", lat=-6.76, lon=108.48, geofence_m=100)

    response = await client.patch(
        f"/api/admin/units/{unit.id}", json={"geofence_m": 250, "address": "Jl. Baru 1"}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["geofence_m"], body["address"], body["name"], body["lat"]) == (
        250,
        "Jl. Baru 1",
        "Puskesmas Sumber",
        -6.76,
    )
    async with app.state.session_factory() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.updated"))
    assert event.data["changes"]["geofence_m"] == [100, 250]


async def test_patching_lat_and_lon_to_null_removes_the_coordinates(client, admin_headers, make):
    unit = await make.unit(lat=-6.76, lon=108.48)

    response = await client.patch(f"/api/admin/units/{unit.id}", json={"lat": None, "lon": None}, headers=admin_headers)

    assert (response.json()["lat"], response.json()["lon"]) == (None, None)


async def test_patching_away_only_one_coordinate_is_refused_and_writes_nothing(client, admin_headers, make, row_counts):
    unit = await make.unit(lat=-6.76, lon=108.48)
    before = await row_counts()

    response = await client.patch(f"/api/admin/units/{unit.id}", json={"lat": None}, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", "lat")
    assert await row_counts() == before
    assert (await client.get(f"/api/admin/units/{unit.id}", headers=admin_headers)).json()["lat"] == -6.76


async def test_renaming_a_unit_onto_a_sibling_is_a_conflict(client, admin_headers, make):
    agency = await make.agency()
    await make.unit(agency=agency, name="Puskesmas A")
    other = await make.unit(agency=agency, name="Puskesmas B")

    response = await client.patch(f"/api/admin/units/{other.id}", json={"name": "Puskesmas A"}, headers=admin_headers)

    assert_problem(response, 409, "duplicate", "name")


async def test_patching_an_unknown_unit_is_404(client, admin_headers):
    response = await client.patch(f"/api/admin/units/{uuid.uuid4()}", json={"name": "X"}, headers=admin_headers)

    assert_problem(response, 404, "not_found")
